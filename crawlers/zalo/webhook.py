"""The Zalo OA webhook receiver: a small FastAPI (ASGI) app.

``POST /zalo/webhook``, in this order:

1. body larger than 1 MiB (``Content-Length`` or streamed) → 400 ``body_too_large``;
2. ``X-ZEvent-Signature`` missing or not ``mac=<64 hex>`` → 401;
3. body not UTF-8 / not JSON / not an object / no valid ``timestamp`` → 400 (these are needed to check the signature);
4. signature mismatch → 401 ``invalid_signature`` (constant-time comparison over the RAW body);
5. event fields missing or of the wrong type → 400 with the JSON path;
6. the raw body is appended to the durable spool (fsync'd; concurrent requests share one fsync, group commit) and
   only then 200 is answered. A spool failure (disk full…) answers 503 so that Zalo delivers the event again.

Every accepted event is stored, including our own ``oa_send_*`` echo, follow/unfollow and stickers: the forwarder
decides what becomes a mention and counts the rest. ``GET /health`` reports the spool and the counters.
The webhook does no other work on the request path, so it answers in milliseconds (Zalo wants < 2 s).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from common.settings import Settings, get_settings
from crawlers.zalo import signature
from crawlers.zalo.events import EventError, decode_body, parse_event, timestamp_text
from crawlers.zalo.spool import Spool

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 1_048_576


class WebhookConfigError(ValueError):
    """The webhook cannot run with these settings (no OA secret key to check signatures)."""


@dataclass
class WebhookStats:
    received: int = 0
    accepted: int = 0
    rejected_signature: int = 0
    rejected_malformed: int = 0
    spool_errors: int = 0
    probes: int = 0
    events: Counter[str] = field(default_factory=Counter)  # accepted, by event name
    kinds: Counter[str] = field(default_factory=Counter)  # accepted, by kind (message, echo, follow…)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "accepted": self.accepted,
                "rejected_signature": self.rejected_signature, "rejected_malformed": self.rejected_malformed,
                "spool_errors": self.spool_errors, "probes": self.probes, "events": dict(self.events),
                "kinds": dict(self.kinds), "started_at": self.started_at.isoformat()}


class GroupCommit:
    """Appends from concurrent requests are batched into one spool transaction (one fsync) while the previous one
    is being written. Each request still waits until ITS body is durable."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._queue: list[tuple[bytes, datetime, asyncio.Future[int]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None  # keep a reference: the loop only holds weak ones

    async def append(self, body: bytes, received_at: datetime) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append((body, received_at, future))
        if not self._draining:
            self._draining = True
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    ids = await run_in_threadpool(self.spool.append_many, [(b, r) for b, r, _ in batch])
                except Exception as error:
                    for _b, _r, future in batch:
                        if not future.done():
                            future.set_exception(error)
                else:
                    for (_b, _r, future), id_ in zip(batch, ids, strict=True):
                        if not future.done():
                            future.set_result(id_)
        finally:
            self._draining = False


def _error(status: int, code: str, message: str, where: str | None = None) -> JSONResponse:
    content: dict[str, Any] = {"error": code, "message": message}
    if where:
        content["where"] = where
    return JSONResponse(content, status_code=status)


