"""`crisiswatch alert …` as an operator runs it (CliRunner on the real app): rules, list/ack/resolve/snooze on a
SQLite database made with `crisiswatch db upgrade`, dry-run on a tantivy index in the state dir, and replay's
input errors. Output is Vietnamese, times are Vietnam time, mistakes exit non-zero with a message that says why."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import alerting.cli as alert_cli
import alerting.store.cli as db_cli
from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.rules import load_rules
from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for
from common.schema import Sentiment, Topic
from common.settings import get_settings
from crisiswatch.cli import app
from index.tantivy_backend import TantivyBackend
from tests.alerting.factory import T0, mention

CLAIM = "cam-rut-bhxh-mot-lan"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A clean CRISISWATCH_* environment with its own state dir and SQLite database; wide consoles."""
    for name in [k for k in os.environ if k.startswith("CRISISWATCH_")]:
        monkeypatch.delenv(name)
    state = tmp_path / "state"
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(state))
    monkeypatch.setenv("CRISISWATCH_SEARCH_BACKEND", "tantivy")
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("CRISISWATCH_PII_HASH_KEY", "test-key")
    get_settings.cache_clear()
    for console in (alert_cli.console, alert_cli.err_console, db_cli.console, db_cli.err_console):
        monkeypatch.setattr(console, "width", 200)  # table cells do not wrap
    yield state
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


# --- alert rules ---------------------------------------------------------------------------------------------
def test_rules_lists_the_default_rules(env: Path) -> None:
    result = run("alert", "rules")
    assert result.exit_code == 0, result.output
    defaults = load_rules()
    assert f"{len(defaults)} luật hợp lệ" in result.output
    for rule in defaults:
        assert rule.name in result.output
    assert "rumor" in result.output and "known_claim" in result.output


def test_rules_names_file_key_and_line_of_a_broken_rule(env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "vssid-outage.yaml").write_text(
        'type: frequency\ndescription: Sự cố VssID\nquery: "topic:vssid_app"\nparams:\n  count: không\n'
        "  window: 30m\n", encoding="utf-8")
    result = run("alert", "rules", "--dir", str(folder))
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "Luật cảnh báo không hợp lệ" in flat
    assert f"{folder / 'vssid-outage.yaml'}:5: khóa 'params.count'" in flat


# --- list / ack / resolve / snooze -----------------------------------------------------------------------------
def update(key: str, score: float, minutes: float, title: str) -> EpisodeUpdate:
    at = T0 + timedelta(minutes=minutes)
    return EpisodeUpdate(rule="rumor-known-claim", rule_type="known_claim", key=key, kind=UpdateKind.opened, at=at,
                         severity_score=score, severity=Severity.from_score(score), playbook="rumor", title=title,
                         facts=EpisodeFacts(count=5, window_count=5, first_seen=at, last_seen=at))


@pytest.fixture
def store(env: Path) -> Iterator[AlertStore]:
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    engine = create_engine_for(os.environ["CRISISWATCH_DATABASE_URL"])
    yield AlertStore(engine, channels=("email",))
    engine.dispose()


