"""The webhook channel against a local HTTP receiver that checks signatures with `verify_signature`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from alerting.notify.messages import build_notification
from alerting.notify.retry import DeliveryStatus
from alerting.notify.webhook import WebhookChannel, sign, verify_signature
from tests.alerting.notify.samples import make_update

SECRET = "bí-mật-chung-32-ký-tự-ngẫu-nhiên"


@dataclass
class Receiver:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # the handler waits for it (a receiver that hangs)
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - stdlib hook
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.hold is not None:
                state.hold.wait(10)
            ok = verify_signature(SECRET, self.headers.get("X-Crisiswatch-Timestamp"), body,
                                  self.headers.get("X-Crisiswatch-Signature"), tolerance=300)
            if not ok:
                state.rejected += 1
                self._reply(401, b'{"error":"bad signature"}')
                return
            state.received.append({"headers": dict(self.headers), "json": json.loads(body)})
            self._reply(state.status, b"chi tiet loi" if state.status >= 300 else b"{}")

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the client that timed out closed the connection: expected

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/crisiswatch"
    finally:
        if state.hold is not None:
            state.hold.set()
        server.shutdown()
        server.server_close()


def notification():
    return build_notification(make_update(), 7, "https://cw.bhxh.example", notification_id="n42")


def test_signed_delivery_is_verified_by_the_receiver(receiver) -> None:
    state, url = receiver
    delivery = WebhookChannel(url, SECRET, timeout_s=5).send(notification())
    assert delivery.status is DeliveryStatus.sent, delivery.error
    (request,) = state.received
    assert request["headers"]["X-Crisiswatch-Delivery"] == "n42"
    assert request["headers"]["X-Crisiswatch-Signature"].startswith("sha256=")
    payload = request["json"]
    assert payload["alert_id"] == "7" and payload["event"] == "opened" and payload["severity"] == "critical"
    assert payload["title"] == "Tin đồn 'cấm rút BHXH một lần' lan nhanh (42 bài/giờ)"
    assert payload["url"] == "https://cw.bhxh.example/alerts/7"


def test_wrong_secret_is_rejected_by_the_receiver_and_is_permanent(receiver) -> None:
    state, url = receiver
    delivery = WebhookChannel(url, "khóa-sai", timeout_s=5).send(notification())
    assert state.rejected == 1 and not state.received
    assert delivery.status is DeliveryStatus.permanent_failure and "HTTP 401" in delivery.error


def test_verify_signature_rejects_tampering_and_replays() -> None:
    body = b'{"alert_id":"7","title":"Tin \xc4\x91\xe1\xbb\x93n"}'
    now = time.time()
    timestamp = str(int(now))
    signature = sign(SECRET, timestamp, body)
    assert verify_signature(SECRET, timestamp, body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, body.replace(b"7", b"8"), signature, now=now)  # tampered body
    assert not verify_signature(SECRET, str(int(now) - 1), body, signature, now=now)  # tampered timestamp
    assert not verify_signature(SECRET, timestamp, body, signature, tolerance=300, now=now + 301)  # replay
    assert not verify_signature(SECRET, None, body, signature)
    assert not verify_signature(SECRET, "abc", body, signature)


def test_server_error_is_retried_with_retry_after(receiver) -> None:
    state, url = receiver
    state.status, state.headers = 503, {"Retry-After": "120"}
    delivery = WebhookChannel(url, SECRET, timeout_s=5).send(notification())
    assert delivery.status is DeliveryStatus.retry
    assert delivery.after == timedelta(seconds=120) and "HTTP 503 chi tiet loi" in delivery.error


def test_500_is_retried_and_400_is_permanent(receiver) -> None:
    state, url = receiver
    state.status = 500
    assert WebhookChannel(url, SECRET, timeout_s=5).send(notification()).status is DeliveryStatus.retry
    state.status = 400
    delivery = WebhookChannel(url, SECRET, timeout_s=5).send(notification())
    assert delivery.status is DeliveryStatus.permanent_failure and "HTTP 400" in delivery.error


def test_a_hanging_receiver_times_out_into_a_retry(receiver) -> None:
    state, url = receiver
    state.hold = threading.Event()
    delivery = WebhookChannel(url, SECRET, timeout_s=0.2).send(notification())
    state.hold.set()
    assert delivery.status is DeliveryStatus.retry and "quá thời gian chờ 0.2s" in delivery.error


def test_nothing_listening_is_retried() -> None:
    delivery = WebhookChannel("http://127.0.0.1:9/hook", SECRET, timeout_s=2).send(notification())
    assert delivery.status is DeliveryStatus.retry and "không kết nối được" in delivery.error
