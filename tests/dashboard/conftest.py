"""The dashboard under test: a real migrated SQLite store per test, one user per role, alerts created through the
real `AlertStore.apply(EpisodeUpdate)` path, a playbook run planned from the shipped playbooks, and TestClients
that log in through the login form (so every test also exercises the session and CSRF machinery)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, TopPost, UpdateKind
from alerting.playbook import load_playbooks, plan_run
from alerting.store.alerts import AlertStore
from alerting.store.database import create_engine_for, upgrade
from alerting.store.models import Alert, Role
from alerting.store.playbooks import PlaybookStore, StepSpec
from alerting.store.users import UserStore
from common.bus import free_port
from common.settings import Settings
from dashboard.app import create_app
from dashboard.auth import hash_password

PASSWORD = "mật-khẩu-thử-nghiệm-12"
ROLES = [role.value for role in Role]  # viewer < analyst < responder < admin
HOSTILE = "<script>alert('xss')</script>" + "Đ" * 3000  # markup plus a long unbroken string


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-db") / "store.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """No broker: the port is free (nothing listens), so the health page must show Kafka as unreachable."""
    return Settings(state_dir=tmp_path / "state", database_url=db_url,
                    kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@pytest.fixture
def users(engine: Engine, password_hash: str) -> UserStore:
    store = UserStore(engine)
    for role in ROLES:
        store.create_user(f"{role}1", role=role, password_hash=password_hash, display_name=f"Người {role}")
    return store


@pytest.fixture
def alerts(engine: Engine) -> AlertStore:
    return AlertStore(engine)


@pytest.fixture
def app(settings: Settings, engine: Engine, users: UserStore) -> FastAPI:
    return create_app(settings, engine=engine, stream_poll_s=0.05, stream_max_s=0)


def episode(*, rule: str = "rumor_withdrawal_ban", key: str = "one_time_withdrawal", score: float = 85,
            title: str = "Tin đồn 'cấm rút BHXH một lần' lan nhanh (42 bài/giờ)", minutes_ago: float = 10,
            kind: str = "opened", province: str = "Thành phố Hồ Chí Minh", topic: str = "one_time_withdrawal",
            post_text: str = "Nghe nói từ tháng sau cấm rút BHXH một lần?", post_url: str = "https://example.test/p/1",
            count: int = 42) -> EpisodeUpdate:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    post = TopPost(mention_id="m1", source="facebook", url=post_url, author="Nguyễn Văn A", created_at=at, reach=1200,
                   text=post_text, sentiment="negative", misinformation=True)
    return EpisodeUpdate(
        rule=rule, rule_type="known_claim", key=key, kind=UpdateKind(kind), at=at, severity_score=score,
        severity=Severity.from_score(score), playbook="rumor", title=title,
        facts=EpisodeFacts(count=count, window_count=count, velocity=42.0, reach=5000, negative_share=0.7,
                           misinformation_share=0.6, first_seen=at, last_seen=at,
                           sentiment={"negative": 30, "neutral": 10, "positive": 2}, sources={"facebook": count},
                           provinces={province: count}, topics={topic: count},
                           claims={"cam-rut-bhxh-mot-lan": 12}, top_terms=["rút một lần", "cấm"], top_posts=[post]))


def start_playbook(engine: Engine, alert: Alert, update: EpisodeUpdate) -> None:
    """Start the alert's playbook the way alerting does: plan from the shipped definition, save the steps."""
    playbook = load_playbooks()["rumor"]
    plans = plan_run(playbook, update, alert.opened_at)
    PlaybookStore(engine).start_run(alert.id, playbook.name, [StepSpec.from_plan(plan) for plan in plans])


@pytest.fixture
def alert_with_run(engine: Engine, alerts: AlertStore) -> Alert:
    update = episode()
    alert = alerts.apply(update).alert
    assert alert is not None
    start_playbook(engine, alert, update)
    return alerts.get_alert(alert.id)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def token_of(client: TestClient) -> str:
    """The session's CSRF token, read from a page the client can see (/login sends a logged-in user to the board)."""
    return csrf_token(client.get("/login").text)


@pytest.fixture
def client_for(app: FastAPI) -> Iterator:
    """`client_for("responder")` → a TestClient logged in as that role's user."""
    clients: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        client = TestClient(app, base_url="http://127.0.0.1")
        clients.append(client)
        return login(client, f"{role}1") if role else client

    yield make
    for client in clients:
        client.close()
