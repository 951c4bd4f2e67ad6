"""Small helpers shared by test folders."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from common.settings import Settings

T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float, interval: float = 0.05, what: str = "condition") -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a `crisiswatch` subprocess the same bus, state, index and database as
    `settings` (and nothing from the caller's CRISISWATCH_* variables); `extra` adds CRISISWATCH_<NAME> values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")}
    env.update({
        "CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "CRISISWATCH_STATE_DIR": str(settings.state_dir),
        "CRISISWATCH_TOPIC_RAW": settings.topic_raw,
        "CRISISWATCH_TOPIC_CLASSIFIED": settings.topic_classified,
        "CRISISWATCH_TOPIC_DLQ": settings.topic_dlq,
        "CRISISWATCH_PII_HASH_KEY": "test-key",
        "CRISISWATCH_SEARCH_BACKEND": settings.search_backend,
        "CRISISWATCH_DATABASE_URL": settings.database_url.get_secret_value(),
        "COLUMNS": "200",
    })
    if settings.elasticsearch_url:
        env["CRISISWATCH_ELASTICSEARCH_URL"] = settings.elasticsearch_url
    env.update({f"CRISISWATCH_{name.upper()}": value for name, value in extra.items()})
    return env
