"""Authentication and authorization: argon2 password hashes, the session's user, login rate limiting, and the one
role guard every endpoint declares.

Sessions are Starlette signed cookies (itsdangerous; HttpOnly, SameSite=Lax, Secure unless configured for plain
http on localhost) holding the username and the CSRF token. The user is re-read from the store on every request,
so disabling a user or changing a role takes effect at once.

Every route declares exactly one `require(role)` dependency (``require(None)`` marks a public route such as the
login page); `dashboard.app.create_app` refuses to start when a route lacks it, and the tests walk the route table.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, params
from sqlalchemy import Engine
from starlette.requests import Request

from alerting.store.audit import AuditLog
from alerting.store.models import Role
from alerting.store.users import UserStore
from dashboard import csrf

MIN_PASSWORD_LENGTH = 12
ROLE_RANK: dict[str, int] = {role.value: rank for rank, role in enumerate(Role)}  # viewer < analyst < ...
SESSION_USER = "user"

_hasher = PasswordHasher()


class AuthRequired(Exception):
    """No (valid) session: HTML pages redirect to the login form, other endpoints answer 401."""


class Forbidden(Exception):
    def __init__(self, role: str, needed: str) -> None:
        super().__init__(f"role {role} < {needed}")
        self.role, self.needed = role, needed


class PasswordPolicyError(ValueError):
    """A password the policy refuses (the message is Vietnamese, shown as is)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự (nhận {len(password)})")
    if password.strip() != password:
        raise PasswordPolicyError("mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification for an unknown user (no username probing by timing)."""
    verify_password(_DUMMY_HASH, password)


_DUMMY_HASH = _hasher.hash("crisiswatch-timing-equaliser")


@dataclass(frozen=True)
class CurrentUser:
    username: str
    display_name: str
    role: str

    def can(self, role: Role | str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[str(role)]


class LoginLimiter:
    """At most `max_failures` failed logins per (username, client IP) within `window_s`; then refused until the
    oldest failure leaves the window. In memory: one dashboard process (restarting it resets the counters)."""

    def __init__(self, max_failures: int = 5, window_s: float = 900.0) -> None:
        self.max_failures, self.window_s = max_failures, window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, username: str, ip: str) -> float | None:
        """Seconds until the next attempt is allowed, or None when it is allowed now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((username, ip), now)
            if len(times) < self.max_failures:
                return None
            return times[0] + self.window_s - now

    def failed(self, username: str, ip: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((username, ip), now).append(now)

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((username, ip), None)


def record_audit(engine: Engine, *, actor: str, action: str, object_type: str, object_id: str,
                 details: dict[str, Any] | None = None) -> None:
    """Write one audit row for an event the store does not record itself (logins, logouts)."""
    AuditLog(engine, check=False).record(actor, action, object_type, object_id, details)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def session_user(request: Request) -> CurrentUser | None:
    """The logged-in, enabled user of this request (None when anonymous; a stale session is cleared)."""
    username = request.session.get(SESSION_USER)
    if not isinstance(username, str):
        return None
    users: UserStore = request.app.state.users
    user = users.get_user_by_username(username)
    if user is None or user.disabled:
        request.session.pop(SESSION_USER, None)
        return None
    return CurrentUser(user.username, user.display_name, user.role)


class RoleGuard:
    """The dependency every route carries: resolves the user, enforces the minimum role (None = public) and, for
    state-changing methods, the CSRF token. Order: 401 (who are you) → 403 (not allowed) → 403 (CSRF)."""

    def __init__(self, role: Role | None) -> None:
        self.role = role

    async def __call__(self, request: Request) -> CurrentUser | None:
        user = session_user(request)
        request.state.user = user
        if self.role is not None:
            if user is None:
                raise AuthRequired
            if not user.can(self.role):
                raise Forbidden(user.role, self.role.value)
        if request.method not in csrf.SAFE_METHODS:
            await csrf.check(request)
        return user


def require(role: Role | None) -> params.Depends:
    """`dependencies=[require(Role.responder)]` on a route; `require(None)` for a deliberately public route."""
    return Depends(RoleGuard(role))


def route_guards(route: Any) -> list[RoleGuard]:
    """The RoleGuards a route declares (used by the start-up check and the role × endpoint test)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    return [dep.call for dep in dependant.dependencies if isinstance(dep.call, RoleGuard)]