def test_list_ack_resolve_in_vietnamese_with_audit(store: AlertStore) -> None:
    rumor = store.apply(update(CLAIM, 85, 0, "Tin đồn cấm rút một lần [nhóm công nhân]")).alert
    fund = store.apply(update("quy-bhxh-vo-quy", 45, 30, "Tin đồn 'quỹ BHXH vỡ' đang lan")).alert

    listed = run("alert", "list")
    assert listed.exit_code == 0, listed.output
    out = listed.output
    assert "Cảnh báo (2)" in out and "đang mở" in out
    assert "nghiêm trọng" in out and "trung bình" in out
    assert "Tin đồn cấm rút một lần [nhóm công nhân]" in out  # brackets are text, not markup
    assert f"rumor-known-claim · {CLAIM}" in out
    assert "02/03/2026 08:00" in out and "02/03/2026 08:30" in out  # 01:00 / 01:30 UTC in Vietnam time

    acked = run("alert", "ack", str(rumor.id), "--by", "nguyen.van.a", "--note", "đã báo lãnh đạo")
    assert acked.exit_code == 0, acked.output
    assert f"Cảnh báo #{rumor.id} đã xác nhận bởi nguyen.van.a." in acked.output
    again = run("alert", "ack", str(rumor.id), "--by", "nguyen.van.a")
    assert again.exit_code == 1 and "chỉ cảnh báo đang mở mới xác nhận được" in again.output

    resolved = run("alert", "resolve", str(fund.id), "--by", "tran.thi.b", "--note", "báo động nhầm")
    assert resolved.exit_code == 0 and f"Cảnh báo #{fund.id} đã đóng." in resolved.output
    twice = run("alert", "resolve", str(fund.id), "--by", "tran.thi.b")
    assert twice.exit_code == 1 and "đã được đóng lúc" in twice.output and "tran.thi.b" in twice.output

    audit = AuditLog(store.engine)
    (ack,) = audit.entries(object_type="alert", object_id=rumor.id, actor="nguyen.van.a")
    assert ack.action == "alert.acknowledged" and ack.details["note"] == "đã báo lãnh đạo"
    (closed,) = audit.entries(object_type="alert", object_id=fund.id, actor="tran.thi.b")
    assert closed.action == "alert.resolved" and closed.details == {"note": "báo động nhầm", "manual": True}

    rows = [json.loads(line) for line in run("alert", "list", "--json").stdout.splitlines()]
    assert [(row["id"], row["status"]) for row in rows] == [(rumor.id, "acknowledged")]
    only_resolved = run("alert", "list", "--status", "resolved").output
    assert "Cảnh báo (1)" in only_resolved and "đã đóng" in only_resolved and "quỹ BHXH vỡ" in only_resolved


@pytest.mark.parametrize("command", ["ack", "resolve"])
def test_an_unknown_alert_exits_1_in_vietnamese(store: AlertStore, command: str) -> None:
    result = run("alert", command, "999", "--by", "nguyen.van.a")
    assert result.exit_code == 1
    assert "Không có cảnh báo #999" in result.output
    assert AuditLog(store.engine).entries(actor="nguyen.van.a") == []


def test_a_bad_list_filter_exits_1(store: AlertStore) -> None:
    assert run("alert", "list", "--status", "closed").exit_code == 1
    result = run("alert", "list", "--min-severity", "extreme")
    assert result.exit_code == 1 and "mức độ 'extreme' không hợp lệ" in result.output


def test_snooze_is_audited_and_mutes_notifications(store: AlertStore) -> None:
    result = run("alert", "snooze", "rumor-known-claim", "--for", "2h", "--reason", "đã đính chính",
                 "--key", CLAIM, "--by", "le.van.c")
    assert result.exit_code == 0, result.output
    assert f"Tạm hoãn luật rumor-known-claim [{CLAIM}] đến" in result.output
    (snooze,) = store.active_snoozes()
    assert snooze.key == CLAIM and snooze.created_by == "le.van.c"
    assert timedelta(hours=1, minutes=59) < snooze.until - datetime.now(UTC) <= timedelta(hours=2)
    (entry,) = AuditLog(store.engine).entries(actor="le.van.c")
    assert entry.action == "snooze.created" and entry.details["reason"] == "đã đính chính"
    applied = store.apply(update(CLAIM, 85, 0, "Tin đồn đang lan"))
    assert applied.outcome == "suppressed_snoozed" and applied.notifications == ()


def test_snooze_rejects_a_bad_duration(store: AlertStore) -> None:
    result = CliRunner().invoke(app, ["alert", "snooze", "rumor-known-claim", "--for", "mãi mãi", "--reason", "x"])
    assert result.exit_code == 2 and "thời lượng 'mãi mãi' không hợp lệ" in result.output
    assert store.active_snoozes() == []


def test_commands_on_a_database_never_upgraded_exit_2(env: Path) -> None:
    result = run("alert", "list")
    assert result.exit_code == 2 and "crisiswatch db upgrade" in " ".join(result.output.split())


