"""The token store: atomic persistence, refresh before expiry, single-use refresh tokens (never reused), a crash
between refresh and persist, concurrent refreshes, and no secret in any log line.

Zalo's OAuth endpoint is simulated in-process with `httpx.MockTransport` by `FakeZaloOAuth`, which behaves like the
real one where it matters: each refresh token works ONCE (a second use is rejected with error -14014, and counted).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from common.settings import Settings
from crawlers.zalo.token import TokenError, TokenStore, parse_expires_in, write_atomic
from tests.crawlers.zalo.helpers import APP_ID, APP_SECRET


class FakeZaloOAuth:
    def __init__(self, first_refresh: str = "rt-0") -> None:
        self.valid = {first_refresh}
        self.used: list[str] = []
        self.reused: list[str] = []
        self.issued = 0
        self.lock = threading.Lock()
        self.on_request = None  # hook(refresh_token) run before answering

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/v4/oa/access_token"
        assert request.headers["secret_key"] == APP_SECRET
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["app_id"] == APP_ID and form["grant_type"] == "refresh_token"
        token = form["refresh_token"]
        if self.on_request:
            self.on_request(token)
        with self.lock:
            self.used.append(token)
            if token not in self.valid:
                self.reused.append(token)
                return httpx.Response(200, json={"error_name": "Invalid parameter", "error_reason":
                                                 "Invalid refresh token", "error": -14014})
            self.valid.discard(token)  # single use
            self.issued += 1
            new = f"rt-{self.issued}"
            self.valid.add(new)
        return httpx.Response(200, json={"access_token": f"at-{self.issued}-secretvalue", "refresh_token": new,
                                         "expires_in": "90000"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler), base_url="https://oauth.zaloapp.com")


@pytest.fixture
def oauth() -> FakeZaloOAuth:
    return FakeZaloOAuth()


def store(settings: Settings, oauth: FakeZaloOAuth, **kwargs) -> TokenStore:  # type: ignore[no-untyped-def]
    return TokenStore(settings, client=oauth.client(), **kwargs)


def test_expires_in_is_parsed_from_a_string() -> None:
    assert parse_expires_in("90000") == 90000
    assert parse_expires_in(" 3600 ") == 3600
    assert parse_expires_in(7200) == 7200
    for bad in ("soon", "-5", True, 1.5, None):
        with pytest.raises(ValueError):
            parse_expires_in(bad)


def test_write_atomic_replaces_whole_file_with_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "x" / "token.json"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temp file left behind


def test_refresh_rotates_and_persists_before_use(zalo_settings: Settings, oauth: FakeZaloOAuth) -> None:
    tokens = store(zalo_settings, oauth)
    tokens.seed("rt-0")
    seen_on_disk: list[str] = []
    original_save = tokens.save

    def spying_save(token):  # type: ignore[no-untyped-def]
        original_save(token)
        seen_on_disk.append(json.loads(tokens.path.read_text())["refresh_token"])

    tokens.save = spying_save  # type: ignore[method-assign]
    access = tokens.access_token()  # no access token yet: refreshes at once
    assert access == "at-1-secretvalue"
    # the new refresh token was on disk (fsync'd) when the access token was handed out
    assert seen_on_disk[-1] == "rt-1"
    on_disk = json.loads(tokens.path.read_text())
    assert on_disk["refresh_token"] == "rt-1" and on_disk["refresh_started_at"] is None
    expires = datetime.fromisoformat(on_disk["expires_at"])
    assert timedelta(hours=24) < expires - datetime.now(UTC) <= timedelta(seconds=90000)
    # fresh: no refresh
    assert tokens.access_token() == access and oauth.issued == 1


def test_refresh_happens_before_expiry_and_never_reuses_a_refresh_token(zalo_settings: Settings,
                                                                        oauth: FakeZaloOAuth) -> None:
    now = [1_800_000_000.0]
    tokens = store(zalo_settings, oauth, refresh_margin_s=600, clock=lambda: now[0])
    tokens.seed("rt-0")
    for _ in range(5):
        tokens.access_token()
        now[0] += 90000 - 599  # inside the margin: the next call refreshes
    assert oauth.issued == 5
    assert oauth.used == ["rt-0", "rt-1", "rt-2", "rt-3", "rt-4"]  # each refresh token exactly once
    assert oauth.reused == []
    # a fresh process (new store object) continues from the persisted token
    assert store(zalo_settings, oauth, clock=lambda: now[0]).access_token() == "at-6-secretvalue"
    assert oauth.reused == []


def test_concurrent_rejections_refresh_once(zalo_settings: Settings, oauth: FakeZaloOAuth) -> None:
    tokens = store(zalo_settings, oauth)
    tokens.seed("rt-0")
    stale = tokens.access_token()
    results: list[str] = []

    def worker() -> None:  # several requests saw -216 with the same token at the same time (threads or processes)
        results.append(store(zalo_settings, oauth).refresh(rejected_access_token=stale).access_token)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert oauth.issued == 2 and set(results) == {"at-2-secretvalue"} and oauth.reused == []


def test_crash_between_refresh_and_persist_is_reported_clearly(zalo_settings: Settings,
                                                               oauth: FakeZaloOAuth) -> None:
    tokens = store(zalo_settings, oauth)
    tokens.seed("rt-0")
    tokens.access_token()  # rt-0 → rt-1, persisted

    class Crash(BaseException):
        pass

    crashing = store(zalo_settings, oauth, refresh_margin_s=10**9)  # always "about to expire"
    original_save = crashing.save

    def save(token):  # type: ignore[no-untyped-def]
        if token.refresh_token != "rt-1":  # the NEW token: die before it reaches the disk
            raise Crash()
        original_save(token)

    crashing.save = save  # type: ignore[method-assign]
    with pytest.raises(Crash):
        crashing.access_token()  # Zalo issued rt-2 and consumed rt-1; we died before saving rt-2
    on_disk = json.loads(tokens.path.read_text())
    assert on_disk["refresh_token"] == "rt-1" and on_disk["refresh_started_at"]  # the in-flight mark survived

    after = store(zalo_settings, oauth, refresh_margin_s=10**9)
    with pytest.raises(TokenError, match="interrupted at .* Authorize the OA again .*zalo-token --set"):
        after.refresh()
    assert oauth.used.count("rt-1") == 2  # retried exactly once, not in a loop
    with pytest.raises(TokenError):
        after.refresh()
    assert oauth.used.count("rt-1") == 3
    # meanwhile the old access token is still used while it has not expired
    assert store(zalo_settings, oauth, refresh_margin_s=10**9).access_token() == "at-1-secretvalue"


def test_crash_before_the_request_reached_zalo_recovers(zalo_settings: Settings, oauth: FakeZaloOAuth) -> None:
    tokens = store(zalo_settings, oauth)
    tokens.seed("rt-0")

    class Crash(BaseException):
        pass

    def die(_token: str) -> None:
        raise Crash()

    oauth.on_request = die  # the process died while sending: Zalo never saw rt-0
    with pytest.raises(Crash):
        tokens.access_token()
    assert json.loads(tokens.path.read_text())["refresh_started_at"]
    oauth.on_request = None
    assert store(zalo_settings, oauth).access_token() == "at-1-secretvalue"  # the one retry succeeds
    assert json.loads(tokens.path.read_text())["refresh_started_at"] is None


def test_missing_token_and_missing_app_secret_are_clear_errors(tmp_path: Path, oauth: FakeZaloOAuth) -> None:
    settings = Settings(state_dir=tmp_path, zalo_app_id=APP_ID)
    with pytest.raises(TokenError, match="zalo-token --set"):
        TokenStore(settings, client=oauth.client()).access_token()
    TokenStore(settings).seed("rt-0")
    with pytest.raises(TokenError, match="zalo_app_secret_key"):
        TokenStore(settings, client=oauth.client()).access_token()


def test_no_secret_in_logs_or_reprs(zalo_settings: Settings, oauth: FakeZaloOAuth,
                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = store(zalo_settings, oauth)
    tokens.seed("rt-0")
    token = tokens.refresh(force=True)
    tokens.refresh(rejected_access_token=token.access_token)
    oauth.valid.clear()  # the next refresh is rejected: the error path logs too
    with pytest.raises(TokenError) as error:
        tokens.refresh(force=True)
    text = caplog.text + repr(token) + str(error.value) + repr(tokens.load())
    for secret in ["rt-0", "rt-1", "rt-2", "at-1-secretvalue", "at-2-secretvalue", APP_SECRET]:
        assert secret not in text
    assert "refreshed" in caplog.text  # the log does say what happened
