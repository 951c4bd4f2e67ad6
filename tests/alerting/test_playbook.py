from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerting.playbook import (
    HOTLINE,
    PlaybookError,
    RecoveryStatus,
    escalations,
    load_playbooks,
    parse_duration,
    plan_run,
    recovery,
    render,
    response_context,
    select_playbook,
)
from common.claims import load_registry
from tests.alerting.notify.samples import make_update

EXPECTED = {"rumor", "scam_impersonation", "service_quality", "contribution_evasion", "outage", "slow_burn"}
STARTED = datetime(2025, 7, 1, 3, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def playbooks():
    return load_playbooks()


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_bundled_playbooks_cover_every_crisis_type_and_end_with_recovery(playbooks) -> None:
    assert set(playbooks) == EXPECTED
    for playbook in playbooks.values():
        assert playbook.steps[-1].key == "recovery"
        assert playbook.steps[0].key == "verify", playbook.name  # facts are checked before anything is said
        assert any(step.template for step in playbook.steps), playbook.name
    roles = {step.role for playbook in playbooks.values() for step in playbook.steps}
    assert roles == {"duty_officer", "provincial_office", "legal", "leadership", "spokesperson"}


@pytest.mark.parametrize("with_claim", [True, False])
def test_every_bundled_template_renders_with_and_without_a_claim(playbooks, registry, with_claim) -> None:
    update = make_update() if with_claim else make_update(facts={"claims": {}, "provinces": {}})
    for playbook in playbooks.values():
        for plan in plan_run(playbook, update, STARTED, registry, alert_url="https://cw.example/alerts/7"):
            if plan.template_kind:
                assert plan.rendered and plan.rendered.strip(), (playbook.name, plan.key)
                assert "{{" not in plan.rendered and "{%" not in plan.rendered


def test_plan_run_due_times_count_from_the_start_and_templates_quote_the_approved_rebuttal(
        playbooks, registry) -> None:
    plans = plan_run(playbooks["rumor"], make_update(), STARTED, registry, alert_url="https://cw.example/alerts/7")
    assert [p.key for p in plans][0] == "verify" and plans[-1].key == "recovery"
    due = {p.key: p.due_at for p in plans}
    assert due["verify"] == STARTED + timedelta(minutes=30)
    assert due["refutation"] == STARTED + timedelta(hours=4)
    assert due["recovery"] == STARTED + timedelta(days=7)
    by_key = {p.key: p for p in plans}
    # "unknown-claim" has more mentions but is not in the registry: the known claim is quoted.
    rebuttal = registry.get("cam-rut-bhxh-mot-lan").rebuttal
    assert rebuttal in by_key["refutation"].rendered
    assert f"Tổng đài {HOTLINE}" in by_key["refutation"].rendered
    report = by_key["internal_report"].rendered
    assert "Thời gian ghi nhận: 01/07/2025 08:05 – 01/07/2025 10:40" in report  # Vietnam time
    assert "Thành phố Hồ Chí Minh, Hà Nội" in report
    assert "https://cw.example/alerts/7" in report
    assert by_key["refutation"].role == "spokesperson" and by_key["refutation"].escalate_to == "leadership"
    assert by_key["verify"].rendered is None and by_key["verify"].text == by_key["verify"].instructions
    press = by_key["press_statement"]
    assert press.text == f"{press.instructions}\n\n{press.rendered.strip()}"


def test_hostile_values_are_printed_never_executed(playbooks, registry) -> None:
    update = make_update(title="Tin đồn {{ 7*7 }} {% if true %}CHẠY{% endif %}")
    plans = plan_run(playbooks["rumor"], update, STARTED, registry)
    report = next(p for p in plans if p.key == "internal_report").rendered
    assert "Tin đồn {{ 7*7 }} {% if true %}CHẠY{% endif %}" in report
    assert "49" not in report and "CHẠY\n" not in report
    context = response_context(update, registry)
    assert "top_posts" not in context and all("Nguyễn Văn A" not in str(v) for v in context.values())


def test_sandbox_and_strict_undefined() -> None:
    with pytest.raises(PlaybookError, match="SecurityError"):
        render("{{ title.__class__.__mro__[1].__subclasses__() }}", {"title": "x"})
    with pytest.raises(PlaybookError, match="UndefinedError"):
        render("Xin chào {{ missing }}", {})
    assert render("{{ a }} và {{ b | join(', ') }}", {"a": "1", "b": ["x", "y"]}) == "1 và x, y\n"


def _write(tmp_path: Path, name: str, body: str) -> Path:
    (tmp_path / f"{name}.yaml").write_text(body, encoding="utf-8")
    return tmp_path


GOOD_TAIL = """  - key: recovery
    title: Đánh giá
    role: duty_officer
    sla: 7d
    escalate_to: leadership
"""


@pytest.mark.parametrize(("steps", "expected"), [
    ("  - {key: a, title: A, role: duty_officer, sla: 2 giờ, escalate_to: leadership}\n",
     r"steps\[0\] \(key 'a'\)\.sla: thời hạn '2 giờ' không hợp lệ"),
    ("  - {key: a, title: A, role: intern, sla: 1h, escalate_to: leadership}\n", r"steps\[0\] \(key 'a'\)\.role"),
    ("  - {key: a, title: A, role: duty_officer, sla: 1h, escalate_to: leadership, owner: x}\n",
     r"steps\[0\] \(key 'a'\)\.owner: Extra inputs"),
    ("  - {key: a, title: A, role: duty_officer, sla: 1h, escalate_to: leadership,"
     " template: {kind: facebook_reply, text: 'Xin chào {{ author }}'}}\n",
     r"steps\[0\] \(key 'a'\)\.template\.text: biến không có trong ngữ cảnh: author"),
    ("  - {key: a, title: A, role: duty_officer, sla: 1h, escalate_to: leadership,"
     " template: {kind: facebook_reply, text: '{% if %}'}}\n", r"template\.text: mẫu Jinja2 sai cú pháp"),
    ("  - {key: a, title: A, role: legal, sla: 1h, escalate_to: legal}\n",
     r"steps\[0\] \(key 'a'\): escalate_to phải khác role \(legal\)"),
    ("  - {key: a, title: A, role: duty_officer, sla: 2d, escalate_to: leadership}\n"
     "  - {key: b, title: B, role: duty_officer, sla: 1h, escalate_to: leadership}\n", r"bước 'b' có sla sớm hơn"),
])
def test_invalid_playbooks_name_the_file_and_the_key_path(tmp_path: Path, steps: str, expected: str) -> None:
    folder = _write(tmp_path, "thu", f"title: Thử\ndescription: Thử\nsteps:\n{steps}{GOOD_TAIL}")
    with pytest.raises(PlaybookError, match=expected) as caught:
        load_playbooks(folder)
    assert str(tmp_path / "thu.yaml") in str(caught.value)


def test_last_step_must_be_recovery_and_folder_must_hold_playbooks(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="không có tệp kịch bản"):
        load_playbooks(tmp_path)
    body = "title: T\ndescription: D\nsteps:\n" + GOOD_TAIL.replace("recovery", "done") * 2
    with pytest.raises(PlaybookError, match="khóa bước 'done' bị trùng"):
        load_playbooks(_write(tmp_path, "x", body))
    body = "title: T\ndescription: D\nsteps:\n" + GOOD_TAIL + GOOD_TAIL.replace("recovery", "done")
    with pytest.raises(PlaybookError, match=r"x\.yaml: bước cuối cùng \(và chỉ bước cuối\) phải có key 'recovery'"):
        load_playbooks(_write(tmp_path, "x", body))


def test_parse_duration() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1d") == timedelta(days=1)
    for bad in ("0m", "1w", "1.5h", "", "h"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_select_playbook(playbooks) -> None:
    assert select_playbook(make_update(), playbooks).name == "rumor"
    assert select_playbook(make_update(playbook=None), playbooks) is None
    with pytest.raises(PlaybookError, match="kịch bản 'khong-co' không tồn tại"):
        select_playbook(make_update(playbook="khong-co"), playbooks)


@dataclass
class Row:
    key: str
    title: str
    role: str
    escalate_to: str
    due_at: datetime
    status: str = "pending"
    escalated_at: datetime | None = None


def test_escalations_pick_open_overdue_steps_once(playbooks, registry) -> None:
    plans = plan_run(playbooks["rumor"], make_update(), STARTED, registry)
    rows = [Row(p.key, p.title, p.role, p.escalate_to, p.due_at) for p in plans]
    rows[1].status = "completed"  # internal_report done
    now = STARTED + timedelta(hours=5, minutes=10)
    found = escalations(rows, now)
    assert [e.step_key for e in found] == ["verify", "refutation"]
    verify = found[0]
    assert verify.to_role == "leadership" and verify.overdue_by == timedelta(hours=4, minutes=40)
    assert verify.message.startswith("Bước “Xác minh thông tin")
    assert "quá hạn 4 giờ 40 phút (hạn 01/07/2025 11:15): chuyển Lãnh đạo xử lý." in verify.message
    rows[0].escalated_at = now
    assert [e.step_key for e in escalations(rows, now)] == ["refutation"]
    rows[2].status = "skipped"
    assert escalations(rows, now) == []
    assert escalations(rows, STARTED) == []
    with pytest.raises(ValueError, match="naive"):
        escalations(rows, datetime(2025, 7, 1))


@pytest.mark.parametrize(("before", "after", "status", "label"), [
    (0.62, 0.24, RecoveryStatus.recovered, "Đã phục hồi"),
    (0.62, 0.45, RecoveryStatus.improving, "Đang cải thiện"),
    (0.62, 0.60, RecoveryStatus.not_recovered, "Chưa phục hồi"),
    (0.40, 0.55, RecoveryStatus.not_recovered, "Chưa phục hồi"),
    (0.20, 0.25, RecoveryStatus.not_recovered, "Chưa phục hồi"),  # low but worse than before
    (0.30, 0.30, RecoveryStatus.recovered, "Đã phục hồi"),
])
def test_recovery_verdict(before, after, status, label) -> None:
    verdict = recovery(before, after)
    assert verdict.status is status and verdict.label == label
    assert label.lower() in verdict.message


def test_recovery_message_and_bounds() -> None:
    assert recovery(0.62, 0.24).message == "Tỷ lệ tiêu cực giảm từ 62% xuống 24% (-38.0 điểm %): đã phục hồi."
    with pytest.raises(ValueError, match="tỷ lệ tiêu cực sau phản hồi"):
        recovery(0.5, 1.5)


@dataclass
class StoredRow:
    """Shaped like the store's playbook_steps row: `step_key`, a user role, no escalate_to."""

    step_key: str
    title: str
    role: str
    due_at: datetime | None
    status: str = "pending"
    completed_at: datetime | None = None
    escalated_at: datetime | None = None


def test_escalations_take_roles_from_the_definition_for_stored_rows(playbooks) -> None:
    rumor = playbooks["rumor"]
    rows = [StoredRow("verify", "Xác minh", "responder", STARTED + timedelta(minutes=30)),
            StoredRow("platform_report", "Báo cáo nền tảng", "responder", STARTED + timedelta(hours=12)),
            StoredRow("monitoring", "Theo dõi", "responder", None),
            StoredRow("internal_report", "Báo cáo", "responder", STARTED, status="done")]
    found = escalations(rows, STARTED + timedelta(days=1), playbook=rumor)
    assert [(e.step_key, e.from_role, e.to_role) for e in found] == [
        ("verify", "duty_officer", "leadership"), ("platform_report", "duty_officer", "legal")]
    assert found[1].message.endswith("chuyển Pháp chế xử lý.")
