"""Bus throughput on the embedded broker, beside naive baselines measured in the same run.

- produce: `BusProducer` (acks=all, idempotent, lz4, batched, keyed) vs a naive producer that waits for each
  record's acknowledgement before sending the next;
- consume: a batched poll loop (large fetches, `max_poll_records`) vs the default `KafkaConsumer` iterator;
- worker: the full at-least-once stage loop (consume → validate `Mention` → produce → flush → commit).
"""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer

from bench import Figure
from bench.corpus import mentions
from common.bus import BusProducer, EmbeddedBroker, Worker, ensure_topics, topic_offsets
from common.schema import Mention
from common.settings import Settings


def _settings(broker: EmbeddedBroker, tag: str) -> Settings:
    settings = Settings(kafka_bootstrap_servers=broker.bootstrap_servers, topic_raw=f"bench-{tag}.raw",
                        topic_classified=f"bench-{tag}.classified", topic_dlq=f"bench-{tag}.dlq",
                        worker_batch_size=2000)
    ensure_topics(settings)
    return settings


def _consume_batched(settings: Settings, topic: str, expected: int) -> float:
    consumer = KafkaConsumer(topic, group_id=f"bench-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                             enable_auto_commit=False, max_poll_records=5000, fetch_max_bytes=64 * 1024 * 1024,
                             max_partition_fetch_bytes=16 * 1024 * 1024, session_timeout_ms=6000,
                             heartbeat_interval_ms=2000, **settings.kafka_client_config())
    seen = 0
    consumer.poll(timeout_ms=5000, max_records=1)  # join the group before timing
    consumer.seek_to_beginning()
    started = time.perf_counter()
    while seen < expected:
        for records in consumer.poll(timeout_ms=1000).values():
            seen += len(records)
    elapsed = time.perf_counter() - started
    consumer.close(autocommit=False)
    return elapsed


def _consume_naive(settings: Settings, topic: str, expected: int) -> float:
    consumer = KafkaConsumer(topic, group_id=f"bench-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                             session_timeout_ms=6000, heartbeat_interval_ms=2000, **settings.kafka_client_config())
    consumer.poll(timeout_ms=5000, max_records=1)
    consumer.seek_to_beginning()
    started = time.perf_counter()
    for seen, _record in enumerate(consumer, 1):
        if seen >= expected:
            break
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def run(count: int = 100_000, naive_count: int = 3_000) -> list[Figure]:
    payloads = [(m.id, m.model_dump_json().encode()) for m in mentions(count)]
    figures: list[Figure] = []
    with EmbeddedBroker(port=0) as broker:
        settings = _settings(broker, uuid.uuid4().hex[:6])

        started = time.perf_counter()
        with BusProducer(settings) as producer:
            for key, value in payloads:
                producer.send(settings.topic_raw, key, value)
        figures.append(Figure("produce: BusProducer (acks=all, idempotent, lz4, batched)", count,
                              time.perf_counter() - started))

        naive = KafkaProducer(acks="all", **settings.kafka_client_config())
        started = time.perf_counter()
        for key, value in payloads[:naive_count]:
            naive.send(settings.topic_dlq, key=key.encode(), value=value).get(timeout=30)
        figures.append(Figure("produce: naive (wait for each ack)", naive_count, time.perf_counter() - started,
                              baseline=True))
        naive.close()

        figures.append(Figure("consume: batched poll", count, _consume_batched(settings, settings.topic_raw, count)))
        figures.append(Figure("consume: default iterator", count,
                              _consume_naive(settings, settings.topic_raw, count), baseline=True))

        def forward(value: bytes, _record: object) -> list[tuple[str, bytes]]:
            mention = Mention.model_validate_json(value)
            return [(mention.id, value)]

        worker = Worker(settings, f"bench-{uuid.uuid4().hex[:6]}", settings.topic_raw, forward,
                        out_topic=settings.topic_classified)
        started = time.perf_counter()
        worker.run(max_idle_s=2.0)
        elapsed = time.perf_counter() - started - 2.0
        written = sum(topic_offsets(settings, [settings.topic_classified])[settings.topic_classified].values())
        assert written >= count, f"worker wrote {written} of {count}"
        figures.append(Figure("worker: consume → validate Mention → produce → commit", count, elapsed))
    return figures
