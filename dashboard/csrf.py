"""CSRF protection: one random token per session, required on every state-changing request.

The token lives in the signed session cookie (so it is bound to the browser's session) and is sent back either as
the ``csrf_token`` form field (plain HTML forms) or the ``X-CSRF-Token`` header (htmx and fetch calls; the base
template sets it on ``<body hx-headers>``). SameSite=Lax cookies already stop most cross-site posts; the token also
covers same-site attackers and old browsers.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(Exception):
    """The request changes state without the session's CSRF token."""


def session_token(request: Request) -> str:
    """The session's token, created on first use (also for anonymous visitors: the login form needs one)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate(request: Request) -> str:
    """A fresh token (at login and logout, so a token seen before authentication is useless afterwards)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return request.session[SESSION_KEY]


async def check(request: Request) -> None:
    """Raise `CsrfError` unless the request carries the session's token (header or form field)."""
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FORM_FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError
