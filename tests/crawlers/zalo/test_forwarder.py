"""The forwarder: spool → Kafka `mentions.raw`, ack-gated marking, DLQ for bad entries, skipped event kinds,
dedupe (Zalo retries, restarts), broker outage without marking anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from common.bus import parse_dead_letter, read_topic
from common.schema import Mention, mention_id
from common.settings import Settings
from crawlers.zalo.forwarder import Forwarder
from crawlers.zalo.send_events import load_events
from crawlers.zalo.spool import Spool, spool_dir
from tests.crawlers.zalo.helpers import OA_ID, text_event

pytestmark = pytest.mark.integration


def fast_forwarder(settings: Settings, **kwargs) -> Forwarder:  # type: ignore[no-untyped-def]
    kwargs.setdefault("send_timeout_s", 5.0)
    kwargs.setdefault("backoff_initial_s", 0.05)
    kwargs.setdefault("backoff_max_s", 0.2)
    kwargs.setdefault("poll_interval_s", 0.05)
    return Forwarder(settings, **kwargs)


def spool_all(settings: Settings, bodies: list[bytes]) -> list[int]:
    with Spool(spool_dir(settings.state_dir)) as spool:
        return [spool.append(body) for body in bodies]


def mentions(settings: Settings, expected: int) -> list[tuple[str, Mention]]:
    records = read_topic(settings, settings.topic_raw, min_records=expected)
    return [(r.key.decode(), Mention.model_validate_json(r.value)) for r in records]


def test_recorded_events_become_masked_mentions(zalo_bus_settings: Settings) -> None:
    settings = zalo_bus_settings
    events = load_events()
    ids = spool_all(settings, [e.body for e in events])
    with fast_forwarder(settings, oa_id=OA_ID) as forwarder:
        forwarder.run(until_empty=True)
        stats = forwarder.stats
        statuses = forwarder.spool.statuses()
    texts = [json.loads(e.body) for e in events if json.loads(e.body)["event_name"] == "user_send_text"]
    expected = len(texts) + 1  # + the image with a caption
    got = mentions(settings, expected)
    assert len(got) == expected
    by_id = dict(got)
    assert all(key == m.id for key, m in got)  # key = mention id
    for event in texts:
        mention = by_id[mention_id("zalo", event["message"]["msg_id"])]
        assert mention.source.value == "zalo" and mention.source_id == event["message"]["msg_id"]
        assert mention.author.id == event["sender"]["id"]
        assert mention.created_at == datetime.fromtimestamp(int(event["timestamp"]) / 1000, UTC)
    scam = next(m for m in by_id.values() if "lừa đảo" in m.text)
    assert "0987 654 321" not in scam.text and "654" not in scam.text  # phone number masked (PII)
    cccd = next(m for m in by_id.values() if "biên lai" in m.text)
    assert "079085001234" not in cccd.text
    # follow, unfollow, our own echo and the sticker: stored, not forwarded, counted by event name
    assert stats.skipped == {"follow": 1, "unfollow": 1, "oa_send_text": 1, "user_send_sticker": 1}
    assert stats.sent == expected and stats.dlq == 0
    assert sorted(statuses) == ids and set(statuses.values()) == {"sent", "skipped"}


def test_bad_entry_goes_to_the_dlq_and_never_blocks(zalo_bus_settings: Settings) -> None:
    settings = zalo_bus_settings
    good = text_event("g-1", "Hỏi về lương hưu")
    bad_json = b'{"event_name": "user_send_text", "timestamp": '
    bad_stamp = text_event("g-2", "x").replace(b'"timestamp":"1752541200000"', b'"timestamp":"soon"')
    ids = spool_all(settings, [bad_json, good, bad_stamp])
    with fast_forwarder(settings) as forwarder:
        forwarder.run(until_empty=True)
        assert forwarder.spool.statuses() == {ids[0]: "dlq", ids[1]: "sent", ids[2]: "dlq"}
    dead = [parse_dead_letter(r) for r in read_topic(settings, settings.topic_dlq, min_records=2)]
    assert sorted(d.value for d in dead) == sorted([bad_json, bad_stamp])  # original bytes, unchanged
    reasons = {d.source_offset: d.error for d in dead}
    assert "invalid JSON" in reasons[ids[0]]
    assert "timestamp" in reasons[ids[2]]
    assert all(d.source_topic == "zalo-spool" and d.group_id == "zalo-forwarder" for d in dead)
    assert [m.source_id for _k, m in mentions(settings, 1)] == ["g-1"]


def test_corrupted_spool_entry_is_dead_lettered(zalo_bus_settings: Settings) -> None:
    import sqlite3

    settings = zalo_bus_settings
    (entry,) = spool_all(settings, [text_event("c-1", "hi")])
    db = sqlite3.connect(spool_dir(settings.state_dir) / "spool.sqlite")
    db.execute("UPDATE entries SET crc = crc + 1 WHERE id = ?", (entry,))
    db.commit()
    db.close()
    with fast_forwarder(settings) as forwarder:
        forwarder.run(until_empty=True)
        assert forwarder.spool.statuses() == {entry: "dlq"}
    (dead,) = [parse_dead_letter(r) for r in read_topic(settings, settings.topic_dlq, min_records=1)]
    assert "CRC" in dead.error


def test_same_message_twice_and_after_restart_is_sent_once(zalo_bus_settings: Settings) -> None:
    settings = zalo_bus_settings
    body = text_event("d-1", "Công ty nợ BHXH 8 tháng")
    first = spool_all(settings, [body, body])  # Zalo retried the webhook: two spool entries, one message
    with fast_forwarder(settings) as forwarder:
        forwarder.run(until_empty=True)
        assert forwarder.spool.statuses() == {first[0]: "sent", first[1]: "duplicate"}
    (again,) = spool_all(settings, [body])  # a third delivery after a restart of the forwarder
    with fast_forwarder(settings) as forwarder:
        forwarder.run(until_empty=True)
        assert forwarder.spool.statuses()[again] == "duplicate"
    assert [m.source_id for _k, m in mentions(settings, 1)] == ["d-1"]


def test_broker_outage_marks_nothing_then_recovers(zalo_bus_settings: Settings) -> None:
    from common.bus import free_port

    good = zalo_bus_settings
    ids = spool_all(good, [text_event(f"o-{i}", f"Tin nhắn {i}") for i in range(5)])
    down = good.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    with fast_forwarder(down, send_timeout_s=1.0) as forwarder:
        for _ in range(3):
            result = forwarder.run_once()
            assert result.failed and result.sent == 0 and result.unsent == 5
        assert set(forwarder.spool.statuses().values()) == {"pending"}
        assert forwarder.stats.failures == 3
    with fast_forwarder(good) as forwarder:
        forwarder.run(until_empty=True)
        assert forwarder.spool.statuses() == dict.fromkeys(ids, "sent")
    assert sorted(m.source_id for _k, m in mentions(good, 5)) == [f"o-{i}" for i in range(5)]


def test_run_stops_promptly_while_the_broker_is_down(zalo_bus_settings: Settings) -> None:
    import threading
    import time

    from common.bus import free_port

    down = zalo_bus_settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    spool_all(down, [text_event("s-1", "hi")])
    stop = threading.Event()
    with fast_forwarder(down, send_timeout_s=1.0, backoff_max_s=30) as forwarder:
        thread = threading.Thread(target=forwarder.run, args=(stop,))
        thread.start()
        time.sleep(1.5)
        started = time.monotonic()
        stop.set()
        thread.join(15)
        assert not thread.is_alive() and time.monotonic() - started < 12
        assert forwarder.spool.pending_count() == 1
