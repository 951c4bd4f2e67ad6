"""Page 4, alert rules: the list (viewer), enable / disable (admin, audited, stored in `rule_states` and honoured
by the alerting engine) and a dry-run over a chosen period (analyst): the indexed mentions of that period go
through fresh copies of the rules in simulated time (`alerting.dry_run`) and the episodes that would have opened
are listed and charted per day.

The dry-run is bounded: at most `MAX_DRY_RUN_DAYS` days and `MAX_DRY_RUN_MENTIONS` mentions (counted first, so a
too-large period is refused with a clear message instead of loading it)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerting.dry_run import dry_run
from alerting.replay import ReplayedAlert, episodes
from alerting.rules import Rule, RuleError, load_rules
from alerting.rules.loader import DEFAULT_RULES_DIR
from alerting.store.errors import NotFoundError
from alerting.store.models import Role
from alerting.store.rules import RuleStateStore
from alerting.worker import history
from common.claims import Registry, RegistryError, load_registry
from common.query import QuerySyntaxError
from common.settings import Settings
from dashboard.app import flash, render, translator
from dashboard.auth import require
from index.aggregations import VN_TZ
from index.backend import SearchFilters, SearchRequest

log = logging.getLogger(__name__)
router = APIRouter()

MAX_DRY_RUN_DAYS = 31
MAX_DRY_RUN_MENTIONS = 50_000
TICK = timedelta(minutes=5)


def read_rules(settings: Settings) -> list[Rule]:
    """The rule files (read on every request: a few small YAML files, and edits show without a restart)."""
    return load_rules(settings.alert_rules_dir or DEFAULT_RULES_DIR)


@dataclass
class DryRunResult:
    start: datetime | None = None
    end: datetime | None = None
    mentions: int = 0
    found: list[ReplayedAlert] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    error: str | None = None


def _registry() -> Registry | None:
    """The claims registry, as the live engine uses it (None when unreadable: claim rules then see no titles)."""
    try:
        return load_registry()
    except RegistryError as error:
        log.error("dry-run: cannot read the claims registry: %s", error)
        return None


def _day(value: str, t: Any) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(t("rules.dry_bad_date", value=value)) from None


def run_dry_run(request_app: Any, rules: list[Rule], day_from: str, day_to: str, t: Any) -> DryRunResult:
    """Dry-run `rules` over [day_from 00:00, day_to 24:00) Vietnam time; every problem becomes `error`."""
    if not day_from or not day_to:
        return DryRunResult(error=t("rules.dry_missing"))
    try:
        first, last = _day(day_from, t), _day(day_to, t)
    except ValueError as error:
        return DryRunResult(error=str(error))
    if last < first:
        return DryRunResult(error=t("rules.dry_order"))
    days = (last - first).days + 1
    if days > MAX_DRY_RUN_DAYS:
        return DryRunResult(error=t("rules.dry_too_long", days=days, max=MAX_DRY_RUN_DAYS))
    rules = [rule for rule in rules if rule.type != "flatline"]  # a sample of posts says nothing about crawlers
    if not rules:
        return DryRunResult(error=t("rules.dry_no_rules"))
    start = datetime.combine(first, datetime.min.time(), VN_TZ)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), VN_TZ)
    try:
        backend = request_app.state.search_backend()
        total = backend.count(SearchRequest(filters=SearchFilters(created_from=start, created_to=end)))
        if total > MAX_DRY_RUN_MENTIONS:
            return DryRunResult(start, end, total, error=t("rules.dry_too_many", n=f"{total:,}".replace(",", "."),
                                                           max=f"{MAX_DRY_RUN_MENTIONS:,}".replace(",", ".")))
        mentions = list(history(backend, start, end, limit=MAX_DRY_RUN_MENTIONS))
    except (QuerySyntaxError, OSError, ValueError, RuntimeError) as error:
        log.warning("dry-run: cannot read the index: %s", error)
        return DryRunResult(start, end, error=t("rules.dry_index", error=f"{type(error).__name__}: {error}"))
    updates = dry_run(rules, mentions, tick_every=TICK, until=end, claims=_registry())
    found = episodes(updates)
    per_day = Counter(alert.opened_at.astimezone(VN_TZ).date() for alert in found)
    labels = [first + timedelta(days=i) for i in range(days)]
    chart = {"labels": [d.strftime("%d/%m") for d in labels], "values": [per_day.get(d, 0) for d in labels],
             "label": t("rules.dry_chart")}
    return DryRunResult(start, end, len(mentions), found, chart)


async def _page(request: Request, dry: DryRunResult | None = None, form: dict[str, str] | None = None) -> Response:
    t = translator(request)
    settings: Settings = request.app.state.settings
    store: RuleStateStore = request.app.state.rule_states
    try:
        rules = await run_in_threadpool(read_rules, settings)
        error = None
    except RuleError as problem:
        rules, error = [], t("rules.load_error", error=str(problem))
    switches = {row.rule: row for row in await run_in_threadpool(store.list_states)}
    rows = [{"rule": rule, "enabled": switches[rule.name].enabled if rule.name in switches else rule.enabled,
             "switch": switches.get(rule.name)} for rule in rules]
    return render(request, "rules.html", {
        "rows": rows, "load_error": error, "dry": dry, "form": form or {}, "max_days": MAX_DRY_RUN_DAYS,
        "max_mentions": f"{MAX_DRY_RUN_MENTIONS:,}".replace(",", "."),
    }, status_code=400 if dry is not None and dry.error else 200)


@router.get("/rules", dependencies=[require(Role.viewer)])
async def rules_page(request: Request) -> Response:
    return await _page(request)


@router.post("/rules/{name}/enabled", dependencies=[require(Role.admin)])
async def set_rule_enabled(request: Request, name: str, enabled: str = Form(...)) -> Response:
    """Switch a rule on (`enabled=true`) or off (`false`); the rule must exist in the rule files."""
    t = translator(request)
    try:
        known = {rule.name for rule in await run_in_threadpool(read_rules, request.app.state.settings)}
    except RuleError as problem:
        flash(request, t("rules.load_error", error=str(problem)), "error")
        return RedirectResponse("/rules", status_code=303)
    if name not in known:
        raise NotFoundError(t("rules.unknown", name=name))
    if enabled not in ("true", "false"):
        flash(request, t("error.invalid_form", detail=f"enabled={enabled!r} (true | false)"), "error")
        return RedirectResponse("/rules", status_code=303)
    on = enabled == "true"
    await run_in_threadpool(request.app.state.rule_states.set_enabled, name, on, request.state.user.username)
    flash(request, t("rules.enabled_ok" if on else "rules.disabled_ok", name=name))
    return RedirectResponse(f"/rules#rule-{name}", status_code=303)


@router.get("/rules/dry-run", dependencies=[require(Role.analyst)])
async def rules_dry_run(request: Request) -> Response:
    """Dry-run (GET: it changes nothing, and the result's URL can be shared): `from`, `to` (dates, Vietnam time),
    optional `rule` (one rule, even a disabled one; default every enabled rule)."""
    t = translator(request)
    query = request.query_params
    form = {"from": query.get("from", ""), "to": query.get("to", ""), "rule": query.get("rule", "")}
    if not form["from"] and not form["to"]:
        return await _page(request, None, form)
    try:
        rules = await run_in_threadpool(read_rules, request.app.state.settings)
    except RuleError as problem:
        return await _page(request, DryRunResult(error=t("rules.load_error", error=str(problem))), form)
    states = await run_in_threadpool(request.app.state.rule_states.states)
    if form["rule"]:
        chosen = [rule.model_copy(update={"enabled": True}) for rule in rules if rule.name == form["rule"]]
        if not chosen:
            return await _page(request, DryRunResult(error=t("rules.unknown", name=form["rule"])), form)
    else:
        chosen = [rule for rule in rules if states.get(rule.name, rule.enabled)]
        chosen = [rule if rule.enabled else rule.model_copy(update={"enabled": True}) for rule in chosen]
    dry = await run_in_threadpool(run_dry_run, request.app, chosen, form["from"], form["to"], t)
    return await _page(request, dry, form)
