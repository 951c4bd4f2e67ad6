from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from alerting.store.cli import register
from alerting.store.database import head_revision
from common.settings import get_settings


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'db' / 'crisiswatch.db'}")
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a Typer app needs a command besides the group to keep the `db` name
    register(app)
    yield app
    get_settings.cache_clear()


def test_db_current_then_upgrade(app: typer.Typer) -> None:
    runner = CliRunner()
    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 1 and "chưa khởi tạo" in before.output and "crisiswatch db upgrade" in before.output
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "phiên bản lược đồ mới nhất" in upgraded.output and head_revision() in upgraded.output
    after = runner.invoke(app, ["db", "current"])
    assert after.exit_code == 0 and "đã cập nhật" in after.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
