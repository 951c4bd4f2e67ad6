"""`AlertStore`: EpisodeUpdates → one alert per (rule, key) episode, its history and the notification outbox.

Concurrency design (two alerting replicas fed the same stream must never double-alert):

1. Every update has an idempotency key, the sha256 of its canonical JSON (``alert_updates.digest``, UNIQUE).
   Two replicas emit equal updates, so the second copy finds the first one's row and is a ``duplicate``.
2. At most one non-resolved alert per (rule, key): the partial unique index ``uq_alerts_open_episode``
   (``WHERE status != 'resolved'``, on SQLite and PostgreSQL). Two replicas opening the same episode race on
   the insert; the loser gets a unique violation, its transaction rolls back and `apply` runs again, now
   finding the winner's alert (and, usually, the winner's digest).
3. The open alert is read with ``SELECT … FOR UPDATE`` on PostgreSQL, so updates of one episode are applied one
   at a time and the digest check happens under the lock. SQLite has no row locks: every transaction starts with
   ``BEGIN IMMEDIATE`` (see `alerting.store.database`), which serializes writers of the file. The ``version``
   column (SQLAlchemy's version counter) is a last line of defence: a concurrent change raises and is retried.
4. Notifications are rows of the outbox written in the same transaction as the transition they announce, each
   with a UNIQUE ``dedupe_key`` (alert, transition, channel): a transition notifies exactly once even if two
   processes computed it. Sending happens elsewhere (`claim_notifications`), so a slow mail server never blocks
   rule evaluation.

Outcomes: ``opened`` (new alert), ``updated``, ``escalated`` (severity level rose), ``resolved`` (recovery),
``suppressed_snoozed`` / ``suppressed_maintenance`` (the transition was applied and recorded but nothing was
notified), ``duplicate`` and ``stale`` (nothing written). An update is stale when its event time is older than
the alert's last applied one, or when it continues an episode that is already resolved (e.g. resolved manually:
the engine's later ``updated``/``resolved`` for that episode are ignored until it opens a new one).

Suppression only mutes notifications: the alert still opens/updates/resolves and the update is in the history.
A notification owed while muted is sent with the next unmuted update (``notified_severity`` remembers what people
were told: an alert opened during a snooze announces itself as ``opened`` once the snooze is over).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session, selectinload

from alerting.episodes import EpisodeUpdate, Severity, UpdateKind
from alerting.store._base import StoreBase, now_utc, require_text
from alerting.store.errors import InvalidTransitionError, LeaseLostError, NotFoundError, ValidationError
from alerting.store.models import (
    Alert,
    AlertStatus,
    AlertUpdate,
    MaintenanceWindow,
    Notification,
    NotificationKind,
    NotificationStatus,
    PlaybookRun,
    RunStatus,
    Snooze,
)

NotifyMode = Literal["immediate", "digest"]
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # times shown in messages; stored times are UTC
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Outcome(StrEnum):
    opened = "opened"
    updated = "updated"
    escalated = "escalated"
    resolved = "resolved"
    suppressed_snoozed = "suppressed_snoozed"
    suppressed_maintenance = "suppressed_maintenance"
    duplicate = "duplicate"
    stale = "stale"


@dataclass(frozen=True)
class AppliedUpdate:
    outcome: Outcome
    alert: Alert | None  # None only for a stale update of an episode the store never saw
    # What happened to the alert (opened/updated/escalated/resolved), also when the outcome is a suppression.
    transition: Outcome | None = None
    notifications: tuple[Notification, ...] = field(default_factory=tuple)


def update_digest(update: EpisodeUpdate) -> str:
    """The idempotency key of an update: equal updates (from two replicas) have equal digests."""
    canonical = json.dumps(update.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def backoff_delay(attempts: int, *, base: timedelta = timedelta(seconds=30), cap: timedelta = timedelta(hours=1),
                  jitter: float = 0.2, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off after `attempts` failed attempts: between (1 − `jitter`) and 1 times
    min(`cap`, base·2^(attempts−1)), so failed notifications don't all retry at the same instant (the same schedule
    as `alerting.notify.retry.backoff`)."""
    if attempts < 1:
        raise ValidationError(f"số lần thử phải ≥ 1 (nhận {attempts})")
    if not 0 <= jitter < 1:
        raise ValidationError(f"độ dao động (jitter) phải trong [0, 1) (nhận {jitter})")
    delay = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempts - 1, 62))
    return timedelta(seconds=delay * (1 - jitter * (rng or random).random()))


