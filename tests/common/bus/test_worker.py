"""Worker: bad records go to the DLQ with everything needed to replay them; good ones flow on; nothing is lost."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from common.bus import (
    BusProducer,
    EmbeddedBroker,
    TransientError,
    UndeliveredError,
    Worker,
    consumer_lag,
    parse_dead_letter,
    read_topic,
)
from common.schema import Mention
from common.settings import Settings

from .helpers import make_mentions, read_progress, start_worker_proc, wait_for


def forward_mentions(value: bytes, record: ConsumerRecord) -> list[tuple[str, bytes]]:
    mention = Mention.model_validate_json(value)
    return [(mention.id, value)]


def test_poison_records_are_dead_lettered_and_good_ones_go_downstream(bus_settings: Settings, group_id: str) -> None:
    mentions = make_mentions(30)
    poison = {
        "broken": b'{"schema_version": 1, "id": "trunc',  # invalid JSON
        "not-a-mention": b'{"hello": "world"}',  # valid JSON, wrong contract
    }
    with BusProducer(bus_settings) as producer:
        for m in mentions[:15]:
            producer.send(bus_settings.topic_raw, m.id, m.model_dump_json().encode())
        where = {key: producer.send(bus_settings.topic_raw, key, value, [("trace", key.encode())])
                 for key, value in poison.items()}
        for m in mentions[15:]:
            producer.send(bus_settings.topic_raw, m.id, m.model_dump_json().encode())
        tombstone = producer.send(bus_settings.topic_raw, "deleted-post", None)  # type: ignore[arg-type]
    where = {key: future.get(5) for key, future in where.items()}

    worker = Worker(bus_settings, group_id, bus_settings.topic_raw, forward_mentions,
                    out_topic=bus_settings.topic_classified, worker_id="w-test")
    stats = worker.run(max_idle_s=1)

    out = read_topic(bus_settings, bus_settings.topic_classified)
    assert sorted(r.key.decode() for r in out) == sorted(m.id for m in mentions)
    assert (stats.processed, stats.produced, stats.dead_lettered) == (30, 30, 3)

    dlq_records = read_topic(bus_settings, bus_settings.topic_dlq)
    letters = {d.source_key.decode(): d for d in map(parse_dead_letter, dlq_records)}
    empty = letters.pop("deleted-post")
    assert (empty.reason, empty.attempts, empty.value) == ("empty", 0, b"")
    assert empty.source_offset == tombstone.get(5).offset
    assert set(letters) == set(poison)
    for key, letter in letters.items():
        assert letter.value == poison[key]  # original bytes, unchanged
        assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
            bus_settings.topic_raw, where[key].partition, where[key].offset)
        assert letter.reason == "handler_error"
        assert letter.error_class == "pydantic_core._pydantic_core.ValidationError"
        assert letter.attempts == 1
        assert (letter.group_id, letter.worker_id) == (group_id, "w-test")
        assert letter.original_headers == [("trace", key.encode())]
        assert letter.failed_at.utcoffset() is not None
    assert "Invalid JSON" in letters["broken"].error
    assert "Extra inputs are not permitted" in letters["not-a-mention"].error
    # The poison records were committed too: a restart does not choke on them again.
    assert sum(row.lag for row in consumer_lag(bus_settings, [group_id])) == 0


def test_transient_errors_are_retried_then_dead_lettered(bus_settings: Settings, group_id: str) -> None:
    settings = bus_settings.model_copy(update={"worker_max_retries": 2})
    calls: Counter[str] = Counter()

    def flaky(value: bytes, record: ConsumerRecord) -> list[tuple[str, bytes]]:
        key = record.key.decode()
        calls[key] += 1
        if key == "always-down" or (key == "recovers" and calls[key] <= 2):
            raise TransientError(f"search backend timed out (call {calls[key]})")
        return [(key, value)]

    with BusProducer(settings) as producer:
        for key in ("fine", "recovers", "always-down"):
            producer.send(settings.topic_raw, key, key.encode())

    worker = Worker(settings, group_id, settings.topic_raw, flaky, out_topic=settings.topic_classified,
                    retry_backoff_s=0.01)
    stats = worker.run(max_idle_s=1)

    assert calls == {"fine": 1, "recovers": 3, "always-down": 3}  # 1 try + worker_max_retries retries
    assert sorted(r.key for r in read_topic(settings, settings.topic_classified)) == [b"fine", b"recovers"]
    [letter] = map(parse_dead_letter, read_topic(settings, settings.topic_dlq))
    assert (letter.value, letter.reason, letter.attempts) == (b"always-down", "retries_exhausted", 3)
    assert letter.error == "search backend timed out (call 3)"
    assert letter.error_class == "common.bus.errors.TransientError"
    assert (stats.retried, stats.processed, stats.dead_lettered) == (4, 2, 1)


def test_oversized_records_are_quarantined_without_running_the_handler(bus_settings: Settings,
                                                                       group_id: str) -> None:
    settings = bus_settings.model_copy(update={"max_message_bytes": 2048})
    big, huge = b"b" * 3000, b"h" * 9000
    with BusProducer(settings, max_request_size=100_000) as producer:
        producer.send(settings.topic_raw, "small", b"s" * 100)
        producer.send(settings.topic_raw, "big", big)
        producer.send(settings.topic_raw, "huge", huge)
    seen: list[bytes] = []

    def handler(value: bytes, record: ConsumerRecord) -> list[tuple[bytes, bytes]]:
        seen.append(record.key)
        return [(record.key, value)]

    worker = Worker(settings, group_id, settings.topic_raw, handler, out_topic=settings.topic_classified,
                    quarantine_max_bytes=4096)
    stats = worker.run(max_idle_s=1)

    assert seen == [b"small"]
    letters = {d.source_key: d for d in map(parse_dead_letter, read_topic(settings, settings.topic_dlq))}
    assert letters[b"big"].value == big and letters[b"big"].truncated_from is None
    assert letters[b"huge"].value == huge[:4096] and letters[b"huge"].truncated_from == 9000
    assert {d.reason for d in letters.values()} == {"too_large"}
    assert "3000 bytes, over max_message_bytes=2048" in letters[b"big"].error
    assert stats.dead_letter_reasons == {"too_large": 2}


def test_unacknowledged_outputs_stop_the_worker_without_committing(bus_settings: Settings, group_id: str,
                                                                   tmp_path: Path) -> None:
    mentions = make_mentions(40)
    with BusProducer(bus_settings) as producer:
        for m in mentions:
            producer.send(bus_settings.topic_raw, m.id, m.model_dump_json().encode())

    with EmbeddedBroker(topics=["out"], log_path=tmp_path / "downstream.log") as downstream:
        def handler(value: bytes, record: ConsumerRecord) -> list[tuple[str, bytes]]:
            if handler.calls == 5:  # type: ignore[attr-defined]
                downstream.stop()  # the downstream broker dies mid-batch
            handler.calls += 1  # type: ignore[attr-defined]
            return forward_mentions(value, record)

        handler.calls = 0  # type: ignore[attr-defined]
        worker = Worker(bus_settings, group_id, bus_settings.topic_raw, handler, out_topic="out",
                        producer_config={"bootstrap_servers": [downstream.bootstrap_servers],
                                         "delivery_timeout_ms": 1500, "request_timeout_ms": 1000, "linger_ms": 0,
                                         "max_block_ms": 1000, "reconnect_backoff_max_ms": 200},
                        flush_timeout_s=10)
        with pytest.raises(UndeliveredError, match="not acknowledged") as raised:
            worker.run(max_idle_s=5)
    assert raised.value.failed and {f.topic for f in raised.value.failed} == {"out"}
    assert worker.stats.batches == 0 and worker.stats.processed == 0
    assert consumer_lag(bus_settings, [group_id]) == []  # the group committed nothing: the batch is read again

    again = Worker(bus_settings, group_id, bus_settings.topic_raw, forward_mentions,
                   out_topic=bus_settings.topic_classified)
    again.run(max_idle_s=1)
    assert sorted(r.key.decode() for r in read_topic(bus_settings, bus_settings.topic_classified)) == sorted(
        m.id for m in mentions)


def test_sigterm_finishes_the_batch_commits_and_a_restart_resumes_without_loss(
    bus_settings: Settings, group_id: str, tmp_path: Path
) -> None:
    settings = bus_settings.model_copy(update={"worker_batch_size": 25})
    mentions = make_mentions(600)
    with BusProducer(settings) as producer:
        for m in mentions:
            producer.send(settings.topic_raw, m.id, m.model_dump_json().encode())

    progress = tmp_path / "progress.json"
    proc = start_worker_proc(settings, group_id, progress, delay_per_record_s=0.004)
    try:
        wait_for(lambda: (read_progress(progress) or {}).get("batches", 0) >= 3, timeout=30,
                 what="the worker to commit 3 batches")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    final = read_progress(progress)
    assert final is not None and not final["running"]
    committed = sum(row.committed or 0 for row in consumer_lag(settings, [group_id]))
    first_run = read_topic(settings, settings.topic_classified)
    # It stopped mid-stream, and what it wrote downstream is exactly what it committed: the batch in flight was
    # finished and committed, not abandoned.
    assert 0 < committed < len(mentions)
    assert len(first_run) == committed == final["processed"]

    restarted = Worker(settings, group_id, settings.topic_raw, forward_mentions, out_topic=settings.topic_classified)
    restarted.run(max_idle_s=1)

    out = read_topic(settings, settings.topic_classified)
    assert sorted(r.key.decode() for r in out) == sorted(m.id for m in mentions)  # no loss, and no duplicate
    assert restarted.stats.processed == len(mentions) - committed
    assert sum(row.lag for row in consumer_lag(settings, [group_id])) == 0


# --- batch mode -------------------------------------------------------------------------------------------------


def test_worker_takes_exactly_one_of_handler_and_batch_handler(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path)
    with pytest.raises(ValueError, match="exactly one"):
        Worker(settings, "g", "in")
    with pytest.raises(ValueError, match="exactly one"):
        Worker(settings, "g", "in", forward_mentions, batch_handler=lambda records: [])
    with pytest.raises(ValueError, match="batch_linger_ms"):
        Worker(settings, "g", "in", forward_mentions, batch_linger_ms=-1)


def test_batch_handler_gets_the_batch_in_one_call_and_fails_records_one_by_one(bus_settings: Settings,
                                                                               group_id: str) -> None:
    good = {f"good-{i}": f"value {i}".encode() for i in range(20)}
    settings = bus_settings.model_copy(update={"max_message_bytes": 2048, "worker_batch_size": len(good) + 4})
    with BusProducer(settings, max_request_size=100_000) as producer:
        for key, value in list(good.items())[:10]:
            producer.send(settings.topic_raw, key, value)
        producer.send(settings.topic_raw, "bad", b"cannot be handled", [("trace", b"t-1")])
        producer.send(settings.topic_raw, "deleted-post", None)  # type: ignore[arg-type]
        producer.send(settings.topic_raw, "big", b"b" * 3000)
        producer.send(settings.topic_raw, "bad-output", b"gives a str")
        for key, value in list(good.items())[10:]:
            producer.send(settings.topic_raw, key, value)
    calls: list[list[str]] = []

    def batch_handler(records: list[ConsumerRecord]) -> list:
        calls.append([r.key.decode() for r in records])
        outcomes: list = []
        for record in records:
            if record.key == b"bad":
                outcomes.append(ValueError(f"cannot handle offset {record.offset}"))
            elif record.key == b"bad-output":
                outcomes.append([(record.key, "not bytes")])
            else:
                outcomes.append([(record.key, record.value.upper())])
        return outcomes

    # The linger outlasts the test: the batch ends because it is full, and it is ONE call.
    worker = Worker(settings, group_id, settings.topic_raw, out_topic=settings.topic_classified,
                    batch_handler=batch_handler, batch_linger_ms=60_000, worker_id="w-batch")
    stats = worker.run(max_idle_s=1)

    assert len(calls) == 1 and sorted(calls[0]) == sorted([*good, "bad", "bad-output"])  # checks came first
    out = {r.key.decode(): r.value for r in read_topic(settings, settings.topic_classified)}
    assert out == {key: value.upper() for key, value in good.items()}
    letters = {d.source_key.decode(): d for d in map(parse_dead_letter, read_topic(settings, settings.topic_dlq))}
    assert {key: d.reason for key, d in letters.items()} == {
        "bad": "handler_error", "bad-output": "invalid_output", "deleted-post": "empty", "big": "too_large"}
    bad = letters["bad"]
    assert (bad.value, bad.attempts, bad.error_class, bad.original_headers) == (
        b"cannot be handled", 1, "builtins.ValueError", [("trace", b"t-1")])
    assert bad.error == f"cannot handle offset {bad.source_offset}"
    assert (bad.group_id, bad.worker_id, bad.source_topic) == (group_id, "w-batch", settings.topic_raw)
    assert "must be bytes, not str" in letters["bad-output"].error
    assert (letters["big"].attempts, letters["deleted-post"].attempts) == (0, 0)
    assert (stats.processed, stats.produced, stats.dead_lettered, stats.batches) == (20, 20, 4, 1)
    assert sum(row.lag for row in consumer_lag(settings, [group_id])) == 0


def test_batch_mode_retries_only_transient_records_and_isolates_a_call_that_crashes(bus_settings: Settings,
                                                                                    group_id: str) -> None:
    keys = ["fine-1", "fine-2", "recovers", "always-down", "crash"]
    settings = bus_settings.model_copy(update={"worker_max_retries": 2, "worker_batch_size": len(keys)})
    with BusProducer(settings) as producer:
        for key in keys:
            producer.send(settings.topic_raw, key, key.encode())
    calls: list[list[str]] = []
    seen: Counter[str] = Counter()

    def batch_handler(records: list[ConsumerRecord]) -> list:
        batch = [r.key.decode() for r in records]
        calls.append(batch)
        if "crash" in batch:
            raise RuntimeError("the model fell over")  # the whole call fails, whatever else is in it
        outcomes: list = []
        for key in batch:
            seen[key] += 1
            if key == "always-down" or (key == "recovers" and seen[key] < 3):
                outcomes.append(TransientError(f"{key}: backend timed out (try {seen[key]})"))
            else:
                outcomes.append([(key, key.encode())])
        return outcomes

    worker = Worker(settings, group_id, settings.topic_raw, out_topic=settings.topic_classified,
                    batch_handler=batch_handler, batch_linger_ms=60_000, retry_backoff_s=0.01)
    stats = worker.run(max_idle_s=1)

    first = calls[0]
    assert sorted(first) == sorted(keys)
    retried = [k for k in first if k in ("recovers", "always-down")]
    # The crashing call is split into one call per record; then only the transient failures come back, together.
    assert calls == [first, *([k] for k in first), retried, retried]
    assert sorted(r.key.decode() for r in read_topic(settings, settings.topic_classified)) == [
        "fine-1", "fine-2", "recovers"]
    letters = {d.source_key.decode(): d for d in map(parse_dead_letter, read_topic(settings, settings.topic_dlq))}
    assert (letters["crash"].reason, letters["crash"].attempts) == ("handler_error", 1)
    assert letters["crash"].error == "the model fell over"
    assert letters["crash"].error_class == "builtins.RuntimeError"
    down = letters["always-down"]
    assert (down.reason, down.attempts) == ("retries_exhausted", 3)
    assert down.error == "always-down: backend timed out (try 3)"
    assert (stats.processed, stats.dead_lettered, stats.retried) == (3, 2, 4)


def _run_in_thread(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, name=f"worker-{worker.worker_id}", daemon=True)
    thread.start()
    wait_for(lambda: worker.status()["assignment"], timeout=20, what="the worker to join its group")
    return thread


def test_linger_gathers_records_that_arrive_apart_into_one_batch(bus_settings: Settings, group_id: str) -> None:
    settings = bus_settings.model_copy(update={"worker_batch_size": 5})
    calls: list[list[bytes]] = []

    def batch_handler(records: list[ConsumerRecord]) -> list:
        calls.append([r.key for r in records])
        return [[(r.key, r.value)] for r in records]

    worker = Worker(settings, group_id, settings.topic_raw, out_topic=settings.topic_classified,
                    batch_handler=batch_handler, batch_linger_ms=60_000, poll_timeout_ms=100)
    thread = _run_in_thread(worker)
    try:
        with BusProducer(settings) as producer:
            for i in range(5):  # five separate produce requests, each acknowledged before the next
                producer.send(settings.topic_raw, f"k{i}", b"v")
                producer.flush(10)
                time.sleep(0.1)
        wait_for(lambda: worker.stats.batches >= 1, timeout=20, what="the batch to be committed")
    finally:
        worker.stop()
        thread.join(30)
    assert not thread.is_alive()
    # One call with all five, long before the linger time: a full batch does not wait.
    assert [sorted(call) for call in calls] == [[b"k0", b"k1", b"k2", b"k3", b"k4"]]
    assert worker.stats.batches == 1 and worker.stats.processed == 5


def test_linger_ends_a_short_batch_after_the_linger_time(bus_settings: Settings, group_id: str) -> None:
    settings = bus_settings.model_copy(update={"worker_batch_size": 1000})
    calls: list[list[bytes]] = []

    def batch_handler(records: list[ConsumerRecord]) -> list:
        calls.append([r.key for r in records])
        return [[(r.key, r.value)] for r in records]

    worker = Worker(settings, group_id, settings.topic_raw, out_topic=settings.topic_classified,
                    batch_handler=batch_handler, batch_linger_ms=300, poll_timeout_ms=100)
    thread = _run_in_thread(worker)
    try:
        with BusProducer(settings) as producer:
            for i in range(3):
                producer.send(settings.topic_raw, f"k{i}", b"v")
        # The batch never fills up (3 of 1000): it is handed over once the linger time has passed.
        wait_for(lambda: worker.stats.processed == 3, timeout=20, what="the short batch to be processed")
    finally:
        worker.stop()
        thread.join(30)
    assert sorted(key for call in calls for key in call) == [b"k0", b"k1", b"k2"]
    assert len(read_topic(settings, settings.topic_classified)) == 3
