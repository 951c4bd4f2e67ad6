"""Engines, migrations and the schema check of the relational store.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so two processes writing the same file
serialize instead of failing halfway with "database is locked" on lock upgrade. PostgreSQL (production) uses
its default READ COMMITTED isolation plus explicit row locks (see `alerting.store.alerts`).

The Alembic configuration is built in code (no alembic.ini) and the scripts live inside this package, so the
wheel carries them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from alerting.store.errors import SchemaError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30


def create_engine_for(url: str, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S, **kwargs: Any) -> Engine:
    """An engine for `url` with the store's connection settings (see the module docstring). `busy_timeout_s`:
    how long a SQLite writer waits for another one's transaction before giving up."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout_s}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration scripts shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | Engine, revision: str = "head") -> str | None:
    """Run the migrations up to `revision`; returns the revision the database is at afterwards."""
    engine = url if isinstance(url, Engine) else create_engine_for(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return current_revision(engine)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def check_schema(engine: Engine) -> None:
    """Fail with a clear message when the database is not at the migration head this code was written for."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaError(f"Cơ sở dữ liệu {where} chưa được khởi tạo (chưa có bảng nào). "
                          "Hãy chạy `crisiswatch db upgrade`.")
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current in known:
        raise SchemaError(f"Cơ sở dữ liệu {where} đang ở phiên bản lược đồ {current}, cũ hơn phiên bản {head} "
                          "mà mã nguồn cần. Hãy chạy `crisiswatch db upgrade`.")
    raise SchemaError(f"Cơ sở dữ liệu {where} đang ở phiên bản lược đồ {current}, mã nguồn này không biết "
                      f"(mới nhất: {head}). Có thể cơ sở dữ liệu đã được nâng cấp bởi một phiên bản crisiswatch "
                      "mới hơn: hãy cập nhật crisiswatch.")
