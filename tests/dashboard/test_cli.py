"""`crisiswatch user create-admin` / `user add` (password typed twice, min length, no default) and `serve`'s
registration, through the real Typer app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from alerting.store.users import UserStore
from common.settings import get_settings
from dashboard.auth import verify_password
from dashboard.cli import register

GOOD = "một-mật-khẩu-dài-đủ"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path) -> Iterator[typer.Typer]:
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", db_url)
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(tmp_path / "state"))
    get_settings.cache_clear()
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """crisiswatch (test)."""

    register(app)
    yield app
    get_settings.cache_clear()


def test_create_admin_prompts_twice_and_stores_an_argon2_hash(cli: typer.Typer, engine) -> None:
    result = CliRunner().invoke(cli, ["user", "create-admin", "Chi.Huy"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản chi.huy (vai trò admin)" in result.output
    user = UserStore(engine).get_user_by_username("chi.huy")
    assert user.role == "admin" and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, GOOD)
    again = CliRunner().invoke(cli, ["user", "create-admin", "chi.huy"], input=f"{GOOD}\n{GOOD}\n")
    assert again.exit_code == 1 and "đã tồn tại" in again.output


def test_short_or_mismatched_passwords_are_refused(cli: typer.Typer, engine) -> None:
    typed = "ngan\nngan\n" + f"{GOOD}\nkhac-hoan-toan-roi\n" + "x\nx\n"
    result = CliRunner().invoke(cli, ["user", "create-admin", "admin"], input=typed)
    assert result.exit_code == 1
    assert "ít nhất 12 ký tự" in result.output and "không khớp" in result.output
    assert "Đã nhập sai 3 lần" in result.output
    assert UserStore(engine).get_user_by_username("admin") is None


def test_user_add_with_a_role(cli: typer.Typer, engine) -> None:
    result = CliRunner().invoke(cli, ["user", "add", "truc.ban", "--role", "responder"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert UserStore(engine).get_user_by_username("truc.ban").role == "responder"
    bad = CliRunner().invoke(cli, ["user", "add", "x.y", "--role", "boss"], input=f"{GOOD}\n{GOOD}\n")
    assert bad.exit_code == 2


def test_serve_is_registered(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output
