"""The embedded broker: starts with its topics, serves clients, stops cleanly, never outlives its parent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common.bus import BrokerError, BusProducer, EmbeddedBroker, list_topics, port_is_free, read_topic
from common.settings import Settings

from .helpers import wait_for


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_start_serves_topics_and_stop_frees_the_port(tmp_path: Path) -> None:
    log_path = tmp_path / "tansu.log"
    with EmbeddedBroker(topics=["a.raw", "a.dlq"], partitions=3, log_path=log_path) as broker:
        pid, port = broker.pid, broker.port
        assert pid is not None and _alive(pid)
        assert broker.bootstrap_servers == f"127.0.0.1:{port}"
        settings = Settings(kafka_bootstrap_servers=broker.bootstrap_servers, state_dir=tmp_path)
        assert list_topics(settings) == {"a.dlq": 3, "a.raw": 3}
        with BusProducer(settings) as producer:
            producer.send("a.raw", "k", "xin chào".encode())
        [record] = read_topic(settings, "a.raw")
        assert (record.key, record.value.decode()) == (b"k", "xin chào")
        assert not port_is_free("127.0.0.1", port)
    assert not broker.running
    assert not _alive(pid)
    assert port_is_free("127.0.0.1", port)
    assert "listening on" in log_path.read_text()
    broker.stop()  # idempotent


def test_taken_port_is_reported_by_number(kafka_broker: EmbeddedBroker) -> None:
    with pytest.raises(BrokerError, match=rf"port {kafka_broker.port} .*already in use"):
        EmbeddedBroker(port=kafka_broker.port).start()
    with socket.socket() as sock:  # a port some other program listens on
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(BrokerError, match=rf"port {port} .*already in use"):
            EmbeddedBroker(port=port).start()


def test_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(BrokerError, match="missing or not executable"):
        EmbeddedBroker(binary=str(tmp_path / "no-tansu")).start()
    monkeypatch.setenv("CALF_TANSU_BIN", str(tmp_path / "no-tansu"))
    with pytest.raises(BrokerError, match="tansu broker binary not found"):
        EmbeddedBroker().start()


def test_broker_dies_with_its_parent_even_on_kill_9() -> None:
    child_code = textwrap.dedent("""
        import sys, time
        from common.bus import EmbeddedBroker
        broker = EmbeddedBroker(topics=["t"]).start()
        print(broker.pid, broker.port, flush=True)
        time.sleep(120)
    """)
    child = subprocess.Popen([sys.executable, "-c", child_code], stdout=subprocess.PIPE, text=True)
    try:
        broker_pid, port = map(int, child.stdout.readline().split())  # type: ignore[union-attr]
        assert _alive(broker_pid) and not port_is_free("127.0.0.1", port)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        wait_for(lambda: not _alive(broker_pid), timeout=5, what="the orphaned broker to die")
        wait_for(lambda: port_is_free("127.0.0.1", port), timeout=5, what="the port to be freed")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
