"""Page 6, the weekly forecast: the newest HTML report written by `crisiswatch forecast` under
``<state_dir>/forecast/report-*.html`` (shown in a sandboxed frame) and the list of previous ones.

Reports are served only by a name that matches `REPORT_NAME` and is found by listing the directory, so no request
can read another file (no ``..``, no absolute path, no symlink out of the directory). They are served with a UTF-8
charset and a restrictive policy: no scripts run in a report, and only this dashboard may frame it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from alerting.store.errors import NotFoundError
from alerting.store.models import Role
from common.settings import Settings
from dashboard.app import render, translator
from dashboard.auth import require

router = APIRouter()
REPORT_NAME = re.compile(r"^report-[A-Za-z0-9._-]{1,120}\.html$")
REPORT_POLICY = ("default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
                 "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox")


@dataclass(frozen=True)
class Report:
    name: str
    path: Path
    modified: datetime
    size: int


def reports_dir(settings: Settings) -> Path:
    return settings.state_dir / "forecast"


def list_reports(settings: Settings) -> list[Report]:
    """Every report file, newest first (by modification time, then name)."""
    root = reports_dir(settings)
    if not root.is_dir():
        return []
    found = []
    resolved_root = root.resolve()
    for path in root.iterdir():
        if not REPORT_NAME.match(path.name) or not path.is_file() or path.resolve().parent != resolved_root:
            continue
        stat = path.stat()
        found.append(Report(path.name, path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size))
    return sorted(found, key=lambda r: (r.modified, r.name), reverse=True)


@router.get("/forecast", dependencies=[require(Role.viewer)])
async def forecast_page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    reports = await run_in_threadpool(list_reports, settings)
    return render(request, "forecast.html", {"latest": reports[0] if reports else None, "previous": reports[1:],
                                             "directory": str(reports_dir(settings))})


@router.get("/forecast/report/{name}", dependencies=[require(Role.viewer)])
async def forecast_report(request: Request, name: str) -> Response:
    reports = {r.name: r for r in await run_in_threadpool(list_reports, request.app.state.settings)}
    report = reports.get(name) if REPORT_NAME.match(name) else None
    if report is None:
        raise NotFoundError(translator(request)("error.not_found"))
    body = await run_in_threadpool(report.path.read_bytes)
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": REPORT_POLICY, "X-Frame-Options": "SAMEORIGIN"})
