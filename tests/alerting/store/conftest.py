"""The store under test, on SQLite (a fresh file per test) and on PostgreSQL (one fresh database per session,
created with CREATE DATABASE and dropped at the end, emptied between tests) so runs never collide."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for, upgrade
from alerting.store.models import Base
from alerting.store.playbooks import PlaybookStore
from alerting.store.users import UserStore

PG_ADMIN_URL = os.environ.get("CRISISWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    name = f"cw_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        upgrade(url)
        yield url


def _empty(url: str) -> None:
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (cheaper than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "store.db"
    upgrade(f"sqlite:///{path}")  # the engine is disposed: the WAL is checkpointed into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _empty(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def alerts(engine: Engine) -> AlertStore:
    return AlertStore(engine, channels=("email",), max_attempts=3)


@pytest.fixture
def playbooks(engine: Engine) -> PlaybookStore:
    return PlaybookStore(engine)


@pytest.fixture
def users(engine: Engine) -> UserStore:
    return UserStore(engine)


@pytest.fixture
def audit(engine: Engine) -> AuditLog:
    return AuditLog(engine)


def episode_update(kind: str = "opened", *, rule: str = "rumor_withdrawal_ban", key: str = "one_time_withdrawal",
                   minutes: float = 0, score: float = 45, count: int = 10, playbook: str | None = "rumor",
                   title: str | None = None) -> EpisodeUpdate:
    """A real EpisodeUpdate `minutes` after T0 (severity derived from `score`, as the engine does)."""
    at = T0 + timedelta(minutes=minutes)
    return EpisodeUpdate(
        rule=rule, rule_type="spike", key=key, kind=UpdateKind(kind), at=at, severity_score=score,
        severity=Severity.from_score(score), playbook=playbook,
        title=title or f"Tin đồn 'cấm rút BHXH một lần' lan nhanh ({count} bài)",
        facts=EpisodeFacts(count=count, window_count=count, velocity=count * 2.0, negative_share=0.6,
                           first_seen=T0, last_seen=at, sources={"facebook": count},
                           provinces={"Thành phố Hồ Chí Minh": count}, top_terms=["rút một lần", "cấm"]))
