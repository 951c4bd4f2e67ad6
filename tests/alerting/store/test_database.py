from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from alerting.store.alerts import AlertStore
from alerting.store.database import create_engine_for, current_revision, head_revision, upgrade
from alerting.store.errors import SchemaError
from alerting.store.models import Base

from .conftest import fresh_pg_database


def _check_fresh_database(url: str) -> None:
    engine = create_engine_for(url)
    try:
        assert current_revision(engine) is None
        with pytest.raises(SchemaError, match="chưa được khởi tạo.*crisiswatch db upgrade"):
            AlertStore(engine)
        assert upgrade(url) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {table.name for table in Base.metadata.sorted_tables} <= tables
        indexes = {index["name"]: index for index in inspect(engine).get_indexes("alerts")}
        assert indexes["uq_alerts_open_episode"]["unique"]
        with engine.connect() as connection:  # the hand-reviewed migration matches the models exactly
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        AlertStore(engine)  # the check passes at head
        assert upgrade(url) == head_revision()  # running it again is a no-op
    finally:
        engine.dispose()


def test_migrations_build_an_empty_sqlite_database(tmp_path: Path) -> None:
    _check_fresh_database(f"sqlite:///{tmp_path / 'nested' / 'store.db'}")


def test_migrations_build_an_empty_postgresql_database() -> None:
    with fresh_pg_database() as url:
        _check_fresh_database(url)


def test_a_database_behind_or_ahead_of_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(SchemaError, match="ffff_from_the_future.*cập nhật crisiswatch"):
        AlertStore(engine)
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_immediate_transactions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    # BEGIN IMMEDIATE: while one transaction is open, a second writer cannot even begin.
    other = create_engine_for(url, busy_timeout_s=0)
    with engine.begin():
        with pytest.raises(Exception, match="locked"), other.begin() as blocked:
            blocked.exec_driver_sql("SELECT 1")
    other.dispose()
    engine.dispose()


def test_times_come_back_aware_utc_on_sqlite(tmp_path: Path) -> None:
    from alerting.store.users import UserStore

    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    users = UserStore(engine)
    users.create_user("lan.nguyen", role="analyst", password_hash="$argon2id$v=19$m=65536,t=3,p=4$abc$def",
                      now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    created = users.get_user_by_username("lan.nguyen").created_at
    assert created == datetime(2026, 3, 2, 15, 0, tzinfo=UTC) and created.tzinfo is not None
    engine.dispose()
