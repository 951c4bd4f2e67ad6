"""Page 2, one alert: its facts and charts, top posts, matched claims with the approved rebuttal, the playbook run
with step actions (acknowledge, assign, complete with a note; SLA countdown), alert actions (acknowledge, snooze,
resolve manually) and the audit trail. Actions need the responder role; each is POST → redirect → GET with a
one-time message, so a reload never repeats an action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerting.store.errors import InvalidTransitionError, NotFoundError, ValidationError
from alerting.store.models import Alert, AuditEntry, PlaybookStep, Role
from dashboard.app import flash, render, translator
from dashboard.auth import require
from dashboard.i18n import vn_time

router = APIRouter()
SNOOZE_CHOICES: dict[str, timedelta] = {"30m": timedelta(minutes=30), "1h": timedelta(hours=1),
                                        "4h": timedelta(hours=4), "24h": timedelta(hours=24)}
MAX_NOTE = 2000


def safe_link(url: str | None) -> str | None:
    """Only http(s) links are clickable: a post's URL comes from the crawled site (``javascript:`` stays text)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _parse_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def chart_data(alert: Alert, t: Any) -> dict[str, Any]:
    """The three charts' data, embedded as JSON (`tojson`, so hostile names cannot break out of the script tag)."""
    facts = alert.facts or {}
    provinces = sorted(facts.get("provinces", {}).items(), key=lambda item: -item[1])[:12]
    sentiment = facts.get("sentiment", {})
    return {
        "timeline": {"labels": [vn_time(u.at, "%H:%M %d/%m") for u in alert.updates],
                     "count": [u.count for u in alert.updates], "window": [u.window_count for u in alert.updates],
                     "count_label": t("alert.timeline_count"), "window_label": t("alert.timeline_window")},
        "sentiment": {"labels": [t.sentiment(k) for k in sentiment], "keys": list(sentiment),
                      "values": list(sentiment.values())},
        "provinces": {"labels": [name for name, _ in provinces], "values": [n for _, n in provinces],
                      "label": t("alert.count")},
    }


def audit_trail(request: Request, alert: Alert) -> list[AuditEntry]:
    """Everything done to the alert, its playbook runs and steps, and snoozes of its (rule, key), oldest first."""
    log = request.app.state.audit
    entries = list(log.entries(object_type="alert", object_id=alert.id, limit=500))
    for run in alert.runs:
        entries += log.entries(object_type="playbook_run", object_id=run.id, limit=200)
        for step in run.steps:
            entries += log.entries(object_type="playbook_step", object_id=step.id, limit=200)
    entries += [entry for entry in log.entries(object_type="snooze", limit=2000, newest_first=True)
                if entry.details.get("rule") == alert.rule and entry.details.get("key") in (alert.key, None)]
    return sorted(entries, key=lambda entry: (entry.at, entry.id))


@router.get("/alerts/{alert_id}", dependencies=[require(Role.viewer)])
async def alert_detail(request: Request, alert_id: int) -> Response:
    app = request.app
    alert = await run_in_threadpool(app.state.alerts.get_alert, alert_id)
    trail = await run_in_threadpool(audit_trail, request, alert)
    users = await run_in_threadpool(app.state.users.list_users, include_disabled=False)
    facts = alert.facts or {}
    claims = [(claim_id, count, app.state.claims.get(claim_id))
              for claim_id, count in sorted(facts.get("claims", {}).items(), key=lambda item: -item[1])]
    posts = [{**post, "link": safe_link(post.get("url")), "created": _parse_time(post.get("created_at"))}
             for post in facts.get("top_posts", [])]
    return render(request, "alert.html", {
        "alert": alert, "facts": facts, "posts": posts, "claims": claims, "trail": trail,
        "users": [u.username for u in users], "charts": chart_data(alert, translator(request)),
        "snooze_choices": list(SNOOZE_CHOICES), "playbook_defs": app.state.playbook_defs,
    })


def _back(alert_id: int) -> RedirectResponse:
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def _note(value: str) -> str | None:
    value = value.strip()
    return value[:MAX_NOTE] if value else None


