"""An alerting replica in its own OS process (importable by multiprocessing's spawn start method)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerting.episodes import EpisodeUpdate
from alerting.store.alerts import AlertStore
from alerting.store.database import create_engine_for


def apply_stream(url: str, payloads: list[str], now: datetime, barrier: Any, results: Any) -> None:
    engine = create_engine_for(url)
    store = AlertStore(engine, channels=("email",))
    updates = [EpisodeUpdate.model_validate_json(payload) for payload in payloads]
    store.list_alerts(limit=1)  # connect before the start line, so both replicas really run side by side
    barrier.wait(timeout=60)
    outcomes = [store.apply(update, now=now).outcome.value for update in updates]
    engine.dispose()
    results.put(outcomes)
