"""The dashboard application: `create_app(settings)` wires the stores, sessions, security headers, templates and the
page routers (one module per page group in `dashboard.routes`).

Adding a page: write a router module whose every route carries `require(role)` (see `dashboard.auth`), include it
in `ROUTERS` below and add its navigation entry to `NAV`. `create_app` refuses to start when a route has no guard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from alerting.playbook import PlaybookError, load_playbooks
from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for
from alerting.store.errors import NotFoundError
from alerting.store.models import Role
from alerting.store.playbooks import PlaybookStore
from alerting.store.rules import RuleStateStore
from alerting.store.users import UserStore
from common.claims import RegistryError, load_registry
from common.settings import Settings
from dashboard import csrf
from dashboard.auth import AuthRequired, Forbidden, LoginLimiter, route_guards
from dashboard.i18n import LANG_COOKIE, Translator, pick_lang, vn_time
from index.api import lazy_backend

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent
SESSION_COOKIE = "cw_session"
FLASH_KEY = "flash"


@dataclass(frozen=True)
class NavItem:
    key: str  # i18n key of the label
    path: str
    role: Role


NAV: list[NavItem] = [NavItem("nav.board", "/", Role.viewer), NavItem("nav.search", "/search", Role.analyst),
                      NavItem("nav.rules", "/rules", Role.viewer), NavItem("nav.forecast", "/forecast", Role.viewer),
                      NavItem("nav.health", "/health", Role.viewer)]

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(PACKAGE_DIR / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["vn_time"] = vn_time
    env.filters["pct"] = lambda value: f"{float(value or 0) * 100:.0f}%"
    env.filters["num"] = lambda value: f"{int(value or 0):,}".replace(",", ".")
    return env


def translator(request: Request) -> Translator:
    return Translator(pick_lang(request.cookies.get(LANG_COOKIE)))


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after the POST → redirect → GET)."""
    request.session.setdefault(FLASH_KEY, [])
    request.session[FLASH_KEY] = [*request.session[FLASH_KEY], [kind, message]][-5:]


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with what every template needs: t (translator), user, csrf token, nav, flash messages."""
    t = translator(request)
    user = getattr(request.state, "user", None)
    values = {
        "request": request, "t": t, "lang": t.lang, "user": user, "csrf_token": csrf.session_token(request),
        "nav": [item for item in NAV if user is not None and user.can(item.role)],
        "flashes": request.session.pop(FLASH_KEY, []), "now": datetime.now(UTC), "js_strings": t.js_strings(),
        **(context or {}),
    }
    html = request.app.state.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A partial (e.g. one board row for the live stream), rendered with the same helpers as pages."""
    t = translator(request)
    return request.app.state.templates.get_template(template).render(
        {"t": t, "lang": t.lang, "now": datetime.now(UTC), **context})


def _wants_html(request: Request) -> bool:
    return (request.method in ("GET", "HEAD") and not request.url.path.startswith("/api/")
            and "text/event-stream" not in request.headers.get("accept", "")
            and not request.url.path.endswith("/stream"))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthRequired)
    async def _login_required(request: Request, _error: AuthRequired) -> Response:
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return JSONResponse({"detail": translator(request)("error.login_required")}, status_code=401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> Response:
        t = translator(request)
        message = t("error.forbidden", role=t.label("role", error.role), needed=t.label("role", error.needed))
        if _wants_html(request):
            return render(request, "error.html", {"message": message}, status_code=403)
        return JSONResponse({"detail": message}, status_code=403)

    @app.exception_handler(csrf.CsrfError)
    async def _csrf(request: Request, _error: csrf.CsrfError) -> Response:
        message = translator(request)("error.csrf")
        if request.headers.get("HX-Request") or request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=403)
        return render(request, "error.html", {"message": message}, status_code=403)

    @app.exception_handler(NotFoundError)
    async def _missing(request: Request, error: NotFoundError) -> Response:
        if _wants_html(request):
            return render(request, "error.html", {"message": str(error)}, status_code=404)
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'][1:])}: {e['msg']}" for e in error.errors())
        message = translator(request)("error.invalid_form", detail=detail)
        if request.url.path.startswith("/api/") or request.headers.get("HX-Request"):
            return JSONResponse({"detail": message}, status_code=422)
        return render(request, "error.html", {"message": message}, status_code=422)

    @app.exception_handler(404)
    async def _not_found(request: Request, _error: Exception) -> Response:
        message = translator(request)("error.not_found")
        if _wants_html(request):
            return render(request, "error.html", {"message": message}, status_code=404)
        return JSONResponse({"detail": message}, status_code=404)


def api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every endpoint of a route table, also inside included routers (FastAPI ≥ 0.16x wraps them in an object
    holding `original_router`; older versions copy the routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def check_guards(app: FastAPI) -> None:
    """Every route must declare exactly one role guard (`require(...)`): a new endpoint cannot skip authorization."""
    for route in api_routes(app.routes):
        if len(route_guards(route)) != 1:
            raise RuntimeError(f"dashboard: route {sorted(route.methods)} {route.path} phải khai báo đúng một "
                               f"require(vai trò) (đang có {len(route_guards(route))})")


def create_app(settings: Settings, *, engine: Engine | None = None, stream_poll_s: float = 1.5,
               stream_max_s: float = 300.0) -> FastAPI:
    """The dashboard for `settings` (database, state dir, Kafka). `engine` overrides the settings' database URL
    (tests); the live board polls the store every `stream_poll_s` and closes a stream after `stream_max_s`
    (the browser reconnects by itself, so a long-lived proxy connection never goes stale)."""
    from dashboard.routes import ROUTERS
    from dashboard.routes.search import api_router
    from index.indexer import open_backend

    engine = engine or create_engine_for(settings.database_url.get_secret_value())
    app = FastAPI(title="CrisisWatch", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.alerts = AlertStore(engine)
    app.state.playbooks = PlaybookStore(engine, check=False)
    app.state.users = UserStore(engine, check=False)
    app.state.audit = AuditLog(engine, check=False)
    app.state.rule_states = RuleStateStore(engine, check=False)
    # The search index, opened read-only on first use (and retried after a failure, e.g. Elasticsearch down).
    app.state.search_backend = lazy_backend(lambda: open_backend(settings))
    app.state.templates = _templates()
    app.state.stream_poll_s = stream_poll_s
    app.state.stream_max_s = stream_max_s
    try:
        app.state.claims = {claim.id: claim for claim in load_registry().claims}
    except RegistryError as error:
        log.error("dashboard: cannot read the claims registry: %s", error)
        app.state.claims = {}
    try:
        app.state.playbook_defs = load_playbooks()
    except PlaybookError as error:
        log.error("dashboard: cannot read the playbooks: %s", error)
        app.state.playbook_defs = {}

    app.state.login_limiter = LoginLimiter()

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Added after the headers middleware so it wraps it: the session is available everywhere.
    app.add_middleware(SessionMiddleware, secret_key=settings.dashboard_secret().decode(),
                       session_cookie=SESSION_COOKIE, max_age=int(settings.dashboard_session_hours * 3600),
                       same_site="lax", https_only=settings.dashboard_secure_cookies)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(api_router(app.state.search_backend))  # the JSON search API, analyst+
    _install_error_handlers(app)
    check_guards(app)
    return app
