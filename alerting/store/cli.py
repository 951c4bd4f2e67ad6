"""``crisiswatch db upgrade`` and ``crisiswatch db current``: the relational store's schema (Vietnamese output)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from common.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)
db_app = typer.Typer(help="Cơ sở dữ liệu cảnh báo, kịch bản ứng phó, người dùng và nhật ký (SQLite/PostgreSQL).",
                     no_args_is_help=True)


def _database() -> tuple[str, str]:
    """(the URL, the URL with its password hidden) from the settings (CRISISWATCH_DATABASE_URL)."""
    try:
        settings: Settings = get_settings()
    except Exception as error:
        err_console.print(f"[red]Cấu hình không hợp lệ:[/red] {error}")
        raise typer.Exit(2) from error
    url = settings.database_url.get_secret_value()
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception as error:
        err_console.print(f"[red]database_url không hợp lệ:[/red] {error}")
        raise typer.Exit(2) from error
    return url, shown


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu lên phiên bản mới nhất (chạy lại nhiều lần vẫn an toàn)."""
    from alerting.store.database import upgrade

    url, shown = _database()
    try:
        revision = upgrade(url)
    except SQLAlchemyError as error:
        err_console.print(f"[red]Không nâng cấp được cơ sở dữ liệu {shown}:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(f"[green]✓[/green] Cơ sở dữ liệu [bold]{shown}[/bold] đã ở phiên bản lược đồ mới nhất "
                  f"([bold]{revision}[/bold]).", highlight=False)


@db_app.command("current")
def current_command() -> None:
    """Xem phiên bản lược đồ hiện tại của cơ sở dữ liệu (mã thoát 1 nếu cần nâng cấp)."""
    from alerting.store.database import create_engine_for, current_revision, head_revision

    url, shown = _database()
    engine = create_engine_for(url)
    try:
        current = current_revision(engine)
    except SQLAlchemyError as error:
        err_console.print(f"[red]Không kết nối được cơ sở dữ liệu {shown}:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    head = head_revision()
    table = Table(title="Lược đồ cơ sở dữ liệu", show_header=False)
    table.add_column("Mục")
    table.add_column("Giá trị")
    table.add_row("Cơ sở dữ liệu", shown)
    table.add_row("Phiên bản hiện tại", current or "— (chưa khởi tạo)")
    table.add_row("Phiên bản mới nhất", head)
    up_to_date = current == head
    table.add_row("Trạng thái", "[green]đã cập nhật[/green]" if up_to_date
                  else "[yellow]cần chạy `crisiswatch db upgrade`[/yellow]")
    console.print(table)
    if not up_to_date:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
