"""Spool recovery acceptance: zero lost, zero duplicated, across a kill -9 of the forwarder AND a broker outage.

The test, and why it proves the claim:

1. A broker B1 runs on a fixed port P. N events are posted to the webhook (in-process app) — user messages, plus
   follow/echo events that must not be forwarded and malformed entries (injected straight into the spool, since
   the webhook rejects them) that must be dead-lettered.
2. A forwarder PROCESS (batch 10, slowed down) forwards; when about a third is marked sent it is SIGKILLed mid-batch.
   We snapshot what the system has RECORDED as acknowledged at that moment: the spool's non-pending entries and the
   crawl state's `delivered` ids. R1 = every record B1 holds.
3. B1 is stopped: the broker is unreachable. The forwarder is restarted and runs against nothing for a while:
   no pending message entry may be marked sent/dlq (nothing unacknowledged is ever marked).
4. A fresh broker B2 (empty: Tansu keeps nothing) starts on the same port P. The forwarder reconnects by itself
   and drains the spool; it is then stopped with SIGTERM. R2 = every record B2 holds.

Because B2 starts empty, R2 is EXACTLY what the forwarder (re)sent after the restart. So:
- zero lost: R1 ∪ R2 = every expected mention id;
- zero duplicated by the spool: R2 = (message entries pending at the kill) − (mentions recorded delivered at the kill),
  i.e. nothing recorded as acknowledged is ever sent again, and no key appears twice in R1 or in R2;
- the only overlap R1 ∩ R2 is the at-least-once window (records B1 acknowledged in the killed batch before the
  process could record the ack): at most one batch, with the same keys (the downstream is idempotent by key).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from common.bus import EmbeddedBroker, free_port, parse_dead_letter, read_topic
from common.schema import mention_id
from common.settings import Settings
from crawlers.zalo.spool import Spool, spool_dir
from crawlers.zalo.webhook import WEBHOOK_PATH, create_app
from tests.crawlers.zalo.helpers import APP_ID, OA_ID, child_env, make_client, signed, text_event, wait_for, \
    zalo_fields

pytestmark = pytest.mark.integration

FORWARDER_PROC = Path(__file__).with_name("forwarder_proc.py")
BATCH = 10


def _start_forwarder(settings: Settings, log: Path):  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    config = {
        "settings": {**settings.model_dump(mode="json", include={
            "kafka_bootstrap_servers", "state_dir", "topic_raw", "topic_classified", "topic_dlq", "zalo_app_id"})},
        "batch_size": BATCH, "pause_s": 0.03, "send_timeout_s": 2.0, "backoff_max_s": 0.5, "oa_id": OA_ID,
    }
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, str(FORWARDER_PROC), json.dumps(config)],
                                env=child_env(settings), stdout=out, stderr=subprocess.STDOUT)


def _entries(settings: Settings) -> dict[int, tuple[str, str | None]]:
    """{spool id: (status, mention id of a user message or None)} read straight from the spool file."""
    db = sqlite3.connect(f"file:{spool_dir(settings.state_dir) / 'spool.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute("SELECT id, status, body FROM entries").fetchall()
    finally:
        db.close()
    result = {}
    for id_, status, body in rows:
        try:
            event = json.loads(body)
            mid = (mention_id("zalo", event["message"]["msg_id"])
                   if event.get("event_name") == "user_send_text" else None)
        except (ValueError, KeyError):
            mid = None
        result[id_] = (status, mid)
    return result


def _delivered(settings: Settings) -> set[str]:
    db = sqlite3.connect(f"file:{settings.state_dir / 'crawl.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        return {row[0] for row in db.execute("SELECT id FROM delivered")}
    finally:
        db.close()


def _keys(records: list) -> list[str]:  # type: ignore[type-arg]
    return [r.key.decode() for r in records]


def test_kill_forwarder_and_broker_mid_stream_zero_lost_zero_duplicated(tmp_path: Path) -> None:
    port = free_port()
    slug = f"recovery-{int(time.time() * 1000)}"
    topics = [f"{slug}.raw", f"{slug}.classified", f"{slug}.dlq"]
    settings = Settings(**zalo_fields(tmp_path / "state"), kafka_bootstrap_servers=f"127.0.0.1:{port}",
                        topic_raw=topics[0], topic_classified=topics[1], topic_dlq=topics[2])
    settings.pii_key()  # created once here, shared by every process
    log = tmp_path / "forwarder.log"

    # 1. events through the webhook; two malformed entries straight into the spool
    total_messages = 300
    bodies = []
    for i in range(total_messages):
        bodies.append(text_event(f"r-{i:04d}", f"Tin nhắn thứ {i}: hỏi về BHXH một lần và lương hưu"))
        if i % 50 == 0:
            bodies.append(json.dumps({"oa_id": OA_ID, "follower": {"id": f"9{i}"}, "event_name": "follow",
                                      "app_id": APP_ID, "timestamp": "1752541200000"}).encode())
    with make_client(create_app(settings)) as client:
        for body in bodies:
            body, headers = signed(body)
            assert client.post(WEBHOOK_PATH, content=body, headers=headers).status_code == 200
    with Spool(spool_dir(settings.state_dir)) as spool:
        bad = [spool.append(b'{"event_name":"user_send_text","timestamp":"nope"}'), spool.append(b"\xff\xfe")]
    expected = {mention_id("zalo", f"r-{i:04d}") for i in range(total_messages)}

    broker1 = EmbeddedBroker(port=port, topics=topics, partitions=4, log_path=tmp_path / "b1.log").start()
    try:
        # 2. kill -9 the forwarder mid-stream
        proc = _start_forwarder(settings, log)
        wait_for(lambda: sum(s == "sent" for s, _ in _entries(settings).values()) >= 100 or proc.poll() is not None,
                 60, what="a third forwarded")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        at_kill = _entries(settings)
        delivered_at_kill = _delivered(settings)
        pending_messages = {mid for status, mid in at_kill.values() if status == "pending" and mid}
        assert 0 < len(pending_messages) < total_messages - 50, "the kill was not mid-stream"
        r1 = read_topic(settings, settings.topic_raw, min_records=total_messages - len(pending_messages))
        dlq1 = read_topic(settings, settings.topic_dlq)
    finally:
        broker1.stop()

    # 3. broker down: the restarted forwarder must not mark any message or dead letter as handled
    proc = _start_forwarder(settings, log)
    try:
        time.sleep(4)
        during = _entries(settings)
        for id_, (status, mid) in at_kill.items():
            if status == "pending" and (mid is not None or id_ in bad):
                assert during[id_][0] == "pending", f"entry {id_} marked {during[id_][0]} while the broker was down"

        # 4. a fresh, empty broker on the same port: the forwarder reconnects and drains the spool
        with EmbeddedBroker(port=port, topics=topics, partitions=4, log_path=tmp_path / "b2.log"):
            wait_for(lambda: all(s != "pending" for s, _ in _entries(settings).values()), 90,
                     what="the spool drained")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()[-3000:]
            r2 = read_topic(settings, settings.topic_raw, min_records=1)
            dlq2 = read_topic(settings, settings.topic_dlq)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    keys1, keys2 = _keys(r1), _keys(r2)
    assert len(keys1) == len(set(keys1)), "a key was written twice to the first broker"
    assert len(keys2) == len(set(keys2)), "a key was written twice to the second broker"
    assert set(keys1) | set(keys2) == expected, f"lost: {len(expected - set(keys1) - set(keys2))}"
    # exactly the unacknowledged entries were (re)sent — nothing recorded as acknowledged was sent again
    assert set(keys2) == pending_messages - delivered_at_kill
    assert not set(keys2) & {mid for status, mid in at_kill.values() if status != "pending" and mid}
    # the only overlap is the killed batch: acknowledged by B1, not yet recorded
    overlap = set(keys1) & set(keys2)
    assert len(overlap) <= BATCH
    # every dead letter arrived, the malformed entries are marked dlq, follows skipped, messages sent/duplicate
    dead = {parse_dead_letter(r).source_offset for r in dlq1 + dlq2}
    assert dead == set(bad)
    final = _entries(settings)
    assert {final[i][0] for i in bad} == {"dlq"}
    assert {s for s, mid in final.values() if mid} <= {"sent", "duplicate"}
    assert sum(s == "skipped" for s, _ in final.values()) == total_messages // 50
    print(f"\nrecovery: {len(keys1)} records on broker 1, {len(keys2)} re-sent to broker 2 "
          f"(pending at kill {len(pending_messages)}, recorded delivered among them "
          f"{len(pending_messages & delivered_at_kill)}), overlap {len(overlap)}")