def create_app(settings: Settings, spool: Spool | None = None, *, max_body_bytes: int = MAX_BODY_BYTES,
               forwarder_stats: Any | None = None) -> FastAPI:
    """The webhook app. `spool` defaults to `state_dir/zalo-spool` (opened at startup, closed at shutdown).
    `forwarder_stats` (a `ForwarderStats` of a forwarder in the same process) is shown by /health."""
    if settings.zalo_oa_secret_key is None or not settings.zalo_oa_secret_key.get_secret_value():
        raise WebhookConfigError("zalo_oa_secret_key is not set (CRISISWATCH_ZALO_OA_SECRET_KEY): the webhook cannot "
                                 "verify X-ZEvent-Signature and refuses to start")
    secret = settings.zalo_oa_secret_key.get_secret_value()
    configured_app_id = settings.zalo_app_id
    if not configured_app_id:
        log.warning("zalo_app_id is not set: the signature is checked with the app_id each event carries")
    stats = WebhookStats()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        own = spool is None
        app.state.spool = spool if spool is not None else await run_in_threadpool(Spool.from_settings, settings)
        app.state.committer = GroupCommit(app.state.spool)
        try:
            yield
        finally:
            if own:
                app.state.spool.close()

    app = FastAPI(title="crisiswatch Zalo OA webhook", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.stats = stats

    @app.get(HEALTH_PATH)
    async def health() -> dict[str, Any]:
        counts = await run_in_threadpool(app.state.spool.counts)
        body: dict[str, Any] = {"status": "ok", "spool": counts, "webhook": stats.as_dict()}
        if forwarder_stats is not None:
            body["forwarder"] = forwarder_stats.as_dict()
        return body

    @app.get(WEBHOOK_PATH)
    async def webhook_probe() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(WEBHOOK_PATH)
    async def receive(request: Request) -> JSONResponse:
        received_at = datetime.now(UTC)
        stats.received += 1

        def malformed(message: str, where: str | None = None, code: str = "malformed_body") -> JSONResponse:
            stats.rejected_malformed += 1
            log.warning("zalo webhook: 400 %s: %s%s", code, message, f" (at {where})" if where else "")
            return _error(400, code, message, where)

        def unauthorized(code: str, message: str) -> JSONResponse:
            stats.rejected_signature += 1
            log.warning("zalo webhook: 401 %s: %s (client %s)", code, message,
                        request.client.host if request.client else "?")
            return _error(401, code, message)

        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body_bytes:
            return malformed(f"body of {int(length)} bytes exceeds the {max_body_bytes}-byte limit", "body",
                             "body_too_large")
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > max_body_bytes:
                return malformed(f"body exceeds the {max_body_bytes}-byte limit", "body", "body_too_large")
        raw = bytes(chunks)

        header = request.headers.get(signature.HEADER)
        if header is None or not header.strip():
            if raw.strip() in (b"{}", b""):
                # Zalo checks a newly registered webhook URL with an unsigned empty request: answer 200, store nothing.
                stats.probes += 1
                return JSONResponse({"status": "ok", "stored": False})
            return unauthorized("missing_signature", f"missing {signature.HEADER} header")
        try:
            signature.parse_header(header)
        except signature.SignatureError as error:
            return unauthorized("malformed_signature", str(error))

        try:
            data = decode_body(raw)
            timestamps = [timestamp_text(data)]
            app_id = configured_app_id or str(data.get("app_id") or "")
            if not app_id:
                raise EventError("missing field", "app_id")
        except EventError as error:
            return malformed(error.message, error.where)
        header_timestamp = request.headers.get(signature.TIMESTAMP_HEADER)
        if header_timestamp and header_timestamp.strip().isdigit():
            timestamps.append(header_timestamp.strip())
        if not signature.verify(header, app_id, raw, timestamps, secret):
            return unauthorized("invalid_signature",
                                f"{signature.HEADER} does not match sha256(app_id + body + timestamp + OA secret key)")

        try:
            event = parse_event(data)
        except EventError as error:
            return malformed(error.message, error.where)

        try:
            spool_id = await request.app.state.committer.append(raw, received_at)
        except Exception as error:
            stats.spool_errors += 1
            log.error("zalo webhook: cannot write the spool (%s: %s); answering 503 so Zalo retries",
                      type(error).__name__, error)
            return _error(503, "spool_unavailable", "the event could not be stored; retry later")
        stats.accepted += 1
        stats.events[event.event_name] += 1
        stats.kinds[event.kind.value] += 1
        log.debug("zalo webhook: %s stored as spool entry %d", event.event_name, spool_id)
        return JSONResponse({"error": 0, "message": "ok", "spool_id": spool_id, "event_name": event.event_name})

    return app


def app_from_env() -> FastAPI:
    """Factory for any ASGI server: ``uvicorn --factory crawlers.zalo.webhook:app_from_env`` (settings from the
    environment / CRISISWATCH_CONFIG)."""
    return create_app(get_settings())
