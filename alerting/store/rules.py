"""Operators' enable/disable switches for alert rules (the dashboard's rules page writes them, the alerting engine
reads them). A rule without a row keeps the `enabled` of its file; every change is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.store._base import StoreBase, now_utc, require_text
from alerting.store.models import RuleState


class RuleStateStore(StoreBase):
    def set_enabled(self, rule: str, enabled: bool, by: str, *, now: datetime | None = None) -> RuleState:
        """Switch `rule` on or off (`by` = the username); audited as rule.enabled / rule.disabled. Setting the
        state it already has changes nothing and writes no audit row."""
        when = now_utc(now)
        rule = require_text(rule, "tên luật", 80)
        by = require_text(by, "người thực hiện", 100)
        if not isinstance(enabled, bool):
            raise TypeError(f"enabled phải là bool, nhận {type(enabled).__name__}")

        def work(session: Session) -> RuleState:
            row = session.get(RuleState, rule)
            if row is not None and row.enabled == enabled:
                return row
            previous = None if row is None else row.enabled
            if row is None:
                row = RuleState(rule=rule)
                session.add(row)
            row.enabled, row.changed_by, row.changed_at = enabled, by, when
            session.flush()
            self._audit(session, at=when, actor=by, action="rule.enabled" if enabled else "rule.disabled",
                        object_type="rule", object_id=rule, details={"enabled": enabled, "previous": previous})
            return row
        return self._transaction(work, retries=2)

    def states(self) -> dict[str, bool]:
        """{rule name: enabled} for every rule an operator has switched."""
        with self._sessions() as session:
            return {row.rule: row.enabled for row in session.scalars(select(RuleState))}

    def list_states(self) -> list[RuleState]:
        """Every switch with who changed it and when, by rule name."""
        with self._sessions() as session:
            return list(session.scalars(select(RuleState).order_by(RuleState.rule)))

    def get(self, rule: str) -> RuleState | None:
        """The switch of one rule (who changed it and when), None when never switched."""
        with self._sessions() as session:
            return session.get(RuleState, rule)
