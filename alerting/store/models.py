"""Tables of the relational store (SQLAlchemy 2 typed models).

Every time is stored in UTC and read back as an aware UTC datetime on both dialects (`UTCDateTime`); SQLite has
no time zone type, so the value is normalised to UTC and stored without offset. JSON columns hold plain JSON
(`EpisodeFacts.model_dump(mode="json")`, notification payloads, audit details).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; a naive datetime is a bug and is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"thời điểm {value!r} thiếu múi giờ: cơ sở dữ liệu chỉ nhận thời điểm có múi giờ")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class NotificationKind(StrEnum):
    opened = "opened"
    escalated = "escalated"
    resolved = "resolved"
    digest = "digest"


class NotificationStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class RunStatus(StrEnum):
    active = "active"
    completed = "completed"  # every step done or skipped
    closed = "closed"  # the alert was resolved before the run completed


class StepStatus(StrEnum):
    pending = "pending"
    acknowledged = "acknowledged"
    done = "done"
    skipped = "skipped"


class Role(StrEnum):
    viewer = "viewer"
    analyst = "analyst"
    responder = "responder"
    admin = "admin"


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Alert(Base):
    """One (rule, key) episode. At most one non-resolved alert per (rule, key): the partial unique index."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("uq_alerts_open_episode", "rule", "key", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
        Index("ix_alerts_status_updated", "status", "updated_at"),
        Index("ix_alerts_rule_key", "rule", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(200))
    rule_type: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    severity_score: Mapped[float] = mapped_column(Float)
    # The highest severity the people were told about (None: nothing sent yet, e.g. opened while snoozed).
    notified_severity: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    playbook: Mapped[str | None] = mapped_column(String(100))
    # How the rule notifies (kept so a manual resolution is announced the same way): "immediate" or "digest".
    notify: Mapped[str] = mapped_column(String(20))
    channels: Mapped[list[Any]]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime]  # event time of the newest applied update (stale-update guard)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    resolved_by: Mapped[str | None] = mapped_column(String(100))  # a username, or the engine's actor (recovery)
    facts: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    updates: Mapped[list[AlertUpdate]] = relationship(back_populates="alert", order_by="AlertUpdate.id")
    runs: Mapped[list[PlaybookRun]] = relationship(back_populates="alert", order_by="PlaybookRun.id")


class AlertUpdate(Base):
    """The episode's history, one row per applied EpisodeUpdate: the timeline chart and the idempotency key."""

    __tablename__ = "alert_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    # sha256 of the canonical update JSON: two replicas emit equal updates, so the second one is a duplicate.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)
    window_count: Mapped[int] = mapped_column(Integer)
    velocity: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(10))
    severity_score: Mapped[float] = mapped_column(Float)

    alert: Mapped[Alert] = relationship(back_populates="updates")


class Snooze(Base):
    """Silence notifications of a rule (one key, or every key when `key` is None) until `until`."""

    __tablename__ = "snoozes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(200), index=True)
    key: Mapped[str | None] = mapped_column(String(500))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # set by unsnooze (kept for the audit trail rather than deleted)
    ended_by: Mapped[str | None] = mapped_column(String(100))


class MaintenanceWindow(Base):
    """Planned silence (e.g. a VssID release night) for rules whose name matches a glob pattern."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    rule_pattern: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Notification(Base):
    """The outbox: written in the transaction of the transition it announces, sent later by the notifier."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(50))
    # One row per (alert, transition, channel) or (digest window, channel): a database-level no-double-alert guard.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PlaybookRun(Base):
    __tablename__ = "playbook_runs"
    __table_args__ = (UniqueConstraint("alert_id", "playbook", name="uq_playbook_runs_alert_playbook"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    playbook: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    negative_share_before: Mapped[float | None] = mapped_column(Float)
    negative_share_after: Mapped[float | None] = mapped_column(Float)

    alert: Mapped[Alert] = relationship(back_populates="runs")
    steps: Mapped[list[PlaybookStep]] = relationship(back_populates="run", order_by="PlaybookStep.position")


class PlaybookStep(Base):
    __tablename__ = "playbook_steps"
    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_playbook_steps_run_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    step_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(50))  # the playbook's role slug (duty_officer, spokesperson, ...)
    escalate_to: Mapped[str | None] = mapped_column(String(50))  # who takes over when the SLA is missed
    assignee: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    rendered_text: Mapped[str] = mapped_column(Text)

    run: Mapped[PlaybookRun] = relationship(back_populates="steps")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2/bcrypt string; hashing is the dashboard's job
    disabled: Mapped[bool]
    created_at: Mapped[datetime]


class SavedSearch(Base):
    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_searches_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what, when, to which object: written in the same transaction as the change it records."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))  # a username, "system" or a process name ("alerting")
    action: Mapped[str] = mapped_column(String(50))  # e.g. alert.opened, step.completed, user.disabled
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]]


class RuleState(Base):
    """An operator's enable/disable switch for one alert rule, overriding the rule file's `enabled` (no row = the
    file decides). Keyed by rule name, so a renamed rule starts from its file again."""

    __tablename__ = "rule_states"

    rule: Mapped[str] = mapped_column(String(80), primary_key=True)
    enabled: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime]
