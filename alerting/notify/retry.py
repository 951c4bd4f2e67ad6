"""Delivery outcomes and the retry schedule shared by every channel.

A channel answers each attempt with one :class:`Delivery`:

- ``sent``: done (``detail`` may carry the remote id, e.g. Zalo's message_id);
- ``retry``: a transient failure (server down, timeout, 5xx, rate limit); ``after`` is the delay the remote asked
  for (Retry-After, rate limit) or ``None`` = follow :func:`backoff`;
- ``permanent_failure``: retrying cannot help (rejected address, invalid token, 4xx); an operator must act.

Back-off is exponential, capped, with "equal jitter": attempt n waits between (1 - jitter) and 1 times
``min(cap, base * 2**(n-1))``, so replicas that failed together do not retry in lock-step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    sent = "sent"
    retry = "retry"
    permanent_failure = "permanent_failure"


@dataclass(frozen=True)
class Delivery:
    status: DeliveryStatus
    error: str | None = None  # Vietnamese, names the channel and the cause; None when sent
    after: timedelta | None = None  # retry: delay requested by the remote side, None = back-off schedule
    detail: str | None = None  # sent: remote id or remarks (e.g. recipients the server refused)

    @classmethod
    def sent(cls, detail: str | None = None) -> Delivery:
        return cls(DeliveryStatus.sent, detail=detail)

    @classmethod
    def retry(cls, error: str, after: timedelta | None = None) -> Delivery:
        return cls(DeliveryStatus.retry, error=error, after=after)

    @classmethod
    def permanent_failure(cls, error: str) -> Delivery:
        return cls(DeliveryStatus.permanent_failure, error=error)

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.sent


def backoff(attempt: int, base: timedelta = timedelta(seconds=30), cap: timedelta = timedelta(hours=1),
            jitter: float = 0.2, rng: random.Random | None = None) -> timedelta:
    """Delay before retry number ``attempt`` (1 = after the first failure)."""
    if attempt < 1:
        raise ValueError(f"attempt phải ≥ 1 (nhận {attempt})")
    if not 0 <= jitter <= 1:
        raise ValueError(f"jitter phải trong [0, 1] (nhận {jitter})")
    # 2**63 guard: a huge attempt number must not overflow timedelta before the cap applies.
    raw = base.total_seconds() * (2 ** min(attempt - 1, 62))
    delay = min(cap.total_seconds(), raw)
    factor = 1 - jitter * (rng or random).random()
    return timedelta(seconds=delay * factor)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a notification again, and when to give up (the outbox row's attempts / next_attempt_at)."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2
    max_attempts: int = 8  # ≈ 30 s, 1, 2, 4, 8, 16, 32, 60 min: about two hours of trying

    def next_attempt_at(self, delivery: Delivery, attempts: int, now: datetime,
                        rng: random.Random | None = None) -> datetime | None:
        """After the ``attempts``-th failed try: when to try again, or ``None`` to give up (permanent failure or
        attempts exhausted). A delay asked for by the remote side is honoured but never beyond ``cap``."""
        if delivery.status is not DeliveryStatus.retry or attempts >= self.max_attempts:
            return None
        if delivery.after is not None:
            return now + min(delivery.after, self.cap)
        return now + backoff(attempts, self.base, self.cap, self.jitter, rng)
