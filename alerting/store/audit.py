"""The audit log: reading it, and `record` for events outside the stores' own transactions (logins, logouts).

State changes made through a store are audited inside that store's transaction; `record` is for actions that
change nothing in the store itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.store._base import StoreBase, now_utc, require_text
from alerting.store.models import AuditEntry


class AuditLog(StoreBase):
    def record(self, actor: str, action: str, object_type: str, object_id: object,
               details: dict[str, Any] | None = None, *, now: datetime | None = None) -> AuditEntry:
        """Write one audit row in a transaction of its own (actor and object id are cut to the column sizes, so a
        hostile username typed at the login form is still recorded)."""
        when = now_utc(now)
        actor = (actor.strip() if isinstance(actor, str) else "")[:100] or "?"
        action = require_text(action, "thao tác", 50)
        object_type = require_text(object_type, "loại đối tượng", 30)

        def work(session: Session) -> AuditEntry:
            entry = AuditEntry(at=when, actor=actor, action=action, object_type=object_type,
                               object_id=str(object_id)[:100], details=details or {})
            session.add(entry)
            session.flush()
            return entry
        return self._transaction(work)

    def entries(self, *, object_type: str | None = None, object_id: object | None = None,
                actor: str | None = None, since: datetime | None = None, limit: int = 200,
                newest_first: bool = False) -> list[AuditEntry]:
        """Oldest first by default, so an object's story reads top to bottom; `newest_first` for the audit page."""
        order = (AuditEntry.at.desc(), AuditEntry.id.desc()) if newest_first else (AuditEntry.at, AuditEntry.id)
        query = select(AuditEntry).order_by(*order).limit(max(1, min(limit, 10_000)))
        if object_type is not None:
            query = query.where(AuditEntry.object_type == object_type)
        if object_id is not None:
            query = query.where(AuditEntry.object_id == str(object_id))
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        if since is not None:
            query = query.where(AuditEntry.at >= now_utc(since))
        with self._sessions() as session:
            return list(session.scalars(query))