# --- dry-run -------------------------------------------------------------------------------------------------
@pytest.fixture
def rumor_index(env: Path) -> Path:
    """A quiet morning, then a rumor wave from 09:00 (Vietnam time) on 2/3/2026: 12 posts in 66 minutes."""
    background = [mention("Cho hỏi lương hưu tháng này lĩnh ngày mấy ạ", minutes=-600 + 40 * i, topic=Topic.pension)
                  for i in range(12)]
    wave = [mention("Từ 1/7 cấm rút BHXH một lần rồi mọi người ơi, chia sẻ gấp", minutes=60 + 6 * i,
                    topic=Topic.one_time_withdrawal, sentiment=Sentiment.negative, misinformation=True,
                    claims=(CLAIM,), reactions=50, shares=20) for i in range(12)]
    with TantivyBackend(env / "index") as backend:
        backend.index(background + wave)
    return env


def test_dry_run_prints_the_opened_episode_in_vietnam_time(rumor_index: Path) -> None:
    result = run("alert", "dry-run", "rumor-known-claim", "--from", "2026-03-02", "--to", "2026-03-02")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Chạy thử rumor-known-claim (known_claim)" in out and "24 mention" in out
    opened = next(line for line in out.splitlines() if "MỞ" in line)
    assert "02/03/2026 09:12" in opened and CLAIM in opened  # the third post (02:12 UTC) opens it
    ended = next(line for line in out.splitlines() if "KẾT THÚC" in line)
    assert CLAIM in ended
    assert "1 đợt cảnh báo" in out


def test_dry_run_before_the_wave_finds_nothing(rumor_index: Path) -> None:
    result = run("alert", "dry-run", "rumor-known-claim", "--from", "2026-03-01", "--to", "2026-03-02T08:00")
    assert result.exit_code == 0, result.output
    assert "0 đợt cảnh báo" in result.output and "MỞ" not in result.output


def test_dry_run_of_an_unknown_rule_exits_2(rumor_index: Path) -> None:
    result = run("alert", "dry-run", "khong-co-luat-nay", "--from", "2026-03-02", "--to", "2026-03-02")
    assert result.exit_code == 2
    assert "Không có luật 'khong-co-luat-nay'" in result.output and "crisiswatch alert rules" in result.output


def test_dry_run_rejects_an_inverted_period(rumor_index: Path) -> None:
    result = CliRunner().invoke(app, ["alert", "dry-run", "rumor-known-claim", "--from", "2026-03-03",
                                      "--to", "2026-03-01"])
    assert result.exit_code == 2 and "--to phải sau --from" in result.output


# --- replay input errors ---------------------------------------------------------------------------------------
def test_replay_of_a_bad_timeline_exits_2_naming_the_line(env: Path, tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    good = {"scenario": "s", "ts": "2026-03-04T09:12:00+07:00", "source": "facebook", "text": "BHXH"}
    timeline.write_text("\n".join([json.dumps(good), json.dumps({**good, "ts": "2026-03-04 09:12"}),
                                   json.dumps(good)]) + "\n", encoding="utf-8")
    result = run("alert", "replay", str(timeline))
    assert result.exit_code == 2
    assert f"{timeline}:2: trường 'ts'" in " ".join(result.output.split())


def test_replay_of_bad_expectations_exits_2(env: Path, tmp_path: Path) -> None:
    timeline = tmp_path / "timeline.jsonl"
    timeline.write_text(json.dumps({"scenario": "s", "ts": "2026-03-04T09:12:00+07:00", "source": "zalo",
                                    "text": "BHXH"}) + "\n", encoding="utf-8")
    expect = tmp_path / "expect.yaml"
    expect.write_text("scenarios:\n  s:\n    crisis: true\n", encoding="utf-8")
    result = run("alert", "replay", str(timeline), "--expect", str(expect))
    assert result.exit_code == 2 and "kịch bản khủng hoảng cần 'alert_by'" in result.output
