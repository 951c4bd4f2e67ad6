"""What every store class shares: the engine, one short transaction per call, retries and the audit helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from alerting.store.database import check_schema
from alerting.store.errors import ValidationError
from alerting.store.models import AuditEntry

T = TypeVar("T")
# PostgreSQL serialization failure / deadlock: the transaction did nothing and can simply run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
SYSTEM_ACTOR = "system"


def now_utc(value: datetime | None = None) -> datetime:
    """`value` (which must be aware) in UTC, or the current time."""
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise ValidationError(f"thời điểm {value.isoformat()} thiếu múi giờ (cần thời điểm có múi giờ, ví dụ UTC)")
    return value.astimezone(UTC)


def require_text(value: str, what: str, max_length: int) -> str:
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{what} không được để trống")
    if len(value) > max_length:
        raise ValidationError(f"{what} dài {len(value)} ký tự, tối đa {max_length}")
    return value


class StoreBase:
    """Each public method is one transaction; returned ORM objects are detached snapshots (read them, don't
    modify them: changes go through the store's methods so they are validated and audited)."""

    def __init__(self, engine: Engine, *, check: bool = True) -> None:
        if check:
            check_schema(engine)
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _transaction(self, work: Callable[[Session], T], *, retries: int = 0) -> T:
        """Run `work` in one transaction. With `retries`, a lost race (unique violation, concurrent version bump,
        deadlock) rolls back and runs `work` again: it then sees the winner's committed rows."""
        for attempt in range(retries + 1):
            try:
                with self._sessions.begin() as session:
                    return work(session)
            except (IntegrityError, StaleDataError) as error:
                if attempt == retries:
                    raise
                last: Exception = error
            except DBAPIError as error:
                if attempt == retries or getattr(error.orig, "sqlstate", None) not in _RETRYABLE_SQLSTATES:
                    raise
                last = error
        raise AssertionError("unreachable") from last

    @staticmethod
    def _audit(session: Session, *, at: datetime, actor: str, action: str, object_type: str, object_id: Any,
               details: dict[str, Any] | None = None) -> None:
        session.add(AuditEntry(at=at, actor=actor, action=action, object_type=object_type,
                               object_id=str(object_id), details=details or {}))
