"""Every state change leaves an audit row (actor, action, object) written with the change itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.errors import InvalidTransitionError
from alerting.store.playbooks import PlaybookStore, StepSpec
from alerting.store.users import UserStore

from .conftest import T0, episode_update

NOW = T0 + timedelta(minutes=1)
ARGON = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def _trail(audit: AuditLog) -> list[tuple[str, str, str, str]]:
    """In write order (the tests mix fixed and wall-clock times)."""
    entries = sorted(audit.entries(limit=1000), key=lambda e: e.id)
    return [(e.actor, e.action, e.object_type, e.object_id) for e in entries]


def test_alert_lifecycle_is_audited(alerts: AlertStore, playbooks: PlaybookStore, audit: AuditLog) -> None:
    alert = alerts.apply(episode_update("opened"), now=NOW, actor="alerting-1").alert
    alerts.apply(episode_update("opened"), now=NOW, actor="alerting-2")  # duplicate: nothing to audit
    alerts.apply(episode_update("updated", minutes=5, count=20), now=NOW, actor="alerting-1")  # growth: history only
    alerts.apply(episode_update("updated", minutes=6, score=85), now=NOW, actor="alerting-1")
    alerts.acknowledge(alert.id, "lan", "đã nhận", now=NOW)
    run = playbooks.start_run(alert.id, "rumor", [StepSpec("verify", "Xác minh", "analyst", "...")], by="alerting-1")
    step = run.steps[0]
    playbooks.assign_step(step.id, "minh", "lan")
    playbooks.acknowledge_step(step.id, "minh")
    playbooks.mark_escalated(step.id, NOW)
    playbooks.complete_step(step.id, "minh", "xong")
    playbooks.record_recovery(run.id, 0.2, by="alerting-1")
    snooze = alerts.snooze("rumor_withdrawal_ban", until=NOW + timedelta(hours=1), reason="r", by="lan", now=NOW)
    alerts.unsnooze(snooze.id, by="lan", now=NOW)
    window = alerts.add_maintenance_window(starts_at=NOW, ends_at=NOW + timedelta(hours=1), rule_pattern="x*",
                                           reason="r", by="admin", now=NOW)
    alerts.resolve_manually(alert.id, "lan", "đã cải chính", now=NOW)
    [notification, *_] = alerts.claim_notifications("notifier", now=NOW + timedelta(minutes=1))
    alerts.mark_sent(notification.id, "notifier")
    a, r, s = str(alert.id), str(run.id), str(step.id)
    assert _trail(audit) == [
        ("alerting-1", "alert.opened", "alert", a),
        ("alerting-1", "alert.escalated", "alert", a),
        ("lan", "alert.acknowledged", "alert", a),
        ("alerting-1", "run.started", "playbook_run", r),
        ("lan", "step.assigned", "playbook_step", s),
        ("minh", "step.acknowledged", "playbook_step", s),
        ("system", "step.escalated", "playbook_step", s),
        ("minh", "step.completed", "playbook_step", s),
        ("minh", "run.completed", "playbook_run", r),
        ("alerting-1", "run.recovery_recorded", "playbook_run", r),
        ("lan", "snooze.created", "snooze", str(snooze.id)),
        ("lan", "snooze.ended", "snooze", str(snooze.id)),
        ("admin", "maintenance.created", "maintenance_window", str(window.id)),
        ("lan", "alert.resolved", "alert", a),
        ("notifier", "notification.sent", "notification", str(notification.id)),
    ]
    assert audit.entries(object_type="alert", object_id=alert.id)[2].details == {"note": "đã nhận"}


def test_a_refused_action_leaves_no_trace(alerts: AlertStore, audit: AuditLog) -> None:
    alert = alerts.apply(episode_update("opened"), now=NOW).alert
    alerts.resolve_manually(alert.id, "lan", now=NOW)
    before = _trail(audit)
    with pytest.raises(InvalidTransitionError):
        alerts.acknowledge(alert.id, "lan")
    assert _trail(audit) == before


def test_run_closed_by_resolution_and_user_changes_are_audited(alerts: AlertStore, playbooks: PlaybookStore,
                                                               users: UserStore, audit: AuditLog) -> None:
    alert = alerts.apply(episode_update("opened"), now=NOW).alert
    run = playbooks.start_run(alert.id, "rumor", [StepSpec("verify", "Xác minh", "analyst", "...")])
    alerts.apply(episode_update("resolved", minutes=30), now=NOW, actor="alerting-1")
    assert ("alerting-1", "run.closed", "playbook_run", str(run.id)) in _trail(audit)
    users.create_user("lan", role="analyst", password_hash=ARGON, by="admin")
    users.set_role("lan", "responder", by="admin")
    users.set_password_hash("lan", ARGON, by="lan")
    users.disable("lan", by="admin")
    users.save_search("lan", "s", "q")
    users.delete_saved_search("lan", "s")
    assert [(e.actor, e.action) for e in audit.entries(object_type="user")] == [
        ("admin", "user.created"), ("admin", "user.role_changed"), ("lan", "user.password_changed"),
        ("admin", "user.disabled")]
    assert [e.action for e in audit.entries(object_type="saved_search")] == ["saved_search.created",
                                                                             "saved_search.deleted"]
    assert [e.action for e in audit.entries(actor="admin", newest_first=True, limit=1)] == ["user.disabled"]