def _rank(severity: str | None) -> int:
    return -1 if severity is None else Severity(severity).rank


class AlertStore(StoreBase):
    def __init__(self, engine: Engine, *, channels: Sequence[str] = ("default",),
                 digest_window: timedelta = timedelta(hours=1), max_attempts: int = 8,
                 backoff_base: timedelta = timedelta(seconds=30), backoff_cap: timedelta = timedelta(hours=1),
                 check: bool = True) -> None:
        super().__init__(engine, check=check)
        if digest_window <= timedelta(0):
            raise ValidationError("khoảng gom thông báo (digest_window) phải dương")
        if max_attempts < 1:
            raise ValidationError("số lần gửi tối đa (max_attempts) phải ≥ 1")
        self.channels = tuple(channels)
        self.digest_window = digest_window
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap

    # --- the engine's entry point ----------------------------------------------------------------------------
    def apply(self, update: EpisodeUpdate, *, now: datetime | None = None, actor: str = "alerting",
              channels: Sequence[str] | None = None, notify: NotifyMode = "immediate") -> AppliedUpdate:
        """Apply one EpisodeUpdate (idempotent, safe under concurrency: see the module docstring).
        `channels` defaults to the store's; `notify="digest"` aggregates this rule's notifications per window."""
        when = now_utc(now)
        digest = update_digest(update)
        chosen = tuple(channels) if channels is not None else self.channels  # () = the dashboard only: no outbox
        if notify not in ("immediate", "digest"):
            raise ValidationError(f"luật {update.rule}: kiểu thông báo {notify!r} không hợp lệ (immediate|digest)")
        return self._transaction(lambda s: self._apply(s, update, digest, when, actor, chosen, notify), retries=5)

    def _apply(self, session: Session, update: EpisodeUpdate, digest: str, now: datetime, actor: str,
               channels: tuple[str, ...], notify: NotifyMode) -> AppliedUpdate:
        alert = session.scalar(select(Alert).where(Alert.rule == update.rule, Alert.key == update.key,
                                                   Alert.status != AlertStatus.resolved).with_for_update())
        seen = session.scalar(select(AlertUpdate.alert_id).where(AlertUpdate.digest == digest))
        if seen is not None:
            return AppliedUpdate(Outcome.duplicate, session.get(Alert, seen))
        if alert is None:
            latest = session.scalar(select(Alert).where(Alert.rule == update.rule, Alert.key == update.key)
                                    .order_by(Alert.id.desc()).limit(1))
            if update.kind == UpdateKind.resolved:
                return AppliedUpdate(Outcome.stale, latest)
            # An `updated` continues an episode the store has not seen open: either the latest alert of this key
            # covered it (closed by hand meanwhile: stale), or the episode began while no alerting process was
            # running (the engine, warmed up after a restart, reports it ongoing): it opens now.
            first_seen = update.facts.first_seen
            if update.kind != UpdateKind.opened and latest is not None and (
                    first_seen is None or latest.last_event_at >= first_seen):
                return AppliedUpdate(Outcome.stale, latest)
            if latest is not None and update.at < latest.last_event_at:
                return AppliedUpdate(Outcome.stale, latest)
            alert = Alert(rule=update.rule, rule_type=update.rule_type, key=update.key, status=AlertStatus.open,
                          opened_at=update.at, notified_severity=None, version=1)
            session.add(alert)
            transition = Outcome.opened
        elif update.at < alert.last_event_at:
            return AppliedUpdate(Outcome.stale, alert)
        elif update.kind == UpdateKind.resolved:
            transition = Outcome.resolved
        elif update.severity.rank > Severity(alert.severity).rank:
            transition = Outcome.escalated
        else:
            transition = Outcome.updated

        alert.severity, alert.severity_score = update.severity.value, update.severity_score
        alert.title, alert.playbook, alert.facts = update.title, update.playbook, update.facts.model_dump(mode="json")
        alert.notify, alert.channels = notify, list(channels)
        alert.last_event_at, alert.updated_at = update.at, now
        if transition == Outcome.resolved:
            self._close(session, alert, now, actor)
        session.flush()  # the alert id, for the rows below

        suppression = self._suppression(session, update.rule, update.key, now)
        notifications = () if suppression else self._notify(session, alert, transition, now)
        outcome = suppression or transition
        session.add(AlertUpdate(alert_id=alert.id, digest=digest, kind=update.kind.value, outcome=outcome.value,
                                at=update.at, recorded_at=now, count=update.facts.count,
                                window_count=update.facts.window_count, velocity=update.facts.velocity,
                                severity=update.severity.value, severity_score=update.severity_score))
        if transition != Outcome.updated:
            self._audit(session, at=now, actor=actor, action=f"alert.{transition.value}", object_type="alert",
                        object_id=alert.id, details={"rule": alert.rule, "key": alert.key,
                                                     "severity": alert.severity, "event_at": update.at.isoformat(),
                                                     "suppressed": suppression.value if suppression else None})
        session.flush()
        return AppliedUpdate(outcome, alert, transition, tuple(notifications))

    def _close(self, session: Session, alert: Alert, now: datetime, actor: str) -> None:
        """Resolve `alert` and close its unfinished playbook runs (nobody works a closed episode's steps)."""
        alert.status, alert.resolved_at, alert.resolved_by = AlertStatus.resolved, now, actor
        runs = session.scalars(select(PlaybookRun).where(PlaybookRun.alert_id == alert.id,
                                                         PlaybookRun.status == RunStatus.active)).all()
        for run in runs:
            run.status, run.finished_at = RunStatus.closed, now
            self._audit(session, at=now, actor=actor, action="run.closed", object_type="playbook_run",
                        object_id=run.id, details={"alert_id": alert.id, "reason": "alert_resolved"})

    def _suppression(self, session: Session, rule: str, key: str, now: datetime) -> Outcome | None:
        windows = session.scalars(select(MaintenanceWindow).where(MaintenanceWindow.starts_at <= now,
                                                                  MaintenanceWindow.ends_at > now)).all()
        if any(fnmatchcase(rule, window.rule_pattern) for window in windows):
            return Outcome.suppressed_maintenance
        snoozed = session.scalar(select(Snooze.id).where(
            Snooze.rule == rule, or_(Snooze.key.is_(None), Snooze.key == key),
            Snooze.until > now, Snooze.ended_at.is_(None)).limit(1))
        return Outcome.suppressed_snoozed if snoozed is not None else None

    def _notify(self, session: Session, alert: Alert, transition: Outcome, now: datetime) -> list[Notification]:
        """The notifications `alert` owes after `transition` (one per channel), written to the outbox."""
        if transition == Outcome.resolved:
            if alert.notified_severity is None:
                return []  # nobody was told it opened: no need to tell them it is over
            kind, suffix = NotificationKind.resolved, "resolved"
        elif alert.notified_severity is None:
            kind, suffix = NotificationKind.opened, "opened"
        elif _rank(alert.severity) > _rank(alert.notified_severity):
            kind, suffix = NotificationKind.escalated, f"escalated:{alert.severity}"
        else:
            return []
        if kind != NotificationKind.resolved:
            alert.notified_severity = alert.severity
        payload = _alert_payload(alert, kind)
        if alert.notify == "digest":
            return [self._add_to_digest(session, channel, payload, now) for channel in alert.channels]
        rows = [Notification(alert_id=alert.id, kind=kind.value, channel=channel,
                             dedupe_key=f"alert:{alert.id}:{suffix}:{channel}", payload=payload,
                             status=NotificationStatus.pending, attempts=0, next_attempt_at=now, created_at=now)
                for channel in alert.channels]
        session.add_all(rows)
        return rows

    def _add_to_digest(self, session: Session, channel: str, item: dict[str, Any], now: datetime) -> Notification:
        """Append `item` to the pending digest of `channel` for the current window (created on first use; sent
        when the window ends). A digest already being sent is never modified: the item goes to the next window."""
        start = EPOCH + ((now - EPOCH) // self.digest_window) * self.digest_window
        while True:
            end = start + self.digest_window
            dedupe_key = f"digest:{start.isoformat()}:{channel}"
            row = session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key).with_for_update())
            if row is None:
                row = Notification(alert_id=None, kind=NotificationKind.digest.value, channel=channel,
                                   dedupe_key=dedupe_key, payload={"window_start": start.isoformat(),
                                                                   "window_end": end.isoformat(), "items": []},
                                   status=NotificationStatus.pending, attempts=0, next_attempt_at=end,
                                   created_at=now)
                session.add(row)
            if row.status == NotificationStatus.pending and row.attempts == 0:
                row.payload = {**row.payload, "items": [*row.payload["items"], item]}
                session.flush()
                return row
            start = end

    # --- people acting on alerts -----------------------------------------------------------------------------
    def acknowledge(self, alert_id: int, user: str, note: str | None = None, *, now: datetime | None = None) -> Alert:
        when, user = now_utc(now), require_text(user, "người xác nhận", 100)

        def work(session: Session) -> Alert:
            alert = self._locked_alert(session, alert_id)
            if alert.status != AlertStatus.open:
                raise InvalidTransitionError(f"Cảnh báo #{alert_id} đang ở trạng thái '{alert.status}', "
                                             "chỉ cảnh báo đang mở mới xác nhận được")
            alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.acknowledged, when, user
            alert.updated_at = when
            self._audit(session, at=when, actor=user, action="alert.acknowledged", object_type="alert",
                        object_id=alert_id, details={"note": note})
            return alert
        return self._transaction(work)

    def resolve_manually(self, alert_id: int, user: str, note: str | None = None, *,
                         now: datetime | None = None) -> Alert:
        """Close an episode by hand (e.g. a false positive); the people who were told it opened are told."""
        when, user = now_utc(now), require_text(user, "người đóng cảnh báo", 100)

        def work(session: Session) -> Alert:
            alert = self._locked_alert(session, alert_id)
            if alert.status == AlertStatus.resolved:
                shown = alert.resolved_at.astimezone(VN_TZ) if alert.resolved_at else None
                raise InvalidTransitionError(f"Cảnh báo #{alert_id} đã được đóng lúc {shown:%H:%M %d/%m/%Y} "
                                             f"(giờ Việt Nam) bởi {alert.resolved_by}")
            self._close(session, alert, when, user)
            alert.updated_at = when
            session.flush()
            if self._suppression(session, alert.rule, alert.key, when) is None:
                self._notify(session, alert, Outcome.resolved, when)
            self._audit(session, at=when, actor=user, action="alert.resolved", object_type="alert",
                        object_id=alert_id, details={"note": note, "manual": True})
            return alert
        return self._transaction(work)

    def _locked_alert(self, session: Session, alert_id: int) -> Alert:
        alert = session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update())
        if alert is None:
            raise NotFoundError(f"Không có cảnh báo #{alert_id}")
        return alert

    # --- queries ---------------------------------------------------------------------------------------------
    def list_alerts(self, *, status: str | Sequence[str] | None = None, min_severity: Severity | str | None = None,
                    rule: str | None = None, since: datetime | None = None, limit: int = 100) -> list[Alert]:
        """Newest activity first. `since` keeps alerts updated at or after that time."""
        query = select(Alert).order_by(Alert.updated_at.desc(), Alert.id.desc()).limit(max(1, min(limit, 1000)))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            for value in statuses:
                if value not in AlertStatus.__members__:
                    raise ValidationError(f"trạng thái cảnh báo {value!r} không hợp lệ "
                                          f"({', '.join(AlertStatus)})")
            query = query.where(Alert.status.in_(statuses))
        if min_severity is not None:
            try:
                floor = Severity(min_severity).rank
            except ValueError:
                raise ValidationError(f"mức độ {min_severity!r} không hợp lệ ({', '.join(Severity)})") from None
            query = query.where(Alert.severity.in_([level.value for level in Severity if level.rank >= floor]))
        if rule is not None:
            query = query.where(Alert.rule == rule)
        if since is not None:
            query = query.where(Alert.updated_at >= now_utc(since))
        with self._sessions() as session:
            return list(session.scalars(query))

    def get_alert(self, alert_id: int) -> Alert:
        """The alert with its history (`updates`, oldest first) and playbook runs with their steps loaded."""
        with self._sessions() as session:
            alert = session.scalar(select(Alert).where(Alert.id == alert_id).options(
                selectinload(Alert.updates), selectinload(Alert.runs).selectinload(PlaybookRun.steps)))
            if alert is None:
                raise NotFoundError(f"Không có cảnh báo #{alert_id}")
            return alert

    # --- snoozes and maintenance windows ---------------------------------------------------------------------
    def snooze(self, rule: str, *, until: datetime, reason: str, by: str, key: str | None = None,
               now: datetime | None = None) -> Snooze:
        """Mute a rule's notifications for one key (or all keys when `key` is None) until `until`."""
        when, until = now_utc(now), now_utc(until)
        rule, reason, by = require_text(rule, "tên luật", 200), require_text(reason, "lý do", 2000), \
            require_text(by, "người tạm tắt", 100)
        if until <= when:
            raise ValidationError(f"thời điểm hết tạm tắt {until.isoformat()} phải ở sau hiện tại")

        def work(session: Session) -> Snooze:
            row = Snooze(rule=rule, key=key, until=until, reason=reason, created_by=by, created_at=when)
            session.add(row)
            session.flush()
            self._audit(session, at=when, actor=by, action="snooze.created", object_type="snooze", object_id=row.id,
                        details={"rule": rule, "key": key, "until": until.isoformat(), "reason": reason})
            return row
        return self._transaction(work)

    def unsnooze(self, snooze_id: int, *, by: str, now: datetime | None = None) -> Snooze:
        when, by = now_utc(now), require_text(by, "người bỏ tạm tắt", 100)

        def work(session: Session) -> Snooze:
            row = session.scalar(select(Snooze).where(Snooze.id == snooze_id).with_for_update())
            if row is None:
                raise NotFoundError(f"Không có lệnh tạm tắt #{snooze_id}")
            if row.ended_at is not None or row.until <= when:
                raise InvalidTransitionError(f"Lệnh tạm tắt #{snooze_id} đã hết hiệu lực")
            row.ended_at, row.ended_by = when, by
            self._audit(session, at=when, actor=by, action="snooze.ended", object_type="snooze",
                        object_id=snooze_id, details={"rule": row.rule, "key": row.key})
            return row
        return self._transaction(work)

    def active_snoozes(self, *, now: datetime | None = None) -> list[Snooze]:
        when = now_utc(now)
        with self._sessions() as session:
            return list(session.scalars(select(Snooze).where(Snooze.until > when, Snooze.ended_at.is_(None))
                                        .order_by(Snooze.until)))

    def add_maintenance_window(self, *, starts_at: datetime, ends_at: datetime, rule_pattern: str, reason: str,
                               by: str, now: datetime | None = None) -> MaintenanceWindow:
        """Mute rules whose name matches the glob `rule_pattern` ("*" = every rule) between the two times."""
        when, starts_at, ends_at = now_utc(now), now_utc(starts_at), now_utc(ends_at)
        rule_pattern = require_text(rule_pattern, "mẫu tên luật", 200)
        reason, by = require_text(reason, "lý do", 2000), require_text(by, "người tạo", 100)
        if ends_at <= starts_at:
            raise ValidationError(f"khung bảo trì phải kết thúc ({ends_at.isoformat()}) sau khi bắt đầu "
                                  f"({starts_at.isoformat()})")

        def work(session: Session) -> MaintenanceWindow:
            row = MaintenanceWindow(starts_at=starts_at, ends_at=ends_at, rule_pattern=rule_pattern, reason=reason,
                                    created_by=by, created_at=when)
            session.add(row)
            session.flush()
            self._audit(session, at=when, actor=by, action="maintenance.created", object_type="maintenance_window",
                        object_id=row.id, details={"rule_pattern": rule_pattern, "starts_at": starts_at.isoformat(),
                                                   "ends_at": ends_at.isoformat(), "reason": reason})
            return row
        return self._transaction(work)

    def list_maintenance_windows(self, *, active_at: datetime | None = None) -> list[MaintenanceWindow]:
        query = select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at)
        if active_at is not None:
            at = now_utc(active_at)
            query = query.where(MaintenanceWindow.starts_at <= at, MaintenanceWindow.ends_at > at)
        with self._sessions() as session:
            return list(session.scalars(query))

    # --- the outbox ------------------------------------------------------------------------------------------
    def claim_notifications(self, worker: str, *, limit: int = 10, lease: timedelta = timedelta(minutes=2),
                            now: datetime | None = None) -> list[Notification]:
        """Take up to `limit` due notifications for `worker` until now+`lease` (status → sending, attempts + 1).
        A row whose lease expired (the worker died) is due again. PostgreSQL: ``FOR UPDATE SKIP LOCKED`` so
        workers never wait for each other; SQLite: the conditional UPDATE runs under ``BEGIN IMMEDIATE``."""
        when, worker = now_utc(now), require_text(worker, "tên tiến trình gửi", 100)
        if lease <= timedelta(0):
            raise ValidationError("thời hạn giữ (lease) phải dương")
        due = or_((Notification.status == NotificationStatus.pending) & (Notification.next_attempt_at <= when),
                  (Notification.status == NotificationStatus.sending) & (Notification.claimed_until < when))

        def work(session: Session) -> list[Notification]:
            ids = list(session.scalars(select(Notification.id).where(due).order_by(Notification.next_attempt_at,
                                                                                  Notification.id)
                                       .limit(max(1, limit)).with_for_update(skip_locked=True)))
            if not ids:
                return []
            exhausted = session.execute(
                update(Notification).where(Notification.id.in_(ids), due,
                                           Notification.attempts >= self.max_attempts)
                .values(status=NotificationStatus.failed, claimed_by=None, claimed_until=None,
                        last_error="Hết số lần gửi: tiến trình gửi dừng giữa chừng quá nhiều lần")
                .returning(Notification.id)).scalars().all()
            for notification_id in exhausted:
                self._audit(session, at=when, actor=worker, action="notification.failed",
                            object_type="notification", object_id=notification_id, details={"reason": "lease"})
            claimed = session.execute(
                update(Notification).where(Notification.id.in_(ids), due)
                .values(status=NotificationStatus.sending, claimed_by=worker, claimed_until=when + lease,
                        attempts=Notification.attempts + 1)
                .returning(Notification.id)).scalars().all()
            rows = session.scalars(select(Notification).where(Notification.id.in_(claimed))
                                   .order_by(Notification.next_attempt_at, Notification.id)
                                   .execution_options(populate_existing=True))
            return list(rows)
        return self._transaction(work)

    def mark_sent(self, notification_id: int, worker: str, *, now: datetime | None = None) -> Notification:
        when = now_utc(now)

        def work(session: Session) -> Notification:
            row = self._claimed(session, notification_id, worker)
            row.status, row.sent_at, row.claimed_until, row.last_error = NotificationStatus.sent, when, None, None
            self._audit(session, at=when, actor=worker, action="notification.sent", object_type="notification",
                        object_id=notification_id, details={"channel": row.channel, "kind": row.kind,
                                                            "alert_id": row.alert_id, "attempts": row.attempts})
            return row
        return self._transaction(work)

    def mark_failed(self, notification_id: int, worker: str, error: str, *, retry_at: datetime | None = None,
                    permanent: bool = False, now: datetime | None = None) -> Notification:
        """Record a failed attempt: retried at `retry_at` (default: now + `backoff_delay`), or status ``failed``
        for good when `permanent` (e.g. a refused recipient; `RetryPolicy.next_attempt_at` returned None) or after
        `max_attempts` attempts. Failed rows stay listed (dashboard, `requeue_notification`), never dropped."""
        when = now_utc(now)
        error = require_text(error, "mô tả lỗi", 100_000)[:2000]

        def work(session: Session) -> Notification:
            row = self._claimed(session, notification_id, worker)
            row.last_error, row.claimed_until = error, None
            if permanent or row.attempts >= self.max_attempts:
                row.status = NotificationStatus.failed
                self._audit(session, at=when, actor=worker, action="notification.failed",
                            object_type="notification", object_id=notification_id,
                            details={"channel": row.channel, "attempts": row.attempts, "error": error,
                                     "permanent": permanent})
            else:
                row.status = NotificationStatus.pending
                row.next_attempt_at = now_utc(retry_at) if retry_at is not None else when + backoff_delay(
                    row.attempts, base=self.backoff_base, cap=self.backoff_cap)
            return row
        return self._transaction(work)

    def requeue_notification(self, notification_id: int, *, by: str, now: datetime | None = None) -> Notification:
        """Give a notification that failed for good a fresh set of attempts (after fixing the channel)."""
        when, by = now_utc(now), require_text(by, "người gửi lại", 100)

        def work(session: Session) -> Notification:
            row = session.scalar(select(Notification).where(Notification.id == notification_id).with_for_update())
            if row is None:
                raise NotFoundError(f"Không có thông báo #{notification_id}")
            if row.status != NotificationStatus.failed:
                raise InvalidTransitionError(f"Thông báo #{notification_id} đang ở trạng thái '{row.status}', "
                                             "chỉ gửi lại được thông báo đã thất bại")
            row.status, row.attempts, row.next_attempt_at = NotificationStatus.pending, 0, when
            self._audit(session, at=when, actor=by, action="notification.requeued", object_type="notification",
                        object_id=notification_id, details={"channel": row.channel})
            return row
        return self._transaction(work)

    def list_notifications(self, *, status: str | None = None, alert_id: int | None = None,
                           limit: int = 100) -> list[Notification]:
        query = select(Notification).order_by(Notification.id.desc()).limit(max(1, min(limit, 1000)))
        if status is not None:
            query = query.where(Notification.status == NotificationStatus(status))
        if alert_id is not None:
            query = query.where(Notification.alert_id == alert_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    @staticmethod
    def _claimed(session: Session, notification_id: int, worker: str) -> Notification:
        row = session.scalar(select(Notification).where(Notification.id == notification_id).with_for_update())
        if row is None:
            raise NotFoundError(f"Không có thông báo #{notification_id}")
        if row.status != NotificationStatus.sending or row.claimed_by != worker:
            raise LeaseLostError(f"Thông báo #{notification_id} không còn do '{worker}' giữ (trạng thái "
                                 f"'{row.status}', đang giữ: {row.claimed_by or 'không ai'}): bỏ qua kết quả gửi")
        return row


def _alert_payload(alert: Alert, kind: NotificationKind) -> dict[str, Any]:
    """What a sender needs to render the message without reading the database again."""
    return {"alert_id": alert.id, "kind": kind.value, "rule": alert.rule, "rule_type": alert.rule_type,
            "key": alert.key, "title": alert.title, "status": alert.status, "severity": alert.severity,
            "severity_score": alert.severity_score, "playbook": alert.playbook,
            "opened_at": alert.opened_at.isoformat(), "last_event_at": alert.last_event_at.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None, "facts": alert.facts}
