"""BusProducer: every record is either acknowledged or reported; nothing is lost silently."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kafka.errors import MessageSizeTooLargeError

from common.bus import BusProducer, EmbeddedBroker, UndeliveredError, read_topic
from common.settings import Settings

from .helpers import make_mentions


def test_every_record_is_delivered_and_counted(bus_settings: Settings) -> None:
    mentions = make_mentions(500)
    with BusProducer(bus_settings) as producer:
        for m in mentions:
            producer.send(bus_settings.topic_raw, m.id, m.model_dump_json().encode(), [("source", b"facebook")])
    assert (producer.sent, producer.delivered, producer.failed) == (500, 500, [])

    records = read_topic(bus_settings, bus_settings.topic_raw)
    assert {r.key.decode(): r.value for r in records} == {m.id: m.model_dump_json().encode() for m in mentions}
    assert all(r.headers == [("source", b"facebook")] for r in records)
    # Same key, same partition: a mention's updates stay in order.
    by_key = {r.key: r.partition for r in records}
    with BusProducer(bus_settings) as producer:
        future = producer.send(bus_settings.topic_raw, mentions[0].id, b"{}")
    assert future.get(5).partition == by_key[mentions[0].id.encode()]


def test_records_the_broker_never_acknowledged_raise_on_close(tmp_path: Path) -> None:
    with EmbeddedBroker(topics=["raw"], partitions=2) as broker:
        settings = Settings(kafka_bootstrap_servers=broker.bootstrap_servers, state_dir=tmp_path)
        producer = BusProducer(settings, delivery_timeout_ms=1500, request_timeout_ms=1000, linger_ms=0,
                               max_block_ms=1000, reconnect_backoff_max_ms=200)
        producer.send("raw", "before", b"1")
        producer.flush(10)
        assert producer.delivered == 1
    # The broker is gone (and with it, being memory-only, everything it had).
    for key in ("lost-1", "lost-2", "lost-3"):
        producer.send("raw", key, b"x")
    with pytest.raises(UndeliveredError) as raised:
        producer.close(timeout=10)
    assert producer.delivered == 1
    assert sorted(f.key for f in raised.value.failed) == [b"lost-1", b"lost-2", b"lost-3"]
    assert {f.topic for f in raised.value.failed} == {"raw"}
    assert "3 record(s) not acknowledged" in str(raised.value)


def test_close_gives_up_at_its_timeout_and_lists_what_is_still_pending(tmp_path: Path) -> None:
    with EmbeddedBroker(topics=["raw"]) as broker:
        settings = Settings(kafka_bootstrap_servers=broker.bootstrap_servers, state_dir=tmp_path)
        producer = BusProducer(settings)  # default delivery timeout: 2 minutes
        producer.send("raw", "before", b"1")
        producer.flush(10)
    for key in ("lost-1", "lost-2"):
        producer.send("raw", key, b"x")
    started = time.monotonic()
    with pytest.raises(UndeliveredError) as raised:
        producer.close(timeout=0.5)
    assert time.monotonic() - started < 5  # a crawler run ends promptly instead of hanging on a dead broker
    assert sorted(f.key for f in raised.value.failed) == [b"lost-1", b"lost-2"]
    assert producer.pending == 0


def test_a_record_too_large_to_send_fails_at_once_and_is_reported(bus_settings: Settings) -> None:
    settings = bus_settings.model_copy(update={"max_message_bytes": 1024})
    producer = BusProducer(settings)
    producer.send(settings.topic_raw, "ok", b"x" * 1000)
    with pytest.raises(MessageSizeTooLargeError):
        producer.send(settings.topic_raw, "huge", b"x" * 200_000)
    with pytest.raises(UndeliveredError, match="huge"):
        producer.close()
    assert producer.delivered == 1
