"""The replay harness (`alerting.replay`): reading timelines and expectations strictly, turning a line into what
the crawlers would have produced, keeping one entry per episode, and judging scenarios. The last test replays the
committed scenarios through the REAL packaged model and the default rules (marked slow)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerting.dry_run import dry_run
from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.replay import (
    Expectation,
    ReplayedAlert,
    ScenarioResult,
    TimelineError,
    TimelineLine,
    episodes,
    judge,
    read_expectations,
    read_timelines,
    replay_scenario,
    to_mention,
)
from common.query import TIMEZONE
from common.schema import Sentiment, Source, Topic
from tests.alerting.factory import T0, mention, rule

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "alerting" / "scenarios"
PII_KEY = b"replay-test-key-0123456789abcdef"


def line(**fields) -> str:
    data = {"scenario": "rumor_wave", "ts": "2026-03-04T09:12:00+07:00", "source": "facebook",
            "text": "Từ 1/7 cấm rút BHXH một lần rồi mọi người ơi"}
    data.update(fields)
    return json.dumps({k: v for k, v in data.items() if v is not ...}, ensure_ascii=False)


def write(tmp_path: Path, *lines: str, name: str = "timelines.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- read_timelines ----------------------------------------------------------------------------------------------
def test_reads_scenarios_in_file_order_skipping_lines_without_text(tmp_path: Path) -> None:
    path = write(tmp_path,
                 line(role="crisis", author="Lê Thu Trang", reach={"reactions": 120, "shares": 45, "views": 9}),
                 "",
                 line(scenario="quiet_week_bait", ts="2026-08-06T20:15:00+07:00", text="lương hưu đi chợ"),
                 line(text=""),
                 line(text=...),
                 line(ts="2026-03-04T09:30:00+07:00", source="news", title="Tin đồn cấm rút BHXH một lần"))
    timelines = read_timelines(path)
    assert timelines.skipped == 2
    assert list(timelines.lines) == ["rumor_wave", "quiet_week_bait"]
    (first_number, first), (second_number, second) = timelines.lines["rumor_wave"]
    assert (first_number, second_number) == (1, 6)  # file line numbers (the blank line counts)
    assert first.author == "Lê Thu Trang" and first.reach.reactions == 120 and first.reach.shares == 45
    assert first.ts == datetime(2026, 3, 4, 2, 12, tzinfo=UTC)
    assert second.source is Source.news and second.title == "Tin đồn cấm rút BHXH một lần"


@pytest.mark.parametrize(("bad", "says"), [
    ('{"scenario": "rumor_wave", "ts": ', "không phải JSON hợp lệ"),
    ('["rumor_wave"]', "mỗi dòng phải là một đối tượng JSON"),
    (line(ts="2026-03-04T09:12:00"), "trường 'ts'"),
    (line(source="tiktok"), "trường 'source'"),
    (line(scenario=...), "trường 'scenario'"),
    (line(reach={"reactions": "nhiều"}), "trường 'reach.reactions'"),
])
def test_a_bad_line_is_an_error_naming_file_and_line(tmp_path: Path, bad: str, says: str) -> None:
    path = write(tmp_path, line(), line(), bad, line())
    with pytest.raises(TimelineError) as caught:
        read_timelines(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: ")
    assert says in message


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "timelines.jsonl"
    path.write_bytes(line().encode() + b"\n" + line(text="l\u01b0\u01a1ng h\u01b0u").encode("utf-16") + b"\n")
    with pytest.raises(TimelineError, match=rf"^{path}:2: không phải văn bản UTF-8"):
        read_timelines(path)


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "timelines.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line().encode() + b"\n")
    assert len(read_timelines(path).lines["rumor_wave"]) == 1


def test_a_missing_file_is_a_timeline_error(tmp_path: Path) -> None:
    with pytest.raises(TimelineError, match="không đọc được tệp"):
        read_timelines(tmp_path / "missing.jsonl")


def test_the_committed_timelines_read_cleanly() -> None:
    timelines = read_timelines(SCENARIOS / "timelines.jsonl")
    assert set(timelines.lines) >= {"rumor_wave", "viral_video_staff", "quiet_week_bait"}
    assert all(number > 0 for lines in timelines.lines.values() for number, _ in lines)


# --- to_mention --------------------------------------------------------------------------------------------------
def test_to_mention_masks_phone_numbers_and_resolves_old_province_names() -> None:
    data = json.loads(line(text="Ai cần rút BHXH một lần gọi 0912345678 nhé, công ty ở Bình Dương",
                           title="Liên hệ 0987 654 321", province="Bình Dương", author="Lê Thu Trang",
                           reach={"reactions": 7, "shares": 2, "comments": 1, "followers": 900}))
    result = to_mention(TimelineLine.model_validate(data), 42, PII_KEY)
    assert "0912345678" not in result.text and "[SĐT#" in result.text
    assert "0987 654 321" not in result.title and "[SĐT#" in result.title
    assert result.province.written == "Bình Dương" and result.province.new == "TP. Hồ Chí Minh"
    assert result.source_id == "replay:rumor_wave:42" and result.created_at == datetime(2026, 3, 4, 2, 12,
                                                                                          tzinfo=UTC)
    assert result.reach.shares == 2 and result.reach.author_followers == 900 and result.author.name == "Lê Thu Trang"


def test_to_mention_finds_the_province_in_the_text_when_the_line_has_none() -> None:
    data = json.loads(line(text="Cty ở Biên Hòa nợ bhxh 3 năm rồi, công nhân ngừng việc"))
    result = to_mention(TimelineLine.model_validate(data), 1, PII_KEY)
    assert result.province.written == "Biên Hòa" and result.province.new == "Đồng Nai"


# --- episodes ----------------------------------------------------------------------------------------------------
def update(kind: str, minutes: float, score: float, *, key: str = "vssid_app") -> EpisodeUpdate:
    at = T0 + timedelta(minutes=minutes)
    return EpisodeUpdate(rule="vssid-outage", rule_type="frequency", key=key, kind=UpdateKind(kind), at=at,
                         severity_score=score, severity=Severity.from_score(score), playbook="outage",
                         title="VssID lỗi đăng nhập", facts=EpisodeFacts(count=3, first_seen=T0, last_seen=at))


def test_episodes_keep_the_peak_severity_and_count_reopenings() -> None:
    found = episodes([update("opened", 0, 45), update("updated", 10, 85), update("opened", 12, 50, key="pension"),
                      update("updated", 20, 65), update("resolved", 60, 20),
                      update("opened", 300, 42)])
    assert [(a.key, a.severity, a.opened_at - T0) for a in found] == [
        ("vssid_app", Severity.critical, timedelta(0)),  # peaked at 85 before easing off
        ("pension", Severity.medium, timedelta(minutes=12)),
        ("vssid_app", Severity.medium, timedelta(minutes=300)),  # a new episode after it resolved
    ]
    assert found[0].playbook == "outage"
    assert found[0].as_json() == {"rule": "vssid-outage", "key": "vssid_app", "severity": "critical",
                                  "opened_at": "2026-03-02T08:00:00+07:00"}


# --- replay_scenario ---------------------------------------------------------------------------------------------
OUTAGE = rule("vssid-outage", type="frequency", query="topic:vssid_app", playbook="outage",
              params={"count": 3, "window": "30m"}, resolve_after="30m")
FLATLINE = rule("crawler-flatline", type="flatline", key="source", resolve_after="0m",
                params={"window": "2h", "baseline": "7d", "min_expected": 10, "min_days": 3})


def test_replay_leaves_crawler_flatline_rules_out() -> None:
    steady = [mention("bài", minutes=h * 60 + i * 5) for h in range(78) for i in range(12)]
    outage = [mention("VssID sập", minutes=81 * 60 + i, topic=Topic.vssid_app, sentiment=Sentiment.negative)
              for i in range(3)]
    stream = steady + outage
    assert any(u.rule == "crawler-flatline" for u in dry_run([FLATLINE], stream, until=outage[-1].created_at))
    result = replay_scenario("vssid_outage_deadline", stream, [FLATLINE, OUTAGE])
    assert result.mentions == len(stream)
    assert [(a.rule, a.playbook, a.opened_at) for a in result.alerts] == [
        ("vssid-outage", "outage", outage[-1].created_at)]
    assert result.as_json()["first_alert_at"] == outage[-1].created_at.astimezone(TIMEZONE).isoformat()


def test_replay_of_an_empty_scenario_has_no_alerts() -> None:
    result = replay_scenario("empty", [], [OUTAGE])
    assert result.alerts == [] and result.as_json() == {"scenario": "empty", "first_alert_at": None, "alerts": []}


# --- judge -------------------------------------------------------------------------------------------------------
VN = "+07:00"


def alert(at: str, *, playbook: str | None = "rumor", rule_name: str = "rumor-known-claim") -> ReplayedAlert:
    return ReplayedAlert(rule_name, "cam-rut-bhxh-mot-lan", Severity.high, datetime.fromisoformat(at + VN),
                         "Tin đồn lan truyền", playbook)


CRISIS = Expectation(crisis=True, type="rumor", alert_by=datetime.fromisoformat("2026-03-04T10:00" + VN),
                     no_new_episode_after=datetime.fromisoformat("2026-03-04T14:30" + VN))


def test_a_crisis_alerted_in_time_passes() -> None:
    verdict = judge(ScenarioResult("rumor_wave", 200, [alert("2026-03-04T09:20")]), CRISIS)
    assert verdict.passed and verdict.reason == "cảnh báo loại rumor sớm hơn hạn 0:40:00"


def test_a_crisis_alerted_late_fails() -> None:
    verdict = judge(ScenarioResult("rumor_wave", 200, [alert("2026-03-04T10:25")]), CRISIS)
    assert not verdict.passed
    assert verdict.reason == "cảnh báo loại rumor muộn 0:25:00 so với hạn 04/03 10:00"


def test_an_alert_of_another_crisis_type_does_not_count() -> None:
    result = ScenarioResult("rumor_wave", 200, [alert("2026-03-04T09:10", playbook="service_quality",
                                                      rule_name="negative-spike-topic")])
    verdict = judge(result, CRISIS)
    assert not verdict.passed and verdict.reason == "không có cảnh báo loại rumor"
    assert judge(result, CRISIS.model_copy(update={"type": None})).passed  # no type named: any alert counts


def test_a_new_episode_after_the_refutation_fails() -> None:
    result = ScenarioResult("rumor_wave", 200, [alert("2026-03-04T09:20"), alert("2026-03-09T20:15")])
    verdict = judge(result, CRISIS)
    assert not verdict.passed
    assert verdict.reason == "mở đợt mới sau khi đã bác bỏ: rumor-known-claim [cam-rut-bhxh-mot-lan] lúc 09/03 20:15"


def test_a_quiet_scenario_passes_only_without_alerts() -> None:
    quiet = Expectation(crisis=False)
    assert judge(ScenarioResult("quiet_week_bait", 49, []), quiet).reason == "không có cảnh báo, đúng kỳ vọng"
    verdict = judge(ScenarioResult("quiet_week_bait", 49, [alert("2026-08-06T20:40", rule_name="viral")]), quiet)
    assert not verdict.passed
    assert verdict.reason == "không được cảnh báo nhưng có 1 cảnh báo, đầu tiên viral lúc 06/08 20:40"


# --- read_expectations -------------------------------------------------------------------------------------------
def test_the_committed_expectations_read_cleanly() -> None:
    expectations = read_expectations(SCENARIOS / "expectations.yaml")
    assert expectations["rumor_wave"].alert_by == datetime.fromisoformat("2026-03-04T10:00:00+07:00")
    assert expectations["quiet_week_bait"].crisis is False


@pytest.mark.parametrize(("text", "says"), [
    ("version: 1\n", "thiếu khóa 'scenarios'"),
    ("scenarios: [a, b]\n", "thiếu khóa 'scenarios'"),
    ("scenarios:\n  rumor_wave:\n    crisis: true\n", "scenarios.rumor_wave: kịch bản khủng hoảng cần 'alert_by'"),
    ("scenarios:\n  rumor_wave:\n    crisis: maybe\n", "scenarios.rumor_wave.crisis:"),
    ("scenarios:\n  rumor_wave:\n    crisis: true\n    alert_by: '2026-03-04T10:00'\n",
     "scenarios.rumor_wave.alert_by:"),
    ("scenarios: {rumor_wave: [\n", "không đọc được tệp kỳ vọng"),
    ("scenarios:\n  rumor_wave:\n", "scenarios.rumor_wave: Input should be a valid dictionary"),
    ("scenarios:\n  rumor_wave:\n    crisis: true\n    type: rumour\n    alert_by: '2026-03-04T10:00:00+07:00'\n",
     "scenarios.rumor_wave.type: loại khủng hoảng 'rumour' không có"),
])
def test_bad_expectations_name_the_file_and_the_scenario(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "expectations.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TimelineError) as caught:
        read_expectations(path)
    assert str(caught.value).startswith(f"{path}: ") and says in str(caught.value)


def test_missing_expectations_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TimelineError, match="không đọc được tệp kỳ vọng"):
        read_expectations(tmp_path / "nope.yaml")


# --- the committed scenarios through the real model ----------------------------------------------------------
def _built_base_dir() -> Path | None:
    """A base encoder already built on this machine (env, or the checkout's default state dir), to skip a rebuild."""
    from classifier.model.build import is_built

    for candidate in (os.environ.get("CRISISWATCH_CLASSIFIER_BASE_DIR"), REPO / ".crisiswatch/models/e5-small"):
        if candidate and is_built(Path(candidate)):
            return Path(candidate)
    return None


@pytest.mark.slow
def test_replay_of_the_committed_scenarios_with_the_real_model(tmp_path: Path, monkeypatch) -> None:
    from common.settings import get_settings
    from crisiswatch.cli import app

    for name in [k for k in os.environ if k.startswith("CRISISWATCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CRISISWATCH_PII_HASH_KEY", "replay-test-key")
    base = _built_base_dir()
    if base is not None:
        monkeypatch.setenv("CRISISWATCH_CLASSIFIER_BASE_DIR", str(base))
    get_settings.cache_clear()
    out = tmp_path / "replay.jsonl"
    try:
        result = CliRunner().invoke(app, ["alert", "replay", str(SCENARIOS / "timelines.jsonl"), "--expect",
                                          str(SCENARIOS / "expectations.yaml"), "-o", str(out)])
    finally:
        get_settings.cache_clear()
    report = result.output  # stdout and stderr as the user sees them (the verdict table is on stderr)
    rows = [json.loads(raw) for raw in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    expectations = read_expectations(SCENARIOS / "expectations.yaml")
    assert sorted(row["scenario"] for row in rows) == sorted(expectations), report
    for row in rows:
        assert set(row) == {"scenario", "first_alert_at", "alerts"}
        for item in row["alerts"]:
            assert set(item) == {"rule", "key", "severity", "opened_at"}
            assert item["severity"] in {s.value for s in Severity}
            assert datetime.fromisoformat(item["opened_at"]).utcoffset() == timedelta(hours=7)
    by_name = {row["scenario"]: row for row in rows}
    for name, expectation in expectations.items():
        row = by_name[name]
        if expectation.crisis:
            assert row["first_alert_at"] is not None, f"{name}: no alert\n{report}"
            assert datetime.fromisoformat(row["first_alert_at"]) <= expectation.alert_by, f"{name}\n{report}"
        else:
            assert row["alerts"] == [] and row["first_alert_at"] is None, f"{name}\n{report}"
    assert result.exit_code == 0, report
