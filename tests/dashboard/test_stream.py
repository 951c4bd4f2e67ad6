"""The live board's SSE stream, over a real HTTP server (uvicorn): a newly stored alert reaches a connected
browser as an escaped row, and an alert that leaves the board is removed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from common.bus import free_port
from common.settings import Settings
from dashboard.app import create_app
from tests.dashboard.conftest import HOSTILE, PASSWORD, csrf_token, episode


@pytest.fixture
def server(settings: Settings, engine, users) -> Iterator[str]:
    app = create_app(settings, engine=engine, stream_poll_s=0.1, stream_max_s=30)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    ready = threading.Event()
    while not instance.started and thread.is_alive():
        ready.wait(0.02)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def _events(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name:
            yield name, json.loads(line[6:])
            name = None


def test_stream_delivers_a_new_alert_and_its_removal(server: str, alerts) -> None:
    existing = alerts.apply(episode(rule="existing", score=50)).alert
    with httpx.Client(base_url=server, timeout=15) as client:
        token = csrf_token(client.get("/login").text)
        client.post("/login", data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
        with client.stream("GET", "/alerts/stream") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _events(response)
            name, data = next(events)  # the snapshot: every row, then the id list
            assert name == "upsert" and data["id"] == existing.id and data["severity"] == "medium"
            name, data = next(events)
            assert (name, data) == ("sync", {"ids": [existing.id]})

            new = alerts.apply(episode(rule="new-critical", score=95, title=HOSTILE)).alert
            name, data = next(events)
            assert name == "upsert" and data["id"] == new.id and data["severity"] == "critical"
            assert "&lt;script&gt;" in data["html"] and "<script>" not in data["html"]
            assert f'id="alert-{new.id}"' in data["html"]

            alerts.resolve_manually(new.id, "admin1")
            assert next(events) == ("remove", {"ids": [new.id]})
