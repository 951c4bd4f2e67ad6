"""Rule switches (`RuleStateStore`) and `AuditLog.record` on SQLite and PostgreSQL: states read back, every real
change audited, a no-op change not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from alerting.store.audit import AuditLog
from alerting.store.errors import ValidationError
from alerting.store.rules import RuleStateStore

from .conftest import T0


def test_switches_are_stored_and_audited(engine: Engine, audit: AuditLog) -> None:
    store = RuleStateStore(engine)
    assert store.states() == {}
    store.set_enabled("rumor_withdrawal_ban", False, "quan.tri", now=T0)
    store.set_enabled("spike_pension", True, "quan.tri", now=T0)
    store.set_enabled("rumor_withdrawal_ban", False, "khac", now=T0 + timedelta(minutes=1))  # already off: no-op
    store.set_enabled("rumor_withdrawal_ban", True, "lan", now=T0 + timedelta(minutes=2))
    assert store.states() == {"rumor_withdrawal_ban": True, "spike_pension": True}
    row = store.get("rumor_withdrawal_ban")
    assert row is not None and row.changed_by == "lan" and row.changed_at == T0 + timedelta(minutes=2)
    assert store.get("unknown") is None
    trail = [(e.actor, e.action, e.object_id, e.details) for e in audit.entries(object_type="rule")]
    assert trail == [
        ("quan.tri", "rule.disabled", "rumor_withdrawal_ban", {"enabled": False, "previous": None}),
        ("quan.tri", "rule.enabled", "spike_pension", {"enabled": True, "previous": None}),
        ("lan", "rule.enabled", "rumor_withdrawal_ban", {"enabled": True, "previous": False}),
    ]


def test_bad_input_is_refused(engine: Engine) -> None:
    store = RuleStateStore(engine)
    with pytest.raises(ValidationError, match="tên luật"):
        store.set_enabled("  ", True, "lan")
    with pytest.raises(ValidationError, match="người thực hiện"):
        store.set_enabled("r", True, "")
    with pytest.raises(TypeError):
        store.set_enabled("r", "yes", "lan")  # type: ignore[arg-type]
    assert store.states() == {}


def test_audit_record_writes_one_row(audit: AuditLog) -> None:
    entry = audit.record("x" * 300, "auth.login_failed", "user", "y" * 300, {"ip": "127.0.0.1"}, now=T0)
    [stored] = audit.entries(object_type="user")
    assert stored.id == entry.id and stored.at == T0
    assert stored.actor == "x" * 100 and stored.object_id == "y" * 100 and stored.details == {"ip": "127.0.0.1"}
    with pytest.raises(ValidationError):
        audit.record("lan", "", "user", "1")
