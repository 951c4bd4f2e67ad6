"""The role × endpoint matrix, generated from the app's route table: a new endpoint is covered automatically, and
one without a role guard stops the app from starting."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from dashboard.app import api_routes, check_guards
from dashboard.auth import ROLE_RANK, require, route_guards
from tests.dashboard.conftest import PASSWORD, ROLES, token_of

FORM = {"duration": "1h", "reason": "đang xử lý", "note": "ghi chú", "assignee": "admin1", "lang": "en",
        "password": PASSWORD, "next": "/"}


def endpoints(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path template, route) for every route; logout last (it ends the session the matrix uses)."""
    found = [(method, route.path, route) for route in api_routes(app.routes) for method in sorted(route.methods)]
    return sorted(found, key=lambda item: (item[1] == "/logout", item[1], item[0]))


def _url(path: str, alert_id: int, step_id: int) -> str:
    return path.replace("{alert_id}", str(alert_id)).replace("{step_id}", str(step_id))


def _call(client: TestClient, method: str, url: str, username: str = "admin1"):
    """The request with a valid CSRF token and every form field any endpoint needs (POST /login logs the client
    in as `username`, i.e. as itself)."""
    if method == "GET":
        return client.get(url, follow_redirects=False)
    data = {**FORM, "username": username, "csrf_token": token_of(client)}
    return client.request(method, url, data=data, follow_redirects=False)


def test_every_route_declares_exactly_one_guard(app: FastAPI) -> None:
    routes = endpoints(app)
    assert len(routes) >= 12
    for _method, path, route in routes:
        assert len(route_guards(route)) == 1, path


def test_a_route_without_a_guard_stops_the_app(app: FastAPI) -> None:
    @app.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="/forgotten"):
        check_guards(app)

    @app.get("/guarded", dependencies=[require(None)])
    async def guarded() -> dict[str, str]:
        return {}
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/forgotten"]
    check_guards(app)


def test_role_endpoint_matrix(app: FastAPI, alert_with_run, client_for) -> None:
    alert_id, step_id = alert_with_run.id, alert_with_run.runs[0].steps[0].id
    clients = {role: client_for(role) for role in ROLES}
    checked = 0
    for method, path, route in endpoints(app):
        needed = route_guards(route)[0].role
        url = _url(path, alert_id, step_id)
        # Anonymous: a fresh client each time (the public login would otherwise log it in).
        response = _call(client_for(None), method, url)
        if needed is None:
            assert response.status_code not in (401, 403) and response.status_code < 500, (method, path)
        elif method == "GET" and not path.startswith("/api/") and not path.endswith("/stream"):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert response.status_code == 401, (method, path, response.status_code)
        for role in ROLES:
            response = _call(clients[role], method, url, f"{role}1")
            allowed = needed is None or ROLE_RANK[role] >= ROLE_RANK[needed.value]
            if allowed:
                assert response.status_code not in (401, 403) and response.status_code < 500, \
                    (role, method, path, response.status_code)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
            checked += 1
    assert checked == len(endpoints(app)) * len(ROLES)
