"""The Zalo OA channel against a local server replaying recorded Zalo answers (recordings/zalo/)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from alerting.notify.channels import build_channels
from alerting.notify.messages import ZALO_MAX_CHARS, build_notification
from alerting.notify.retry import DeliveryStatus
from alerting.notify.zalo import SEND_PATH, ZaloChannel
from common.settings import Settings
from tests.alerting.notify.samples import make_update

RECORDINGS = Path(__file__).parent / "recordings" / "zalo"
TOKEN = "oa-access-token-for-tests"
OFFICER = "5812340918273645099"


@dataclass
class Replay:
    recording: str = "send-success.json"
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def zalo() -> Iterator[tuple[Replay, str]]:
    state = Replay()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - stdlib hook
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
            payload = (RECORDINGS / state.recording).read_bytes()
            kind = "text/html" if state.recording.endswith(".html") else "application/json"
            self.send_response(state.status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send(base_url: str, update=None):
    notification = build_notification(update or make_update(), 7, "https://cw.bhxh.example")
    return ZaloChannel(base_url, TOKEN, OFFICER, timeout_s=5).send(notification)


def test_success_sends_the_short_text_to_the_duty_officer(zalo) -> None:
    state, base = zalo
    delivery = send(base)
    assert delivery.status is DeliveryStatus.sent
    assert delivery.detail == "message_id=a3b9c1d2e4f5061728394a5b6c7d8e9f"
    (request,) = state.requests
    assert request["path"] == SEND_PATH == "/v3.0/oa/message/cs"
    assert request["headers"]["access_token"] == TOKEN
    assert request["json"]["recipient"] == {"user_id": OFFICER}
    text = request["json"]["message"]["text"]
    assert text.startswith("⚠ Cảnh báo mới [Nghiêm trọng]") and len(text) <= ZALO_MAX_CHARS
    assert text.endswith("https://cw.bhxh.example/alerts/7")


@pytest.mark.parametrize(("recording", "expected"), [
    ("error-invalid-token.json", "lỗi -216 (Access token is invalid): access token không hợp lệ"),
    ("error-not-follower.json", "lỗi -213 (User has not followed OA): cán bộ trực chưa quan tâm (follow) OA"),
    ("error-interaction-expired.json", "lỗi -230 (User has not interacted with the OA in the past 7 days)"),
])
def test_permanent_zalo_errors(zalo, recording: str, expected: str) -> None:
    state, base = zalo
    state.recording = recording
    delivery = send(base)
    assert delivery.status is DeliveryStatus.permanent_failure
    assert delivery.error.startswith("Zalo OA: ") and expected in delivery.error


def test_rate_limit_is_retried_after_a_minute(zalo) -> None:
    state, base = zalo
    state.recording = "error-rate-limit.json"
    delivery = send(base)
    assert delivery.status is DeliveryStatus.retry and delivery.after == timedelta(minutes=1)
    assert "lỗi -32" in delivery.error


def test_gateway_error_is_retried(zalo) -> None:
    state, base = zalo
    state.recording, state.status = "gateway-502.html", 502
    delivery = send(base)
    assert delivery.status is DeliveryStatus.retry and delivery.after is None and "HTTP 502" in delivery.error


def test_build_channels_wires_zalo_from_settings(zalo, tmp_path: Path) -> None:
    state, base = zalo
    settings = Settings(state_dir=tmp_path, zalo_openapi_url=base, zalo_oa_access_token=TOKEN,
                        zalo_duty_officer_user_id=OFFICER)
    channels = build_channels(settings)
    assert list(channels) == ["zalo"]
    notification = build_notification(make_update(), 7, settings.dashboard_base_url)
    assert channels["zalo"].send(notification).ok
    assert state.requests[0]["headers"]["access_token"] == TOKEN
    assert TOKEN not in repr(channels["zalo"])
