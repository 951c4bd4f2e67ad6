"""``crisiswatch forecast backtest``: rolling-origin backtest on a simulated history. The main CLI registers it
with ``register(app)``. Messages are in Vietnamese; metric names stay in English beside them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
err_console = Console(stderr=True)
forecast_app = typer.Typer(help="Dự báo rủi ro khủng hoảng theo tuần (tỉnh × chủ đề).", no_args_is_help=True)


def results_table(result) -> Table:  # type: ignore[no-untyped-def]
    """The backtest metrics as a Rich table (Vietnamese labels, English metric names)."""
    table = Table(title=f"Kiểm định lùi (backtest) — {len(result.origins)} tuần, {result.cells} ô tỉnh × chủ đề, "
                        f"{result.positives} ô-tuần có cảnh báo ≥ cao")
    table.add_column("Mô hình")
    for column in ("MASE số lượng", "MASE tiêu cực", "MASE tin sai", "Độ phủ 80 % (coverage)", "Brier",
                   "BSS so với khí hậu", "ROC-AUC", "Huấn luyện (s)"):
        table.add_column(column, justify="right")
    for name, s in result.scores.items():
        mark = " [bold green]✔ chọn[/bold green]" if name == result.pick else ""
        table.add_row(f"{s.label}{mark}", f"{s.mase['volume']:.3f}", f"{s.mase['negative']:.3f}",
                      f"{s.mase['misinfo']:.3f}", f"{s.coverage['volume']:.0%}", f"{s.brier:.4f}",
                      f"{s.brier_skill:+.3f}", "—" if s.roc_auc is None else f"{s.roc_auc:.3f}",
                      f"{s.fit_seconds:.1f}")
    return table


@forecast_app.command("backtest")
def backtest(
    years: Annotated[float, typer.Option("--years", help="Số năm lịch sử mô phỏng (≥ 2).")] = 3.0,
    weeks: Annotated[int, typer.Option("--weeks", help="Số tuần gốc dự báo (rolling origin).")] = 52,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống của bộ mô phỏng.")] = 0,
    refit_every: Annotated[int, typer.Option("--refit-every", help="Huấn luyện lại sau mỗi k tuần.")] = 13,
    out: Annotated[Optional[Path], typer.Option("--out", help="Thư mục ghi metrics.json và biểu đồ PNG.",
                                                file_okay=False)] = None,
) -> None:
    """Kiểm định lùi các mô hình dự báo trên lịch sử mô phỏng, in bảng chỉ số và chọn mô hình."""
    from forecast.backtest import run_backtest
    from forecast.event_calendar import CalendarError, default_calendar
    from forecast.simulator import simulate

    if years < 2:
        err_console.print("[red]--years phải ≥ 2[/red] (cần một năm để học mùa vụ năm trước các tuần kiểm định).")
        raise typer.Exit(2)
    try:
        calendar = default_calendar()
    except CalendarError as error:
        err_console.print(f"[red]Lịch sự kiện không hợp lệ:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    with console.status("Đang mô phỏng lịch sử đề cập…"):
        history, _ = simulate(years, seed=seed, calendar=calendar)
    total = weeks
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("Kiểm định lùi", total=total)

        def step(message: str) -> None:
            progress.update(task, description=message)
            if "xong gốc" in message:
                progress.advance(task)

        try:
            result = run_backtest(history, calendar, weeks=weeks, refit_every=refit_every, progress=step)
        except ValueError as error:
            err_console.print(f"[red]Không chạy được kiểm định:[/red] {error}", soft_wrap=True)
            raise typer.Exit(2) from error
        progress.update(task, completed=total, description="Xong")
    console.print(results_table(result))
    console.print(f"Mô hình được chọn: [bold]{result.scores[result.pick].label}[/bold] "
                  "(Brier thấp nhất trong các mô hình có MASE trung bình ≤ 1,05 × tốt nhất).")
    if out is not None:
        paths = result.write(out)
        console.print("Đã ghi: " + ", ".join(str(p) for p in paths), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(forecast_app, name="forecast")
