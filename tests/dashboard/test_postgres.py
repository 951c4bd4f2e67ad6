"""One smoke test on PostgreSQL (a fresh database, dropped afterwards): log in, see the board and the detail page,
complete a playbook step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for, upgrade
from alerting.store.users import UserStore
from common.settings import Settings
from dashboard.app import create_app
from dashboard.auth import hash_password
from tests.alerting.store.conftest import fresh_pg_database
from tests.dashboard.conftest import PASSWORD, episode, login, start_playbook, token_of


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with fresh_pg_database() as url:
        upgrade(url)
        engine = create_engine_for(url)
        yield engine
        engine.dispose()


def test_dashboard_on_postgresql(pg_engine: Engine, tmp_path) -> None:
    UserStore(pg_engine).create_user("truc.ban", role="responder", password_hash=hash_password(PASSWORD))
    update = episode(score=92)
    alert = AlertStore(pg_engine).apply(update).alert
    start_playbook(pg_engine, alert, update)
    step = AlertStore(pg_engine).get_alert(alert.id).runs[0].steps[0]
    app = create_app(Settings(state_dir=tmp_path / "state"), engine=pg_engine)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        login(client, "truc.ban")
        assert f'id="alert-{alert.id}"' in client.get("/").text
        assert step.title in client.get(f"/alerts/{alert.id}").text
        client.post(f"/alerts/{alert.id}/steps/{step.id}/complete",
                    data={"csrf_token": token_of(client), "note": "xong"})
    done = AlertStore(pg_engine).get_alert(alert.id).runs[0].steps[0]
    assert (done.status, done.completed_by, done.note) == ("done", "truc.ban", "xong")
    actions = [e.action for e in AuditLog(pg_engine).entries(actor="truc.ban")]
    assert actions == ["auth.login", "step.completed"]
