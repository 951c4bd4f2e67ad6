"""The zalo-* commands: registration, zalo-forward, zalo-token, and zalo-webhook as a real process (webhook +
forwarder in one process, clean SIGTERM shutdown)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from common.bus import free_port, read_topic
from common.settings import Settings, get_settings
from crawlers.zalo.cli import register
from crawlers.zalo.send_events import post_events
from crawlers.zalo.spool import Spool, spool_dir
from crawlers.zalo.webhook import WEBHOOK_PATH
from tests.crawlers.zalo.helpers import APP_ID, OA_SECRET, ROOT, child_env, text_event, wait_for


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    app = typer.Typer()
    register(app)

    def run(settings: Settings, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        for name in list(__import__("os").environ):
            if name.startswith("CRISISWATCH_"):
                monkeypatch.delenv(name)
        for name, value in child_env(settings).items():
            if name.startswith("CRISISWATCH_"):
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args), input=input)
        finally:
            get_settings.cache_clear()

    return run


def test_register_adds_the_commands() -> None:
    app = typer.Typer()
    register(app)
    names = {command.name for command in app.registered_commands}
    assert names == {"zalo-webhook", "zalo-forward", "zalo-token", "zalo-send-events"}
    result = CliRunner().invoke(app, ["zalo-webhook", "--help"])
    assert result.exit_code == 0 and "--no-forward" in result.output


@pytest.mark.integration
def test_zalo_forward_until_empty(cli, zalo_bus_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with Spool(spool_dir(zalo_bus_settings.state_dir)) as spool:
        for i in range(3):
            spool.append(text_event(f"cli-{i}", f"Hỏi về thẻ BHYT số {i}"))
    result = cli(zalo_bus_settings, "zalo-forward", "--until-empty")
    assert result.exit_code == 0, result.output
    assert "gửi 3" in result.output and "Đã dừng bộ chuyển tiếp Zalo" in result.output
    assert len(read_topic(zalo_bus_settings, zalo_bus_settings.topic_raw, min_records=3)) == 3


def test_zalo_token_set_and_status_never_print_the_token(cli, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    result = cli(zalo_settings, "zalo-token")
    assert result.exit_code == 1 and "zalo-token --set" in result.output
    result = cli(zalo_settings, "zalo-token", "--set", input="refresh-SECRET-123\n")
    assert result.exit_code == 0, result.output
    assert "refresh-SECRET-123" not in result.output
    assert "làm mới dở dang" in result.output
    assert (zalo_settings.state_dir / "zalo-token.json").exists()


def test_zalo_webhook_without_secret_exits_with_a_clear_message(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(Settings(state_dir=tmp_path), "zalo-webhook", "--no-forward")
    assert result.exit_code == 2
    assert "zalo_oa_secret_key" in result.output


@pytest.mark.integration
def test_zalo_webhook_process_receives_forwards_and_stops_cleanly(zalo_bus_settings: Settings,
                                                                  tmp_path: Path) -> None:
    port = free_port()
    zalo_bus_settings.pii_key()
    log = tmp_path / "webhook.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.zalo.cli", "zalo-webhook", "--port", str(port)],
                                env=child_env(zalo_bus_settings, COLUMNS="200"), cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return proc.poll() is not None

        wait_for(up, 30, what="webhook up")
        assert proc.poll() is None, log.read_text()
        statuses = post_events(f"{url}{WEBHOOK_PATH}", APP_ID, OA_SECRET)
        assert set(statuses) == {200}
        texts = 15  # 14 text messages + the image with a caption
        wait_for(lambda: httpx.get(f"{url}/health").json()["forwarder"]["sent"] == texts, 30, what="forwarded")
        health = httpx.get(f"{url}/health").json()
        assert health["spool"]["pending"] == 0 and health["spool"]["skipped"] == 4
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert "Đã dừng webhook Zalo" in output and OA_SECRET not in output
    assert len(read_topic(zalo_bus_settings, zalo_bus_settings.topic_raw, min_records=texts)) == texts
