"""Alembic environment: uses the connection handed over by `alerting.store.database.upgrade`, or builds an engine
from ``sqlalchemy.url`` (e.g. when alembic is driven by hand with a Config made by `alembic_config(url)`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from alerting.store.database import create_engine_for
from alerting.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("crisiswatch chỉ chạy migration trực tiếp trên cơ sở dữ liệu (không hỗ trợ chế độ offline).")
run_migrations_online()
