"""Page 1, the live alert board: open and acknowledged alerts, most severe first, then newest; filters by province
and topic; live updates over Server-Sent Events (`/alerts/stream`) and a small JSON API (`/api/alerts`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from alerting.episodes import Severity
from alerting.store.alerts import AlertStore
from alerting.store.models import Alert, Role
from common.schema import Topic
from dashboard.app import render, render_fragment
from dashboard.auth import require

router = APIRouter()
BOARD_STATUSES = ("open", "acknowledged")
BOARD_LIMIT = 500
KEEPALIVE_S = 15.0


def severity_rank(alert: Alert) -> int:
    try:
        return Severity(alert.severity).rank
    except ValueError:
        return -1


def board_alerts(store: AlertStore, province: str = "", topic: str = "") -> list[Alert]:
    """The board's rows: most severe first, then the newest episode first."""
    rows = store.list_alerts(status=list(BOARD_STATUSES), limit=BOARD_LIMIT)
    if province:
        rows = [a for a in rows if province in (a.facts or {}).get("provinces", {})]
    if topic:
        rows = [a for a in rows if topic in (a.facts or {}).get("topics", {})]
    return sorted(rows, key=lambda a: (-severity_rank(a), -a.opened_at.timestamp(), -a.id))


def signature(alert: Alert) -> tuple[object, ...]:
    """What changes a row on screen (the version counter moves on every update of the alert)."""
    return alert.version, alert.status, alert.severity


def row_data(alert: Alert) -> dict[str, object]:
    return {"id": alert.id, "title": alert.title, "severity": alert.severity, "status": alert.status,
            "rule": alert.rule, "key": alert.key, "count": (alert.facts or {}).get("count", 0),
            "provinces": (alert.facts or {}).get("provinces", {}), "topics": (alert.facts or {}).get("topics", {}),
            "opened_at": alert.opened_at.isoformat(), "updated_at": alert.updated_at.isoformat(),
            "url": f"/alerts/{alert.id}"}


@router.get("/", dependencies=[require(Role.viewer)])
async def board(request: Request, province: str = "", topic: str = "") -> Response:
    store: AlertStore = request.app.state.alerts
    rows = await run_in_threadpool(board_alerts, store, province, topic)
    everything = rows if not (province or topic) else await run_in_threadpool(board_alerts, store)
    provinces = sorted({name for a in everything for name in (a.facts or {}).get("provinces", {})} | (
        {province} if province else set()))
    return render(request, "board.html", {
        "alerts": rows, "province": province, "topic": topic, "provinces": provinces,
        "topics": [value.value for value in Topic],
    })


@router.get("/api/alerts", dependencies=[require(Role.viewer)])
async def alerts_json(request: Request, province: str = "", topic: str = "") -> dict[str, object]:
    rows = await run_in_threadpool(board_alerts, request.app.state.alerts, province, topic)
    return {"alerts": [row_data(a) for a in rows]}


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/alerts/stream", dependencies=[require(Role.viewer)])
async def stream(request: Request, province: str = "", topic: str = "") -> StreamingResponse:
    """SSE: polls the store every `stream_poll_s` and pushes rows that changed (``upsert``: the row's HTML, escaped
    by the same template as the page), rows that left the board (``remove``) and, first, the full id list
    (``sync``). The stream ends after `stream_max_s`; EventSource reconnects on its own."""
    app = request.app
    poll_s, max_s = app.state.stream_poll_s, app.state.stream_max_s

    async def events() -> AsyncIterator[str]:
        seen: dict[int, tuple[object, ...]] = {}
        started = last_sent = time.monotonic()
        first = True
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            rows = await run_in_threadpool(board_alerts, app.state.alerts, province, topic)
            current = {a.id: signature(a) for a in rows}
            for position, alert in enumerate(rows):
                if seen.get(alert.id) != current[alert.id]:
                    html = render_fragment(request, "_alert_row.html", {"alert": alert})
                    yield _event("upsert", {"id": alert.id, "severity": alert.severity, "rank": position,
                                            "html": html})
                    last_sent = time.monotonic()
            gone = sorted(set(seen) - set(current))
            if gone:
                yield _event("remove", {"ids": gone})
                last_sent = time.monotonic()
            if first:
                yield _event("sync", {"ids": [a.id for a in rows]})
                first = False
            seen = current
            now = time.monotonic()
            if now - started >= max_s:
                return
            if now - last_sent >= KEEPALIVE_S:
                yield ": keep-alive\n\n"
                last_sent = now
            await asyncio.sleep(poll_s)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
