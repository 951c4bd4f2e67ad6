"""What every `crisiswatch` command does first: read the settings, or say clearly what is wrong with them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from common.settings import Settings, get_settings


def settings_or_exit(err_console: Console) -> Settings:
    """The settings; a bad config file or environment variable is a Vietnamese message and exit code 2."""
    try:
        return get_settings()
    except Exception as error:  # say what, not a traceback
        err_console.print(f"[red]Cấu hình không hợp lệ:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from error
