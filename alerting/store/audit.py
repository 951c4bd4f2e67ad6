"""Reading the audit log (writes happen inside each store's transactions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from alerting.store._base import StoreBase, now_utc
from alerting.store.models import AuditEntry


class AuditLog(StoreBase):
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
