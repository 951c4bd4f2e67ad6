"""Acceptance: 10,000 mentions through a two-process consumer group, one member killed with -9 mid-way.

Every mention must reach the output topic (duplicates are allowed under at-least-once and reported), and the one
poison record must land in the DLQ.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from common.bus import BusProducer, consumer_lag, parse_dead_letter, read_topic
from common.settings import Settings

from .helpers import make_mentions, read_progress, start_worker_proc, wait_for

N = 10_000


def test_no_mention_is_lost_when_a_worker_is_killed(
    bus_settings: Settings, group_id: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    settings = bus_settings.model_copy(update={"worker_batch_size": 200})
    mentions = make_mentions(N)
    poison = b'{"schema_version": 1, "source": "facebook"'
    started = time.monotonic()
    with BusProducer(settings) as producer:
        for i, m in enumerate(mentions):
            producer.send(settings.topic_raw, m.id, m.model_dump_json().encode())
            if i == N // 3:
                producer.send(settings.topic_raw, "poison", poison)
    assert producer.delivered == N + 1
    produce_s = time.monotonic() - started

    progress = {name: tmp_path / f"{name}.json" for name in ("victim", "survivor")}
    procs = {name: start_worker_proc(settings, group_id, path, worker_id=name, delay_per_record_s=0.0005)
             for name, path in progress.items()}
    try:
        def both_committed() -> dict[str, dict] | None:
            seen = {name: read_progress(path) for name, path in progress.items()}
            ok = all(s and s["batches"] >= 2 for s in seen.values())
            return seen if ok and sum(s["processed"] for s in seen.values()) >= N // 4 else None  # type: ignore

        at_kill = wait_for(both_committed, timeout=60, what="both workers to be consuming")
        os.kill(procs["victim"].pid, signal.SIGKILL)
        assert procs["victim"].wait(10) == -signal.SIGKILL
        assert sum(s["processed"] for s in at_kill.values()) < N  # killed mid-way, not after the fact

        # The survivor takes over the victim's partitions once its session expires, from the committed offsets.
        wait_for(lambda: (rows := consumer_lag(settings, [group_id]))
                 and len(rows) == settings.topic_partitions and sum(r.lag for r in rows) == 0,
                 timeout=60, interval=0.5, what="the group to catch up")
        procs["survivor"].send_signal(signal.SIGTERM)
        assert procs["survivor"].wait(30) == 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    out = read_topic(settings, settings.topic_classified)
    counts = Counter(r.key.decode() for r in out)
    assert set(counts) == {m.id for m in mentions}  # nothing lost
    duplicates = len(out) - N
    letters = [parse_dead_letter(r) for r in read_topic(settings, settings.topic_dlq)]
    assert {(d.value, d.source_key) for d in letters} == {(poison, b"poison")}
    assert letters[0].reason == "handler_error" and "ValidationError" in letters[0].error_class

    survivor = read_progress(progress["survivor"])
    assert survivor is not None and survivor["processed"] > at_kill["survivor"]["processed"]
    record_property("duplicates", duplicates)
    record_property("produce_s", round(produce_s, 2))
    print(f"\n{N} mentions produced in {produce_s:.2f}s; {len(out)} outputs, {duplicates} duplicate(s) after kill -9; "
          f"{len(letters)} DLQ record(s); victim had processed {at_kill['victim']['processed']}, "
          f"survivor {at_kill['survivor']['processed']} at the kill, {survivor['processed']} at the end")
