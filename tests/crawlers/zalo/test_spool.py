"""The durable spool: API, corruption detection, torn-record repair after a crash, one writer + one reader
process at the same time, and kill -9 of the webhook process mid-stream."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from common.bus import free_port
from common.settings import Settings
from crawlers.zalo.spool import Spool, check_wal_tail, spool_dir
from crawlers.zalo.webhook import WEBHOOK_PATH
from tests.crawlers.zalo.helpers import ROOT, child_env, signed, text_event, wait_for


def test_append_pending_mark(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool") as spool:
        when = datetime(2025, 7, 15, 1, 0, tzinfo=UTC)
        ids = [spool.append(f"body {i}".encode(), when) for i in range(5)]
        assert ids == sorted(ids)
        pending = spool.pending(3)
        assert [e.id for e in pending] == ids[:3]
        assert pending[0].body == b"body 0" and pending[0].received_at == when and not pending[0].corrupt
        assert "body 0" not in repr(pending[0])  # raw bodies hold personal data: never in reprs / logs
        assert spool.mark_sent(ids[:2]) == 2
        assert spool.mark_sent(ids[:2]) == 0  # only pending entries change
        assert spool.mark([ids[2]], "skipped", "follow") == 1
        assert [e.id for e in spool.pending(10)] == ids[3:]
        assert spool.counts() == {"pending": 2, "sent": 2, "dlq": 0, "skipped": 1, "duplicate": 0}
        with pytest.raises(ValueError):
            spool.mark(ids, "pending")
    assert oct(os.stat(tmp_path / "spool" / "spool.sqlite").st_mode & 0o777) == "0o600"


def test_prune_keeps_pending_entries(tmp_path: Path) -> None:
    with Spool(tmp_path / "spool") as spool:
        old = datetime.now(UTC) - timedelta(days=30)
        sent, pending = spool.append(b"a", old), spool.append(b"b", old)
        fresh = spool.append(b"c")
        spool.mark_sent([sent, fresh])
        assert spool.prune(timedelta(days=7)) == 1
        assert spool.statuses() == {pending: "pending", fresh: "sent"}


def test_corrupted_body_is_flagged_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Spool(tmp_path / "spool") as spool:
        good, bad = spool.append(b'{"ok":1}'), spool.append(b'{"ok":2}')
    db = sqlite3.connect(tmp_path / "spool" / "spool.sqlite")
    db.execute("UPDATE entries SET body = ? WHERE id = ?", (b'{"ok":3}', bad))
    db.commit()
    db.close()
    with Spool(tmp_path / "spool") as spool, caplog.at_level(logging.ERROR):
        entries = {e.id: e for e in spool.pending(10)}
    assert not entries[good].corrupt and entries[bad].corrupt
    assert f"entry {bad}: body does not match its CRC" in caplog.text


_CRASHING_WRITER = """
import os, sys
from pathlib import Path
from crawlers.zalo.spool import Spool
spool = Spool(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    spool.append(('{"n": %d, "pad": "%s"}' % (i, "x" * 300)).encode())
os._exit(0)  # a crash: no close, no checkpoint; everything is still in the write-ahead log
"""


@pytest.mark.parametrize("damage", ["truncate_last_frame", "garbage_tail"])
def test_torn_last_record_is_detected_and_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                  damage: str) -> None:
    directory = tmp_path / "spool"
    subprocess.run([sys.executable, "-c", _CRASHING_WRITER, str(directory), "20"], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wal = directory / "spool.sqlite-wal"
    size = wal.stat().st_size
    assert size > 0 and check_wal_tail(directory / "spool.sqlite") == 0
    with open(wal, "r+b") as handle:
        if damage == "truncate_last_frame":  # power lost in the middle of the last append's fsync
            handle.truncate(size - 700)
        else:  # a torn write left half a frame of garbage after the last commit
            handle.seek(size)
            handle.write(os.urandom(1500))
    assert check_wal_tail(directory / "spool.sqlite") > 0
    with caplog.at_level(logging.WARNING), Spool(directory) as spool:
        numbers = [json.loads(e.body)["n"] for e in spool.pending(100)]
        new_id = spool.append(b'{"n": "after"}')  # and the spool keeps working
        assert spool.pending(100)[-1].id == new_id
    assert "torn record at the end of the write-ahead log" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING), Spool(directory) as spool:  # repaired: no warning, nothing lost
        assert len(spool.pending(100)) == len(numbers) + 1
    assert "torn record" not in caplog.text and check_wal_tail(directory / "spool.sqlite") == 0
    if damage == "truncate_last_frame":
        assert numbers == list(range(19))  # the torn (never acknowledged) last append is gone, nothing else
    else:
        assert numbers == list(range(20))


_WRITER = """
import sys, time
from pathlib import Path
from crawlers.zalo.spool import Spool
spool = Spool(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    spool.append(b'{"n": %d}' % i)
spool.close()
"""


def test_one_writer_and_one_reader_process_at_the_same_time(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    Spool(directory).close()
    total = 400
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(directory), str(total)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    seen: list[int] = []
    with Spool(directory) as reader:
        deadline = time.monotonic() + 60
        while len(seen) < total and time.monotonic() < deadline:
            batch = reader.pending(25)
            seen.extend(json.loads(e.body)["n"] for e in batch)
            assert reader.mark_sent([e.id for e in batch]) == len(batch)
            if not batch:
                time.sleep(0.01)
        assert writer.wait(30) == 0
        assert sorted(seen) == list(range(total))  # each exactly once, none lost
        assert reader.counts()["sent"] == total and reader.pending_count() == 0


# -- kill -9 of the webhook process -------------------------------------------------------------------------------


def _start_webhook(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = child_env(settings, CRISISWATCH_ZALO_WEBHOOK_PORT=str(port))
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "crawlers.zalo.webhook:app_from_env", "--host",
             "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    wait_for(lambda: _healthy(port) or proc.poll() is not None, 20, what="webhook up")
    assert proc.poll() is None, log.read_text()
    return proc


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_kill_9_mid_stream_loses_no_acknowledged_event(zalo_settings: Settings, tmp_path: Path) -> None:
    """Events are posted by 8 concurrent clients; the webhook process is SIGKILLed while requests are in flight.
    Every event that got a 200 must be in the spool after a restart (the others were never acknowledged: Zalo
    sends them again, which we simulate)."""
    port = free_port()
    log = tmp_path / "webhook.log"
    proc = _start_webhook(zalo_settings, port, log)
    total = 600
    events = {f"k9-{i}": signed(text_event(f"k9-{i}", f"Tin nhắn số {i} gửi BHXH")) for i in range(total)}
    acknowledged: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()

    client = httpx.Client(timeout=5, limits=httpx.Limits(max_connections=8))

    def post(msg_id: str) -> None:
        body, headers = events[msg_id]
        try:
            response = client.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", content=body, headers=headers)
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            with lock:
                acknowledged.add(msg_id)
                if len(acknowledged) >= 150 and not killed.is_set():
                    killed.set()
                    os.kill(proc.pid, signal.SIGKILL)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, events))
    client.close()
    proc.wait(10)
    assert killed.is_set() and proc.returncode == -signal.SIGKILL
    assert 150 <= len(acknowledged) < total  # the kill happened mid-stream

    # restart: everything acknowledged is there
    proc = _start_webhook(zalo_settings, port, log)
    try:
        with Spool(spool_dir(zalo_settings.state_dir)) as spool:
            stored = {json.loads(e.body)["message"]["msg_id"] for e in spool.pending(10_000)}
        assert acknowledged <= stored, f"lost {len(acknowledged - stored)} acknowledged event(s)"
        # Zalo retries what was not acknowledged; afterwards every event is in the spool
        with httpx.Client(timeout=5) as client:
            for msg_id in sorted(set(events) - acknowledged):
                body, headers = events[msg_id]
                assert client.post(f"http://127.0.0.1:{port}{WEBHOOK_PATH}", content=body,
                                   headers=headers).status_code == 200
        with Spool(spool_dir(zalo_settings.state_dir)) as spool:
            stored = {json.loads(e.body)["message"]["msg_id"] for e in spool.pending(10_000)}
        assert stored == set(events)
    finally:
        proc.terminate()
        proc.wait(10)