async def _act(request: Request, alert_id: int, action: Any, success: str) -> Response:
    """Run a store action; a refused transition or invalid value becomes an error message on the page."""
    try:
        await run_in_threadpool(action)
    except (InvalidTransitionError, ValidationError) as error:
        flash(request, str(error), "error")
    else:
        flash(request, success)
    return _back(alert_id)


@router.post("/alerts/{alert_id}/acknowledge", dependencies=[require(Role.responder)])
async def acknowledge_alert(request: Request, alert_id: int, note: str = Form("")) -> Response:
    user = request.state.user.username
    return await _act(request, alert_id, lambda: request.app.state.alerts.acknowledge(alert_id, user, _note(note)),
                      translator(request)("alert.acknowledged_ok"))


@router.post("/alerts/{alert_id}/snooze", dependencies=[require(Role.responder)])
async def snooze_alert(request: Request, alert_id: int, duration: str = Form(...), reason: str = Form("")) -> Response:
    t = translator(request)
    if duration not in SNOOZE_CHOICES:
        flash(request, t("error.invalid_form", detail=f"duration={duration!r} ({', '.join(SNOOZE_CHOICES)})"), "error")
        return _back(alert_id)
    alert = await run_in_threadpool(request.app.state.alerts.get_alert, alert_id)
    until = datetime.now(UTC) + SNOOZE_CHOICES[duration]
    user = request.state.user.username
    return await _act(request, alert_id, lambda: request.app.state.alerts.snooze(
        alert.rule, key=alert.key, until=until, reason=reason[:MAX_NOTE], by=user),
        t("alert.snoozed_ok", until=vn_time(until)))


@router.post("/alerts/{alert_id}/resolve", dependencies=[require(Role.responder)])
async def resolve_alert(request: Request, alert_id: int, note: str = Form("")) -> Response:
    user = request.state.user.username
    return await _act(request, alert_id,
                      lambda: request.app.state.alerts.resolve_manually(alert_id, user, _note(note)),
                      translator(request)("alert.resolved_ok"))


def _step_of(request: Request, alert_id: int, step_id: int) -> PlaybookStep:
    """The step, checked to belong to this alert (the URL's alert id is what the page and the audit show)."""
    alert = request.app.state.alerts.get_alert(alert_id)
    for run in alert.runs:
        for step in run.steps:
            if step.id == step_id:
                return step
    raise NotFoundError(translator(request)("playbook.step_not_in_alert", step=step_id, alert=alert_id))


@router.post("/alerts/{alert_id}/steps/{step_id}/acknowledge", dependencies=[require(Role.responder)])
async def acknowledge_step(request: Request, alert_id: int, step_id: int) -> Response:
    step = await run_in_threadpool(_step_of, request, alert_id, step_id)
    user = request.state.user.username
    return await _act(request, alert_id, lambda: request.app.state.playbooks.acknowledge_step(step_id, user),
                      translator(request)("playbook.step_acknowledged", title=step.title))


@router.post("/alerts/{alert_id}/steps/{step_id}/assign", dependencies=[require(Role.responder)])
async def assign_step(request: Request, alert_id: int, step_id: int, assignee: str = Form(...)) -> Response:
    t = translator(request)
    step = await run_in_threadpool(_step_of, request, alert_id, step_id)
    target = await run_in_threadpool(request.app.state.users.get_user_by_username, assignee)
    if target is None or target.disabled:
        flash(request, t("playbook.unknown_user", user=assignee), "error")
        return _back(alert_id)
    user = request.state.user.username
    return await _act(request, alert_id,
                      lambda: request.app.state.playbooks.assign_step(step_id, target.username, user),
                      t("playbook.step_assigned", title=step.title, user=target.username))


@router.post("/alerts/{alert_id}/steps/{step_id}/complete", dependencies=[require(Role.responder)])
async def complete_step(request: Request, alert_id: int, step_id: int, note: str = Form("")) -> Response:
    step = await run_in_threadpool(_step_of, request, alert_id, step_id)
    user = request.state.user.username
    return await _act(request, alert_id,
                      lambda: request.app.state.playbooks.complete_step(step_id, user, _note(note)),
                      translator(request)("playbook.step_completed", title=step.title))
