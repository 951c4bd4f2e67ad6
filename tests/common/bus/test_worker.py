"""Worker: bad records go to the DLQ with everything needed to replay them; good ones flow on; nothing is lost."""

from __future__ import annotations

import signal
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
