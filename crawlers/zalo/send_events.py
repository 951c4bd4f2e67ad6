"""POST the recorded Zalo webhook events (crawlers/recordings/zalo/webhook/) to a running webhook, signed the way
Zalo signs them. Used by the demo timeline and the tests.

By default each event is re-timed to the moment it is sent (``timestamp`` = now, in ms) and its ``app_id`` is set to
the configured one, so the webhook (which checks the signature with `zalo_app_id`) accepts it; the body is
re-serialized compactly (UTF-8) and signed after those changes. ``msg_id``s are unchanged: sending the timeline
twice produces the same mentions (idempotent by mention id).

    python -m crawlers.zalo.send_events [--url http://127.0.0.1:8085/zalo/webhook] [--speed 10] [--keep-times]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from crawlers.zalo import signature

WEBHOOK_RECORDINGS = Path(__file__).resolve().parent.parent / "recordings" / "zalo" / "webhook"


@dataclass(frozen=True)
class RecordedEvent:
    name: str
    body: bytes
    release_s: float = 0.0


def load_events(directory: Path = WEBHOOK_RECORDINGS) -> list[RecordedEvent]:
    """The events of `timeline.yaml` in its order (or every *.json by name when there is no timeline)."""
    timeline = directory / "timeline.yaml"
    if timeline.exists():
        rows = yaml.safe_load(timeline.read_text(encoding="utf-8")) or []
        return [RecordedEvent(row["file"], (directory / row["file"]).read_bytes(), float(row.get("release_s", 0)))
                for row in rows]
    return [RecordedEvent(path.name, path.read_bytes()) for path in sorted(directory.glob("*.json"))]


def prepare(body: bytes, *, app_id: str | None = None, timestamp_ms: int | None = None) -> tuple[bytes, str]:
    """(body to send, its timestamp). With no change asked for, the recorded bytes are sent as they are."""
    data = json.loads(body)
    if app_id is None and timestamp_ms is None:
        return body, str(data["timestamp"])
    if app_id is not None:
        data["app_id"] = app_id
    if timestamp_ms is not None:
        data["timestamp"] = str(timestamp_ms)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), str(data["timestamp"])


def signed_request(body: bytes, app_id: str, oa_secret_key: str, timestamp: str) -> dict[str, str]:
    return {"Content-Type": "application/json", signature.HEADER:
            signature.signature_header(app_id, body, timestamp, oa_secret_key)}


def post_events(
    url: str,
    app_id: str,
    oa_secret_key: str,
    events: Iterable[RecordedEvent] | None = None,
    *,
    speed: float | None = None,
    retime: bool = True,
    client: httpx.Client | None = None,
    on_sent: Callable[[RecordedEvent, httpx.Response], None] | None = None,
) -> list[int]:
    """POST each event (signed). With `speed`, wait for each event's ``release_s`` / speed (timeline); without,
    send them back to back. Returns the HTTP status of each."""
    events = list(load_events() if events is None else events)
    own = client is None
    http = client or httpx.Client(timeout=10.0)
    started = time.monotonic()
    statuses = []
    try:
        for event in events:
            if speed:
                delay = event.release_s / speed - (time.monotonic() - started)
                if delay > 0:
                    time.sleep(delay)
            body, stamp = prepare(event.body, app_id=app_id,
                                  timestamp_ms=int(time.time() * 1000) if retime else None)
            response = http.post(url, content=body, headers=signed_request(body, app_id, oa_secret_key, stamp))
            statuses.append(response.status_code)
            if on_sent is not None:
                on_sent(event, response)
    finally:
        if own:
            http.close()
    return statuses


def main(argv: list[str] | None = None) -> int:
    from common.settings import get_settings
    from crawlers.zalo.webhook import WEBHOOK_PATH

    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=f"http://{settings.zalo_webhook_host}:{settings.zalo_webhook_port}"
                                         f"{WEBHOOK_PATH}")
    parser.add_argument("--speed", type=float, default=None, help="follow timeline.yaml at this speed")
    parser.add_argument("--keep-times", action="store_true", help="send the recorded timestamps")
    args = parser.parse_args(argv)
    if settings.zalo_oa_secret_key is None or not settings.zalo_app_id:
        parser.error("zalo_app_id and zalo_oa_secret_key must be set (CRISISWATCH_ZALO_APP_ID, "
                     "CRISISWATCH_ZALO_OA_SECRET_KEY)")

    def show(event: RecordedEvent, response: httpx.Response) -> None:
        print(f"{response.status_code} {event.name}")

    statuses = post_events(args.url, settings.zalo_app_id, settings.zalo_oa_secret_key.get_secret_value(),
                           speed=args.speed, retime=not args.keep_times, on_sent=show)
    return 0 if all(status == 200 for status in statuses) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
