"""Login, logout, wrong passwords, the login rate limit, CSRF, session cookie flags and the audit of logins."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from alerting.store.audit import AuditLog
from common.settings import Settings
from dashboard.app import SESSION_COOKIE, create_app
from tests.dashboard.conftest import PASSWORD, csrf_token, login, token_of


def _post_login(client: TestClient, username: str, password: str, next_: str = "/"):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_}, follow_redirects=False)


def test_login_then_logout(app: FastAPI, engine) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2F"
    login(client, "analyst1")
    board = client.get("/")
    assert board.status_code == 200 and "Người analyst" in board.text

    response = client.post("/logout", data={"csrf_token": token_of(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "Bạn đã đăng xuất." in client.get("/login").text
    assert client.get("/", follow_redirects=False).status_code == 303
    actions = [(e.actor, e.action) for e in AuditLog(engine).entries(object_type="user", object_id="analyst1")]
    assert ("analyst1", "auth.login") in actions and ("analyst1", "auth.logout") in actions


def test_session_cookie_flags(tmp_path, engine, users, db_url) -> None:
    settings = Settings(state_dir=tmp_path / "s", database_url=db_url, dashboard_cookie_secure=True)
    client = TestClient(create_app(settings, engine=engine), base_url="https://dashboard.test")
    response = _post_login(client, "viewer1", PASSWORD)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" in cookie.lower()
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_bad_password_and_unknown_user_are_refused_alike(app: FastAPI, engine) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    wrong = _post_login(client, "viewer1", "không-đúng-mật-khẩu")
    unknown = _post_login(client, "khong-co-ai", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    failed = [e for e in AuditLog(engine).entries(actor="viewer1") if e.action == "auth.login_failed"]
    assert len(failed) == 1 and failed[0].details["ip"]


def test_failed_logins_are_rate_limited_per_username(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    for _ in range(5):
        assert _post_login(client, "responder1", "sai-mật-khẩu-rồi").status_code == 401
    blocked = _post_login(client, "responder1", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429 and "Đăng nhập sai quá nhiều lần" in blocked.text
    assert _post_login(client, "viewer1", PASSWORD).status_code == 303  # another username is not blocked


def test_disabled_user_loses_the_session(app: FastAPI, users) -> None:
    client = login(TestClient(app, base_url="http://127.0.0.1"), "analyst1")
    users.disable("analyst1", by="admin1")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_post_without_or_with_wrong_csrf_token_is_refused(app: FastAPI, alert_with_run) -> None:
    client = login(TestClient(app, base_url="http://127.0.0.1"), "responder1")
    url = f"/alerts/{alert_with_run.id}/acknowledge"
    missing = client.post(url, data={}, follow_redirects=False)
    wrong = client.post(url, data={"csrf_token": "x" * 43}, follow_redirects=False)
    header = client.post(url, headers={"X-CSRF-Token": "y" * 43, "HX-Request": "true"}, follow_redirects=False)
    for response in (missing, wrong, header):
        assert response.status_code == 403
    assert "CSRF" in missing.text
    assert app.state.alerts.get_alert(alert_with_run.id).status == "open"
    # The right token as a header (htmx) works.
    ok = client.post(url, headers={"X-CSRF-Token": token_of(client)}, follow_redirects=False)
    assert ok.status_code == 303
    assert app.state.alerts.get_alert(alert_with_run.id).status == "acknowledged"


def test_login_form_itself_needs_the_csrf_token(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://127.0.0.1")
    client.get("/login")
    response = client.post("/login", data={"username": "viewer1", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403


def test_login_never_redirects_off_site(app: FastAPI) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = _post_login(TestClient(app, base_url="http://127.0.0.1"), "viewer1", PASSWORD, target)
        assert response.status_code == 303 and response.headers["location"] == "/"
    response = _post_login(TestClient(app, base_url="http://127.0.0.1"), "viewer1", PASSWORD, "/health")
    assert response.headers["location"] == "/health"
