"""``crisiswatch serve`` (the dashboard) and ``crisiswatch user create-admin|add`` (accounts; no default password
ever ships: the first admin is created here, with a password typed twice)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console

from alerting.store.errors import StoreError
from alerting.store.models import Role
from common.cli import settings_or_exit
from common.settings import Settings
from dashboard.auth import MIN_PASSWORD_LENGTH, PasswordPolicyError, hash_password

console = Console()
err_console = Console(stderr=True)
user_app = typer.Typer(help="Tài khoản đăng nhập bảng điều khiển (vai trò viewer < analyst < responder < admin).",
                       no_args_is_help=True)


def _settings() -> Settings:
    return settings_or_exit(err_console)


def _ask_password(username: str) -> str:
    """Prompt twice (hidden); refuse a short or mismatched password with a clear message."""
    for _ in range(3):
        password = typer.prompt(f"Mật khẩu cho {username} (ít nhất {MIN_PASSWORD_LENGTH} ký tự)", hide_input=True)
        again = typer.prompt("Nhập lại mật khẩu", hide_input=True)
        if password != again:
            err_console.print("[red]Hai lần nhập mật khẩu không khớp.[/red]")
            continue
        try:
            return hash_password(password)
        except PasswordPolicyError as error:
            err_console.print(f"[red]Mật khẩu không hợp lệ:[/red] {error}")
    err_console.print("[red]Đã nhập sai 3 lần, không tạo tài khoản.[/red]")
    raise typer.Exit(1)


def _create(username: str, role: Role, display_name: str | None) -> None:
    from alerting.store.database import create_engine_for
    from alerting.store.users import UserStore

    engine = create_engine_for(_settings().database_url.get_secret_value())
    try:
        users = UserStore(engine)
        if users.get_user_by_username(username) is not None:
            err_console.print(f"[red]Tên đăng nhập '{username}' đã tồn tại.[/red]")
            raise typer.Exit(1)
        password_hash = _ask_password(username)
        user = users.create_user(username, role=role.value, password_hash=password_hash, display_name=display_name,
                                 by="cli")
    except StoreError as error:
        err_console.print(f"[red]Không tạo được tài khoản:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    console.print(f"[green]✓[/green] Đã tạo tài khoản [bold]{user.username}[/bold] (vai trò {user.role}).",
                  highlight=False)


@user_app.command("create-admin")
def create_admin(username: Annotated[str, typer.Argument(help="Tên đăng nhập (a-z, 0-9, '.', '_', '-').")],
                 display_name: Annotated[Optional[str], typer.Option("--name", help="Tên hiển thị.")] = None) -> None:
    """Tạo tài khoản quản trị (admin) đầu tiên; mật khẩu được hỏi hai lần, không có mật khẩu mặc định."""
    _create(username, Role.admin, display_name)


@user_app.command("add")
def add_user(username: Annotated[str, typer.Argument(help="Tên đăng nhập (a-z, 0-9, '.', '_', '-').")],
             role: Annotated[Role, typer.Option("--role", help="viewer, analyst, responder hoặc admin.")],
             display_name: Annotated[Optional[str], typer.Option("--name", help="Tên hiển thị.")] = None) -> None:
    """Thêm tài khoản với vai trò cho trước; mật khẩu được hỏi hai lần."""
    _create(username, role, display_name)


def serve(host: Annotated[Optional[str], typer.Option(help="Địa chỉ lắng nghe (mặc định: dashboard_host).")] = None,
          port: Annotated[Optional[int], typer.Option(help="Cổng (mặc định: dashboard_port).")] = None) -> None:
    """Chạy bảng điều khiển web (cảnh báo trực tiếp, kịch bản ứng phó, tình trạng hệ thống)."""
    import uvicorn

    from dashboard.app import create_app

    settings = _settings()
    try:
        app = create_app(settings)
    except StoreError as error:
        err_console.print(f"[red]Không khởi động được bảng điều khiển:[/red] {error}")
        raise typer.Exit(1) from error
    host, port = host or settings.dashboard_host, port or settings.dashboard_port
    console.print(f"Bảng điều khiển: [bold]http://{host}:{port}[/bold] (địa chỉ dùng trong thông báo: "
                  f"{settings.dashboard_base_url}). Tạo tài khoản đầu tiên: `crisiswatch user create-admin TÊN`.",
                  highlight=False)
    if not settings.dashboard_secure_cookies:
        console.print("[yellow]Cookie phiên không bật Secure (dùng http trên máy cục bộ). Khi có HTTPS, đặt "
                      "CRISISWATCH_DASHBOARD_COOKIE_SECURE=true.[/yellow]")
    uvicorn.run(app, host=host, port=port, proxy_headers=False, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
