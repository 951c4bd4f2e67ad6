"""`Notifier`: sends the alert store's outbox on the configured channels (e-mail, signed webhook, Zalo OA).

Runs beside rule evaluation (its own thread in `crisiswatch alerting`), so a slow or broken channel never delays
an alert being stored. Each round claims due notifications with a lease (two replicas never send the same row),
renders each from its stored payload (`alerting.notify.messages`), sends it once, and records the outcome: sent,
retried later with back-off (`alerting.notify.retry.RetryPolicy`), or failed for good (kept and listed, never
dropped). A row for a channel that is not configured in this process fails with a message naming the setting.

Digests (rules with ``digest:``) arrive as one row per channel and window holding every alert of the window; they
are sent as one message that lists them all, most severe first.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.notify.channels import Channel
from alerting.notify.messages import AlertMessage, Notification, build_notification, compose, vn_time
from alerting.notify.retry import DeliveryStatus, RetryPolicy
from alerting.store.alerts import AlertStore
from alerting.store.errors import LeaseLostError

log = logging.getLogger(__name__)

_KIND = {"opened": UpdateKind.opened, "escalated": UpdateKind.updated, "resolved": UpdateKind.resolved}


@dataclass
class NotifierStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def update_from_payload(payload: Mapping[str, Any]) -> EpisodeUpdate:
    """The EpisodeUpdate an outbox payload (`AlertStore`'s alert snapshot) describes."""
    kind = _KIND.get(payload["kind"], UpdateKind.updated)
    at = payload["resolved_at"] if kind is UpdateKind.resolved and payload.get("resolved_at") else \
        payload["last_event_at"]
    return EpisodeUpdate(rule=payload["rule"], rule_type=payload["rule_type"], key=payload["key"], kind=kind,
                         at=at, severity_score=payload["severity_score"], severity=payload["severity"],
                         playbook=payload.get("playbook"), title=payload["title"],
                         facts=EpisodeFacts.model_validate(payload.get("facts") or {}))


def digest_notification(row_id: int, payload: Mapping[str, Any], dashboard_base_url: str) -> Notification:
    """One message for a digest window: every alert in it, most severe first."""
    items = sorted(payload.get("items") or [], key=lambda item: -Severity(item["severity"]).rank)
    if not items:
        raise ValueError(f"bản tin tổng hợp #{row_id} không có cảnh báo nào")
    updates = [update_from_payload(item) for item in items]
    parts = [compose(update, item["alert_id"], dashboard_base_url) for update, item in zip(updates, items)]
    window = f" (từ {vn_time(datetime.fromisoformat(payload['window_start']))})" if payload.get("window_start") else ""
    subject = f"[CrisisWatch] Bản tin tổng hợp: {len(items)} cảnh báo{window}"
    text = "\n\n".join(part.text for part in parts)
    body = "<hr>".join(part.html for part in parts)
    short = "\n".join(f"- {part.subject}" for part in parts)[:1900]
    base = dashboard_base_url.rstrip("/") or "/"
    message = AlertMessage(subject=subject, text=text, html=f"<h2>{html.escape(subject)}</h2>{body}",
                           short=f"{subject}\n{short}\n{base}", url=base)
    first = updates[0]
    return Notification(id=f"outbox-{row_id}", alert_id=str(items[0]["alert_id"]), kind=first.kind,
                        severity=first.severity, created_at=datetime.now(UTC), message=message, update=first)


class Notifier:
    def __init__(self, store: AlertStore, channels: Mapping[str, Channel], *, worker_id: str,
                 dashboard_base_url: str, policy: RetryPolicy | None = None, batch: int = 20) -> None:
        self.store = store
        self.channels = dict(channels)
        self.worker_id = worker_id
        self.dashboard_base_url = dashboard_base_url
        self.policy = policy or RetryPolicy(max_attempts=store.max_attempts)
        self.batch = batch
        self.stats = NotifierStats()

    def _render(self, row: Any) -> Notification:
        if row.kind == "digest":
            return digest_notification(row.id, row.payload, self.dashboard_base_url)
        return build_notification(update_from_payload(row.payload), row.payload["alert_id"],
                                  self.dashboard_base_url, notification_id=f"outbox-{row.id}")

    def run_once(self, now: datetime | None = None) -> int:
        """Send every due notification once; returns how many were handled."""
        rows = self.store.claim_notifications(self.worker_id, limit=self.batch, now=now)
        for row in rows:
            try:
                self._send(row, now or datetime.now(UTC))
            except LeaseLostError as error:  # another sender took over after our lease ran out
                log.warning("%s", error)
        return len(rows)

    def _send(self, row: Any, now: datetime) -> None:
        channel = self.channels.get(row.channel)
        if channel is None:
            self.stats.failed += 1
            self.store.mark_failed(row.id, self.worker_id, f"kênh '{row.channel}' chưa được cấu hình trong tiến trình "
                                   "này (xem docs/notifications.md)", permanent=True, now=now)
            return
        try:
            notification = self._render(row)
        except (ValueError, KeyError, TypeError) as error:  # a payload that cannot be rendered will never be
            self.stats.failed += 1
            reason = f"thiếu trường {error}" if isinstance(error, KeyError) else str(error)
            self.store.mark_failed(row.id, self.worker_id, f"nội dung thông báo hỏng: {reason}", permanent=True,
                                   now=now)
            return
        delivery = channel.send(notification)
        if delivery.status is DeliveryStatus.sent:
            self.stats.sent += 1
            self.store.mark_sent(row.id, self.worker_id, now=now)
            return
        retry_at = self.policy.next_attempt_at(delivery, row.attempts, now)
        if retry_at is None:
            self.stats.failed += 1
        else:
            self.stats.retried += 1
        self.store.mark_failed(row.id, self.worker_id, delivery.error or "lỗi không rõ", retry_at=retry_at,
                               permanent=retry_at is None, now=now)
