"""The `crisiswatch` command as a user runs it: a real process, real broker, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from common.bus import EmbeddedBroker, free_port, list_topics, port_is_free
from common.settings import Settings
from tests.support import wait_for


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")}
    env["CRISISWATCH_STATE_DIR"] = str(tmp_path / "state")
    env["CRISISWATCH_PII_HASH_KEY"] = "test-key"
    env.update({f"CRISISWATCH_{k.upper()}": v for k, v in settings.items()})
    return env


def crisiswatch(*args: str, env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crisiswatch", *args], env=env, input=stdin,
                          capture_output=True, timeout=120)


def tansu_children(pid: int) -> list[int]:
    return children_of(pid, "tansu")


def children_of(pid: int, pattern: str = ".") -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid), "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_until(predicate, timeout: float = 30.0) -> bool:
    try:
        return bool(wait_for(predicate, timeout, interval=0.1))
    except AssertionError:
        return False


def test_settings_shows_environment_but_never_secrets(tmp_path):
    result = crisiswatch("settings", "--json", env=cli_env(
        tmp_path, elasticsearch_password="es-secret-1", database_url="postgresql://u:pg-secret-2@db/x",
        topic_raw="bhxh.raw"))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["topic_raw"] == "bhxh.raw"
    assert b"es-secret-1" not in result.stdout and b"pg-secret-2" not in result.stdout


def test_bad_setting_is_a_clear_error_not_a_traceback(tmp_path):
    result = crisiswatch("settings", env=cli_env(tmp_path, broker_port="not-a-port"))
    assert result.returncode == 2
    assert b"broker_port" in result.stderr and b"Traceback" not in result.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_starts_the_embedded_broker_and_stops_cleanly(tmp_path, stop_signal):
    port = free_port("127.0.0.1")
    env = cli_env(tmp_path, broker_port=str(port), topic_partitions="2")
    proc = subprocess.Popen([sys.executable, "-m", "crisiswatch", "run"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        settings = Settings(kafka_bootstrap_servers=f"127.0.0.1:{port}")
        assert wait_until(lambda: not port_is_free("127.0.0.1", port)), "broker never opened its port"
        assert wait_until(lambda: {"mentions.raw", "mentions.classified", "mentions.dlq"} <= set(
            _safe_topics(settings)))
        assert list_topics(settings)["mentions.raw"] == 2
        assert tansu_children(proc.pid), "the broker should be a child of `crisiswatch run`"
        assert wait_until(lambda: bool(children_of(proc.pid, "crisiswatch crawl"))), "the crawler should run"
        children = children_of(proc.pid)
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert "Broker nhúng" in out.decode() and "Đã dừng" in out.decode()
    assert port_is_free("127.0.0.1", port)
    assert not any(Path(f"/proc/{child}").exists() for child in children)


def _safe_topics(settings: Settings) -> list[str]:
    try:
        return list(list_topics(settings))
    except Exception:
        return []


def test_broker_dies_with_the_cli_even_on_kill_9(tmp_path):
    port = free_port("127.0.0.1")
    proc = subprocess.Popen([sys.executable, "-m", "crisiswatch", "broker"], env=cli_env(
        tmp_path, broker_port=str(port)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: not port_is_free("127.0.0.1", port))
        assert wait_until(lambda: bool(tansu_children(proc.pid)))
        children = tansu_children(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert wait_until(lambda: not any(Path(f"/proc/{c}").exists() for c in children), timeout=10)
    assert wait_until(lambda: port_is_free("127.0.0.1", port), timeout=10)


def test_topics_create_list_and_lag_against_a_running_broker(tmp_path, kafka_broker: EmbeddedBroker):
    env = cli_env(tmp_path, kafka_bootstrap_servers=kafka_broker.bootstrap_servers,
                  topic_raw="cli-raw", topic_classified="cli-classified", topic_dlq="cli-dlq")
    created = crisiswatch("topics", "create", env=env)
    assert created.returncode == 0, created.stderr
    listed = crisiswatch("topics", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    for topic in (b"cli-raw", b"cli-classified", b"cli-dlq"):
        assert topic in listed.stdout
    lag = crisiswatch("topics", "lag", env=env)
    assert lag.returncode == 0, lag.stderr


def test_inspect_shows_what_the_pipeline_does(tmp_path):
    text = "Mn ơi BHXH tp HCM khum trả lương hưu, gọi 0912 345 678 ko ai nghe 😡"
    result = crisiswatch("inspect", text, "Hôm nay trời đẹp quá", env=cli_env(tmp_path))
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert "0912" not in first["masked"] and "345 678" not in first["masked"]
    assert "[SĐT#" in first["masked"] and "😡" in first["masked"]
    assert "bảo hiểm xã hội" in first["normalized"] and "không" in first["normalized"]
    assert first["folded"] == first["folded"].encode("ascii", "ignore").decode() or "😡" in first["folded"]
    assert first["province_new"] == "TP. Hồ Chí Minh" and first["watchlist"] is True
    assert second["watchlist"] is False and second["province"] is None


def test_inspect_reads_jsonl_and_reports_bad_lines_without_stopping(tmp_path):
    stdin = b"\n".join([
        json.dumps({"id": "a", "text": "Rút bhxh 1 lần ở Bình Dương mất bao lâu?"}, ensure_ascii=False).encode(),
        b'{"text": "broken json',
        b'{"text": "L\xffi UTF-8"}',
        b'{"no_text": 1}',
        json.dumps({"text": "BAO HIEM XA HOI TINH NGHE AN"}).encode(),
    ])
    result = crisiswatch("inspect", env=cli_env(tmp_path), stdin=stdin)
    assert result.returncode == 1  # some lines were bad
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["province_new"] for r in rows] == ["TP. Hồ Chí Minh", "Nghệ An"]
    assert all(r["watchlist"] for r in rows)
    errors = result.stderr.decode()
    for line_number in ("line 2", "line 3", "line 4"):
        assert line_number in errors
