"""Zalo OA access/refresh tokens, persisted in ``state_dir/zalo-token.json``.

- Writes are atomic and durable: temp file in the same directory → write → fsync → rename over → fsync the
  directory. The file is created 0600. A reader sees the old or the new file, never a mix.
- Refresh: ``POST {zalo_oauth_url}/v4/oa/access_token`` (form ``refresh_token``, ``app_id``,
  ``grant_type=refresh_token``; header ``secret_key`` = the app secret). ``expires_in`` comes as a string.
- The refresh token is SINGLE-USE: the response's new refresh token is persisted BEFORE the new access token is
  handed to anyone, and the old one is never sent again after that.
- Crash between refresh and persist: before the request, the store records that a refresh with the current refresh
  token is in flight (``refresh_started_at``). If the process dies before the answer is saved, the next refresh
  sees that mark. It retries with the same refresh token ONCE (the request may never have reached Zalo); if Zalo
  rejects it, the token was consumed by the lost answer and `TokenError` says so and asks for a new authorization
  (``crisiswatch zalo-token --set``) instead of looping. Meanwhile the old access token is used until
  it expires.
- Refreshes are serialized across processes with an ``flock`` on ``zalo-token.lock``: two crawls never spend the
  same refresh token.
- Secrets are never logged: tokens are shown only as a short SHA-256 fingerprint, and `ZaloToken`'s repr hides them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from common.settings import Settings

log = logging.getLogger(__name__)

TOKEN_FILE = "zalo-token.json"
LOCK_FILE = "zalo-token.lock"
REFRESH_PATH = "/v4/oa/access_token"


class TokenError(RuntimeError):
    """No usable token (not configured, refresh rejected, or the refresh token was lost)."""


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag to tell tokens apart in logs and state."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ZaloToken:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    updated_at: datetime
    refresh_started_at: datetime | None = None  # a refresh with this refresh token was in flight (crash marker)
    last_error: str | None = None

    def __repr__(self) -> str:
        return (f"ZaloToken(access=…{fingerprint(self.access_token)}, refresh=…{fingerprint(self.refresh_token)}, "
                f"expires_at={self.expires_at.isoformat()})")

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "refresh_started_at": self.refresh_started_at.isoformat() if self.refresh_started_at else None,
            "last_error": self.last_error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ZaloToken:
        started = data.get("refresh_started_at")
        return cls(
            access_token=str(data.get("access_token") or ""),
            refresh_token=str(data["refresh_token"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            updated_at=datetime.fromisoformat(data.get("updated_at") or data["expires_at"]),
            refresh_started_at=datetime.fromisoformat(started) if started else None,
            last_error=data.get("last_error"),
        )


def parse_expires_in(value: Any) -> int:
    """Zalo sends ``expires_in`` as a string of seconds ("90000"); accept an int too."""
    if isinstance(value, bool):
        raise ValueError("expires_in: expected seconds")
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ValueError(f"expires_in: expected seconds as digits, got {value[:20]!r}")
        return int(value)
    if isinstance(value, int) and value >= 0:
        return value
    raise ValueError(f"expires_in: expected seconds, got {type(value).__name__}")


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Durably replace `path` with `data`: temp file → fsync → rename → fsync directory."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class TokenStore:
    """The OA token, its file, and its refresh. `client` (an httpx.Client) is injectable for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.Client | None = None,
        refresh_margin_s: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.path = Path(settings.state_dir) / TOKEN_FILE
        self.lock_path = Path(settings.state_dir) / LOCK_FILE
        self._client = client
        self.refresh_margin_s = refresh_margin_s
        self.clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- file ----------------------------------------------------------------------------------------------------

    def load(self) -> ZaloToken | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return ZaloToken.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError) as error:
            raise TokenError(f"{self.path} is not a valid token file ({type(error).__name__}); set the token again "
                             f"with `crisiswatch zalo-token`") from None

    def save(self, token: ZaloToken) -> None:
        write_atomic(self.path, json.dumps(token.to_json(), indent=1).encode())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def seed(self, refresh_token: str, access_token: str | None = None, expires_in: int | str | None = None
             ) -> ZaloToken:
        """Store tokens obtained by the OA authorization (admin consent). Without an access token, the first use
        refreshes at once."""
        now = self._now()
        expires_at = now + timedelta(seconds=parse_expires_in(expires_in)) if access_token and expires_in else now
        token = ZaloToken(access_token=access_token or "", refresh_token=refresh_token, expires_at=expires_at,
                          updated_at=now)
        with self._locked():
            self.save(token)
        log.info("zalo token stored (refresh …%s)", fingerprint(refresh_token))
        return token

    # -- use -----------------------------------------------------------------------------------------------------

    def _fresh(self, token: ZaloToken) -> bool:
        return bool(token.access_token) and token.expires_at - self._now() > timedelta(seconds=self.refresh_margin_s)

    def access_token(self) -> str:
        """A valid access token, refreshed first if it expires within `refresh_margin_s`."""
        token = self.load()
        if token is None:
            raise TokenError(f"no Zalo token in {self.path}: authorize the OA and store its refresh token with "
                             f"`crisiswatch zalo-token --set`")
        if self._fresh(token):
            return token.access_token
        try:
            return self.refresh().access_token
        except TokenError:
            current = self.load()
            if current and current.access_token and current.expires_at > self._now():
                log.warning("zalo token refresh failed; using the current access token until it expires at %s",
                            current.expires_at.isoformat())
                return current.access_token
            raise

    def refresh(self, rejected_access_token: str | None = None, *, force: bool = False) -> ZaloToken:
        """Refresh (under the cross-process lock) when the token is about to expire, or when `force`. With
        `rejected_access_token` (the token an API call just refused with -216): refresh unless someone else already
        did since that call, in which case the newer token is returned."""
        with self._locked():
            token = self.load()
            if token is None:
                raise TokenError(f"no Zalo token in {self.path}: run `crisiswatch zalo-token --set`")
            if not force and rejected_access_token is not None and token.access_token and \
                    token.access_token != rejected_access_token:
                return token  # another process or request refreshed meanwhile
            if not force and rejected_access_token is None and self._fresh(token):
                return token
            interrupted = token.refresh_started_at
            if interrupted is not None:
                log.warning("zalo token: a refresh started at %s did not finish (crash before its answer was "
                            "saved); retrying once with the same refresh token …%s", interrupted.isoformat(),
                            fingerprint(token.refresh_token))
            # Mark the refresh token as in flight BEFORE spending it.
            marked = ZaloToken(token.access_token, token.refresh_token, token.expires_at, token.updated_at,
                               refresh_started_at=interrupted or self._now(), last_error=token.last_error)
            self.save(marked)
            try:
                data = self._post_refresh(token.refresh_token)
            except TokenError as error:
                self.save(ZaloToken(token.access_token, token.refresh_token, token.expires_at, token.updated_at,
                                    refresh_started_at=marked.refresh_started_at, last_error=str(error)))
                if interrupted is not None and getattr(error, "rejected", False):
                    raise TokenError(
                        f"the Zalo refresh token …{fingerprint(token.refresh_token)} was rejected: it was most likely "
                        f"spent by the refresh interrupted at {interrupted.isoformat()} (the process stopped before "
                        f"saving the new one). Authorize the OA again and store the new refresh token with "
                        f"`crisiswatch zalo-token --set`. ({error})") from None
                raise
            try:
                access = str(data["access_token"])
                refresh = str(data["refresh_token"])
                expires_in = parse_expires_in(data.get("expires_in", "0"))
                if not access or not refresh:
                    raise ValueError("empty token")
            except (KeyError, ValueError) as error:
                raise TokenError(f"unexpected token refresh answer: {error}") from None
            now = self._now()
            new = ZaloToken(access, refresh, now + timedelta(seconds=expires_in), now)
            self.save(new)  # persisted (fsync'd) BEFORE the new access token is returned to anyone
        log.info("zalo token refreshed: access …%s valid until %s; refresh token rotated (…%s → …%s)",
                 fingerprint(access), new.expires_at.isoformat(), fingerprint(token.refresh_token),
                 fingerprint(refresh))
        return new

    def _post_refresh(self, refresh_token: str) -> dict[str, Any]:
        settings = self.settings
        if not settings.zalo_app_id or settings.zalo_app_secret_key is None:
            raise TokenError("zalo_app_id and zalo_app_secret_key must be set to refresh the Zalo token")
        url = settings.zalo_oauth_url.rstrip("/") + REFRESH_PATH
        client = self._client or httpx.Client(timeout=30.0)
        try:
            response = client.post(
                url,
                data={"refresh_token": refresh_token, "app_id": settings.zalo_app_id,
                      "grant_type": "refresh_token"},
                headers={"secret_key": settings.zalo_app_secret_key.get_secret_value(),
                         "Content-Type": "application/x-www-form-urlencoded"},
            )
        except httpx.HTTPError as error:
            raise TokenError(f"token refresh request to {url} failed: {type(error).__name__}") from None
        finally:
            if self._client is None:
                client.close()
        try:
            data = response.json()
        except ValueError:
            raise TokenError(f"token refresh: HTTP {response.status_code}, body is not JSON") from None
        if response.status_code != 200 or not isinstance(data, dict) or "access_token" not in data:
            code = data.get("error") if isinstance(data, dict) else None
            name = (data.get("error_name") or data.get("message") or "") if isinstance(data, dict) else ""
            reason = data.get("error_reason") or data.get("error_description") or "" if isinstance(data, dict) else ""
            error = TokenError(f"token refresh rejected: HTTP {response.status_code}, error {code} {name} {reason}"
                               .rstrip())
            error.rejected = True  # type: ignore[attr-defined]  # Zalo answered: the token was not accepted
            raise error
        return data
