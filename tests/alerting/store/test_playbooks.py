from __future__ import annotations

from datetime import timedelta

import pytest

from alerting.store.alerts import AlertStore
from alerting.store.errors import InvalidTransitionError, NotFoundError, ValidationError
from alerting.store.playbooks import PlaybookStore, StepSpec

from .conftest import T0, episode_update

NOW = T0 + timedelta(minutes=1)


def _steps() -> list[StepSpec]:
    return [
        StepSpec("verify", "Xác minh nguồn tin", "duty_officer", "Kiểm tra 5 bài có lượt tiếp cận cao nhất",
                 due_at=NOW + timedelta(minutes=30), escalate_to="leadership"),
        StepSpec("statement", "Soạn thông cáo cải chính", "spokesperson", "BHXH Việt Nam khẳng định...",
                 due_at=NOW + timedelta(hours=2)),
        StepSpec("publish", "Đăng trên fanpage BHXH", "spokesperson", "Đăng bài cải chính"),
    ]


@pytest.fixture
def alert_id(alerts: AlertStore) -> int:
    return alerts.apply(episode_update("opened"), now=NOW).alert.id


def test_a_run_goes_through_its_steps(playbooks: PlaybookStore, alert_id: int) -> None:
    run = playbooks.start_run(alert_id, "rumor", _steps(), negative_share_before=0.62, now=NOW)
    assert run.status == "active" and [s.step_key for s in run.steps] == ["verify", "statement", "publish"]
    assert [s.position for s in run.steps] == [1, 2, 3] and all(s.status == "pending" for s in run.steps)
    assert (run.steps[0].role, run.steps[0].escalate_to) == ("duty_officer", "leadership")
    verify, statement, publish = run.steps

    assert playbooks.acknowledge_step(verify.id, "lan.nguyen", now=NOW).status == "acknowledged"
    with pytest.raises(InvalidTransitionError, match="chỉ bước đang chờ"):
        playbooks.acknowledge_step(verify.id, "lan.nguyen")
    assigned = playbooks.assign_step(statement.id, "minh.tran", "lan.nguyen", now=NOW)
    assert assigned.assignee == "minh.tran"
    done = playbooks.complete_step(verify.id, "lan.nguyen", "Nguồn: trang giả mạo", now=NOW)
    assert (done.status, done.completed_by, done.note) == ("done", "lan.nguyen", "Nguồn: trang giả mạo")
    with pytest.raises(InvalidTransitionError, match="đã 'done'"):
        playbooks.complete_step(verify.id, "lan.nguyen")
    with pytest.raises(InvalidTransitionError, match="không giao lại"):
        playbooks.assign_step(verify.id, "minh.tran", "lan.nguyen")
    playbooks.complete_step(statement.id, "minh.tran", now=NOW)
    assert playbooks.get_run(run.id).status == "active"
    playbooks.skip_step(publish.id, "lan.nguyen", "Đã đăng qua báo chí", now=NOW + timedelta(hours=1))
    finished = playbooks.get_run(run.id)
    assert (finished.status, finished.finished_at) == ("completed", NOW + timedelta(hours=1))
    assert [s.status for s in finished.steps] == ["done", "done", "skipped"]
    recovered = playbooks.record_recovery(run.id, 0.21)
    assert (recovered.negative_share_before, recovered.negative_share_after) == (0.62, 0.21)


def test_starting_the_same_playbook_twice_returns_the_first_run(playbooks: PlaybookStore, alert_id: int) -> None:
    first = playbooks.start_run(alert_id, "rumor", _steps(), now=NOW)
    again = playbooks.start_run(alert_id, "rumor", _steps()[:1], now=NOW)
    assert again.id == first.id and len(again.steps) == 3


def test_a_run_from_the_real_rumor_playbook_plan(playbooks: PlaybookStore, alert_id: int) -> None:
    from alerting.playbook import load_playbooks, plan_run

    playbook = load_playbooks()["rumor"]
    plans = plan_run(playbook, episode_update("opened"), NOW)
    run = playbooks.start_run(alert_id, "rumor", [StepSpec.from_plan(plan) for plan in plans], now=NOW)
    assert [s.step_key for s in run.steps] == [plan.key for plan in plans]
    assert [s.due_at for s in run.steps] == [plan.due_at for plan in plans]
    assert all(s.rendered_text == plan.text for s, plan in zip(run.steps, plans))


def test_invalid_runs_are_refused(playbooks: PlaybookStore, alert_id: int) -> None:
    with pytest.raises(NotFoundError, match="#404"):
        playbooks.start_run(404, "rumor", _steps())
    with pytest.raises(ValidationError, match="ít nhất một bước"):
        playbooks.start_run(alert_id, "rumor", [])
    with pytest.raises(ValidationError, match="bước 1: vai trò 'Lãnh đạo'"):
        playbooks.start_run(alert_id, "rumor", [StepSpec("x", "X", "Lãnh đạo", "")])
    with pytest.raises(ValidationError, match="trùng"):
        playbooks.start_run(alert_id, "rumor", [_steps()[0], _steps()[0]])
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        playbooks.start_run(alert_id, "rumor", _steps(), negative_share_before=62)
    with pytest.raises(NotFoundError, match="#12345"):
        playbooks.complete_step(12345, "lan.nguyen")


def test_resolving_the_alert_closes_its_run(alerts: AlertStore, playbooks: PlaybookStore, alert_id: int) -> None:
    run = playbooks.start_run(alert_id, "rumor", _steps(), now=NOW)
    alerts.apply(episode_update("resolved", minutes=30), now=NOW + timedelta(minutes=30))
    closed = playbooks.get_run(run.id)
    assert closed.status == "closed" and closed.finished_at == NOW + timedelta(minutes=30)
    with pytest.raises(InvalidTransitionError, match="cảnh báo đã đóng"):
        playbooks.complete_step(run.steps[0].id, "lan.nguyen")
    with pytest.raises(InvalidTransitionError, match="đã đóng"):
        playbooks.start_run(alert_id, "scam", _steps())
    assert playbooks.overdue_steps(NOW + timedelta(days=1)) == []
    # The recovery is measured after the episode ended.
    assert playbooks.record_recovery(run.id, 0.3).negative_share_after == 0.3


def test_overdue_steps_are_escalated_once(playbooks: PlaybookStore, alert_id: int) -> None:
    run = playbooks.start_run(alert_id, "rumor", _steps(), now=NOW)
    verify, statement, _ = run.steps
    assert playbooks.overdue_steps(NOW + timedelta(minutes=29)) == []
    assert [s.id for s in playbooks.overdue_steps(NOW + timedelta(minutes=30))] == [verify.id]
    playbooks.complete_step(statement.id, "minh.tran")
    assert [s.id for s in playbooks.overdue_steps(NOW + timedelta(hours=3))] == [verify.id]
    assert playbooks.mark_escalated(verify.id, NOW + timedelta(hours=3)) is True
    assert playbooks.mark_escalated(verify.id, NOW + timedelta(hours=3)) is False  # the other replica lost
    assert playbooks.overdue_steps(NOW + timedelta(hours=4)) == []
    assert playbooks.get_run(run.id).steps[0].escalated_at == NOW + timedelta(hours=3)
    with pytest.raises(NotFoundError):
        playbooks.mark_escalated(999, NOW)
