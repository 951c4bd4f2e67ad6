"""A signed generic webhook: POST the alert as JSON to any receiver (chat bridge, ticketing, SIEM).

Signature: ``X-Crisiswatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`` with the Unix
time in ``X-Crisiswatch-Timestamp``. Signing the timestamp with the body lets receivers reject replays
(:func:`verify_signature` with a tolerance). ``X-Crisiswatch-Delivery`` carries the notification id: a retried
delivery repeats it so receivers can drop duplicates.

Outcomes: 2xx sent; 408, 425, 429 and 5xx retry (``Retry-After`` in seconds honoured); other statuses (4xx,
unexpected 3xx: redirects are not followed, the signature is for this URL) permanent; timeouts and connection
errors retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from alerting.notify.messages import Notification
from alerting.notify.retry import Delivery

SIGNATURE_HEADER = "X-Crisiswatch-Signature"
TIMESTAMP_HEADER = "X-Crisiswatch-Timestamp"
DELIVERY_HEADER = "X-Crisiswatch-Delivery"
RETRYABLE_STATUS = frozenset({408, 425, 429})


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str | bytes, timestamp: str | None, body: bytes, signature: str | None,
                     tolerance: float = 300, now: float | None = None) -> bool:
    """For receivers: True when ``signature`` signs exactly ``body`` at ``timestamp`` and the timestamp is within
    ``tolerance`` seconds of ``now`` (replay protection). Uses a constant-time comparison."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode_body(notification: Notification) -> bytes:
    return json.dumps(notification.webhook_payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class WebhookChannel:
    url: str
    secret: str = field(repr=False)
    timeout_s: float = 10.0
    name: str = "webhook"

    def send(self, notification: Notification) -> Delivery:
        where = f"Webhook {httpx.URL(self.url).host}"
        try:
            body = encode_body(notification)
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "crisiswatch-alerting/1",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                DELIVERY_HEADER: notification.id,
            }
            with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Delivery.retry(f"{where}: quá thời gian chờ {self.timeout_s:g}s")
        except httpx.TransportError as error:
            return Delivery.retry(f"{where}: không kết nối được ({type(error).__name__}: {error})")
        except Exception as error:  # noqa: BLE001 - a sender never raises into the outbox loop
            return Delivery.permanent_failure(f"{where}: lỗi không mong đợi {type(error).__name__}: {error}")
        status = response.status_code
        if 200 <= status < 300:
            return Delivery.sent(detail=f"HTTP {status}")
        reason = f"{where}: HTTP {status} {_snippet(response)}".rstrip()
        if status in RETRYABLE_STATUS or status >= 500:
            return Delivery.retry(reason, after=_retry_after(response))
        return Delivery.permanent_failure(reason)


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:200]


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("Retry-After", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None
