"""Login, logout and the language toggle (the only public routes besides /healthz)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Form
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dashboard import csrf
from dashboard.app import flash, render, translator
from dashboard.auth import (
    SESSION_USER,
    LoginLimiter,
    client_ip,
    dummy_verify,
    record_audit,
    require,
    verify_password,
)
from dashboard.i18n import LANG_COOKIE, LANGS

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths: an attacker's ``next=https://evil`` or ``//evil`` must not turn login into a redirector."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", dependencies=[require(None)])
async def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
    if request.state.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login", dependencies=[require(None)])
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                next: str = Form("/")) -> Response:  # noqa: A002
    t = translator(request)
    app = request.app
    name, ip = username.strip().lower()[:64], client_ip(request)
    limiter: LoginLimiter = app.state.login_limiter
    wait = limiter.retry_after(name, ip)
    if wait is not None:
        record_audit(app.state.engine, actor=name or "?", action="auth.login_blocked", object_type="user",
                     object_id=name or "?", details={"ip": ip})
        return render(request, "login.html", {"next": safe_next(next), "username": name,
                                              "error": t("login.rate_limited", minutes=max(1, math.ceil(wait / 60)))},
                      status_code=429)
    user = app.state.users.get_user_by_username(name) if name else None
    if user is None or user.disabled:
        dummy_verify(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        limiter.failed(name, ip)
        record_audit(app.state.engine, actor=name or "?", action="auth.login_failed", object_type="user",
                     object_id=name or "?", details={"ip": ip})
        return render(request, "login.html", {"next": safe_next(next), "username": name,
                                              "error": t("login.failed")}, status_code=401)
    limiter.succeeded(name, ip)
    request.session[SESSION_USER] = user.username
    csrf.rotate(request)
    record_audit(app.state.engine, actor=user.username, action="auth.login", object_type="user",
                 object_id=user.username, details={"ip": ip})
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[require(None)])
async def logout(request: Request) -> Response:
    user = request.state.user
    if user is not None:
        record_audit(request.app.state.engine, actor=user.username, action="auth.logout", object_type="user",
                     object_id=user.username, details={"ip": client_ip(request)})
    request.session.pop(SESSION_USER, None)
    csrf.rotate(request)
    flash(request, translator(request)("login.logged_out"))
    return RedirectResponse("/login", status_code=303)


@router.post("/lang", dependencies=[require(None)])
async def set_language(lang: str = Form(...), next: str = Form("/")) -> Response:  # noqa: A002
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@router.get("/healthz", dependencies=[require(None)])
async def healthz(request: Request) -> Response:
    """Liveness for load balancers: the process answers and the database is reachable (no details leaked)."""
    def ping() -> None:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except SQLAlchemyError:
        return JSONResponse({"status": "db_unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
