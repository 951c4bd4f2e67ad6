"""The `crisiswatch` command as a user runs it: a real process, real broker, real signals."""

from __future__ import annotations

import json
import os
import re
import urllib.request
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from common.bus.status import read_statuses
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
def test_run_starts_the_embedded_broker_and_stops_cleanly(tmp_path, stop_signal, tiny_artifact, tiny_base_dir):
    port, dashboard_port = free_port("127.0.0.1"), free_port("127.0.0.1")
    artifact_dir, _ = tiny_artifact  # a small trained model, so the classifier child starts in a second or two
    env = cli_env(tmp_path, broker_port=str(port), topic_partitions="2", classifier_artifact_dir=str(artifact_dir),
                  classifier_base_dir=str(tiny_base_dir), dashboard_port=str(dashboard_port),
                  database_url=f"sqlite:///{tmp_path / 'state' / 'crisiswatch.db'}")
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
        classifier = children_of(proc.pid, "crisiswatch classifier")
        assert classifier, "the classifier worker should run"
        # It loaded the model and joined its group (its status file is what the live view shows).
        assert wait_until(lambda: [s for s in read_statuses(Settings(state_dir=tmp_path / "state"), "classifier")
                                   if s["pid"] == classifier[0] and s["model_version"]]), "classifier never started"
        for stage in ("indexer", "alerting", "serve"):
            assert children_of(proc.pid, f"crisiswatch {stage}"), f"`crisiswatch {stage}` should run"
        assert wait_until(lambda: _get(f"http://127.0.0.1:{dashboard_port}/healthz") == 200), "no dashboard"
        children = children_of(proc.pid)
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert "Broker nhúng" in out.decode() and "Đã dừng" in out.decode()
    assert "classifier: pid" in out.decode() and "Tiến trình" in out.decode()
    # the URL and a one-run password for the demo administrator (no default password ships)
    assert f"Bảng điều khiển: http://127.0.0.1:{dashboard_port}/" in out.decode()
    assert re.search(r"tài khoản demo, mật khẩu \S{12,}", out.decode())
    assert port_is_free("127.0.0.1", port)
    assert not any(Path(f"/proc/{child}").exists() for child in children)


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return None


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


def test_run_without_a_trained_model_warns_and_runs_the_rest(tmp_path):
    from rich.console import Console

    from crisiswatch.stack import EmbeddedStack

    settings = Settings(state_dir=tmp_path / "state", classifier_artifact_dir=tmp_path / "no-model")
    console = Console(record=True, width=200)
    stack = EmbeddedStack(settings, console)
    stack._start_classifier(dict(os.environ))
    assert stack.children == []
    text = console.export_text()
    assert "Bộ phân loại không chạy" in text and "crisiswatch train" in text


def test_the_live_view_shows_each_stage_process_and_the_classifier_progress(tmp_path):
    from rich.console import Console

    from common.bus.status import write_status
    from crisiswatch.stack import ChildProcess, EmbeddedStack

    settings = Settings(state_dir=tmp_path / "state")
    console = Console(record=True, width=250)
    stack = EmbeddedStack(settings, console)
    env = {**os.environ, "CRISISWATCH_STATE_DIR": str(settings.state_dir)}
    # Stand-ins: a process that runs until SIGTERM plays the classifier, a bad command a crashed crawler.
    running = ChildProcess("classifier", ["replay", "--port", "0"], env, tmp_path / "logs" / "classifier.log")
    stopped = ChildProcess("crawl", ["no-such-command"], env, tmp_path / "logs" / "crawl.log")
    stack.children = [running, stopped]
    try:
        stopped.proc.wait(30)
        console.print(stack._processes_table())
        write_status(settings, "classifier", {"worker_id": "w1", "pid": running.proc.pid, "model_version": "cw-test-1",
                                "processed": 1234, "dead_lettered": 5, "rate": 88.0,
                                "assignment": ["mentions.raw[0]", "mentions.raw[1]"]})
        console.print(stack._processes_table())
    finally:
        for child in stack.children:
            child.stop()
    text = console.export_text()
    assert running.proc.returncode == 0  # stopped with SIGTERM, cleanly
    assert "đang tải mô hình" in text
    assert "cw-test-1" in text and "1,234" in text and "(88/s)" in text and "DLQ 5" in text
    assert "partition mentions.raw[0,1]" in text
    assert "đã dừng (mã 2)" in text and "crawl.log" in text
