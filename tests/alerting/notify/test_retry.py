from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from alerting.notify.retry import Delivery, DeliveryStatus, RetryPolicy, backoff

NOW = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)


def test_backoff_doubles_until_the_cap_without_jitter() -> None:
    delays = [backoff(n, timedelta(seconds=30), timedelta(minutes=10), jitter=0) for n in range(1, 8)]
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 240, 480, 600, 600]
    assert backoff(10_000, jitter=0) == timedelta(hours=1)  # huge attempt numbers do not overflow


def test_jitter_stays_within_bounds_and_spreads_replicas() -> None:
    rng = random.Random(7)
    delays = {backoff(3, timedelta(seconds=30), timedelta(hours=1), jitter=0.5, rng=rng) for _ in range(50)}
    assert all(timedelta(seconds=60) <= d <= timedelta(seconds=120) for d in delays)
    assert len(delays) > 1


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff(0)
    with pytest.raises(ValueError, match="jitter"):
        backoff(1, jitter=2)


def test_policy_schedules_retries_and_gives_up() -> None:
    policy = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=30), jitter=0, max_attempts=3)
    retry = Delivery.retry("Webhook x: HTTP 503")
    assert retry.status is DeliveryStatus.retry and not retry.ok
    assert policy.next_attempt_at(retry, 1, NOW) == NOW + timedelta(seconds=30)
    assert policy.next_attempt_at(retry, 2, NOW) == NOW + timedelta(seconds=60)
    assert policy.next_attempt_at(retry, 3, NOW) is None  # attempts exhausted
    asked = Delivery.retry("Zalo OA: lỗi -32", after=timedelta(hours=5))
    assert policy.next_attempt_at(asked, 1, NOW) == NOW + timedelta(minutes=30)  # remote wish, capped
    assert policy.next_attempt_at(Delivery.permanent_failure("HTTP 400"), 1, NOW) is None
    assert policy.next_attempt_at(Delivery.sent(), 1, NOW) is None
