"""``crisiswatch forecast``: ``run`` (this week's forecast and report), ``schedule`` (the weekly job) and
``backtest`` (rolling-origin backtest on a simulated history; stores the pick in ``<state_dir>/forecast/model.json``
for ``run``). The main CLI registers the group with ``register(app)``. Messages are in Vietnamese; metric names
stay in English beside them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # heavy imports (sklearn, matplotlib) stay inside the commands
    from common.settings import Settings
    from forecast.event_calendar import Calendar
    from forecast.history import DailyHistory
    from forecast.report import Risk
    from forecast.run import ForecastRun

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
    save_pick: Annotated[bool, typer.Option("--save-pick/--no-save-pick",
                                            help="Ghi mô hình được chọn vào <state_dir>/forecast/model.json "
                                                 "(lệnh `forecast run` dùng mô hình này).")] = True,
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
    if save_pick:
        from forecast.run import forecast_dir, write_model_choice

        path = write_model_choice(forecast_dir(_settings().state_dir), result.pick, result.to_json())
        console.print(f"Đã lưu lựa chọn mô hình: {escape(str(path))}", soft_wrap=True)


def _settings() -> Settings:
    from common.cli import settings_or_exit

    return settings_or_exit(err_console)


class HistorySource(str, Enum):
    index = "index"
    simulate = "simulate"


class ForecastFailed(Exception):
    """A forecast that cannot run; the message is for the user (Vietnamese)."""


def _calendar(settings: Settings) -> Calendar:
    from forecast.event_calendar import default_calendar, load_calendar

    if settings.forecast_calendar_file is None:
        return default_calendar()
    return load_calendar(settings.forecast_calendar_file)


def _load_history(settings: Settings, today: date, weeks: int, source: HistorySource, seed: int,
                  calendar: Calendar) -> tuple[DailyHistory, int | None, int | None]:
    """(history of the local days before ``today``, alerts seen, alerts unplaced)."""
    if source is HistorySource.simulate:
        from forecast.simulator import simulate

        years = weeks * 7 / 365
        history, _ = simulate(years, seed=seed, start=today - timedelta(days=int(round(years * 365))),
                              calendar=calendar)
        return history, None, None
    from alerting.store.alerts import AlertStore
    from alerting.store.database import create_engine_for
    from alerting.store.errors import StoreError
    from forecast.sources import build_history, first_day
    from index.indexer import open_backend

    try:
        store = AlertStore(create_engine_for(settings.database_url.get_secret_value()))
    except StoreError as error:
        raise ForecastFailed(f"Không mở được kho cảnh báo: {error}") from error
    backend = open_backend(settings)
    try:
        since = today - timedelta(weeks=weeks)
        first = first_day(backend, since, today)
        if first is None:
            raise ForecastFailed(f"Chỉ mục chưa có đề cập nào từ {since:%d/%m/%Y} đến trước {today:%d/%m/%Y}.")
        with console.status("Đang đọc lịch sử đề cập từ chỉ mục…") as status:
            history, alerts = build_history(
                backend, store, first, today,
                progress=lambda done, total: status.update(f"Đang đọc lịch sử đề cập: chủ đề {done}/{total}…"))
    finally:
        backend.close()
        store.engine.dispose()
    assert alerts is not None  # a store was given
    return history, alerts.alerts, alerts.unplaced


def forecast_once(settings: Settings, *, today: date, model: str | None, weeks: int,
                  source: HistorySource = HistorySource.index, seed: int = 0
                  ) -> tuple[ForecastRun, list[Risk], list[Path]]:
    """History → fit → forecast JSON + HTML/PDF report under ``<state_dir>/forecast``. Raises ForecastFailed."""
    import json

    from forecast.event_calendar import CalendarError
    from forecast.history import HistoryError
    from forecast.report import write_report
    from forecast.run import forecast_dir, forecast_json, previous_forecast, read_model_choice, run_forecast

    directory = forecast_dir(settings.state_dir)
    try:
        calendar = _calendar(settings)
        name, origin_of_choice = (model, "chọn bằng tham số --model") if model else read_model_choice(directory)
        history, seen, unplaced = _load_history(settings, today, weeks, source, seed, calendar)
        with console.status(f"Đang huấn luyện và dự báo ({name})…"):
            run = run_forecast(history, calendar, model=name, model_source=origin_of_choice, alerts_seen=seen,
                               alerts_unplaced=unplaced)
        directory.mkdir(parents=True, exist_ok=True)
        previous = previous_forecast(directory, run.forecast.origin, history.end)
        json_path = directory / f"forecast-{run.forecast.origin.isoformat()}.json"
        json_path.write_text(json.dumps(forecast_json(run), ensure_ascii=False), encoding="utf-8")
        with console.status("Đang viết báo cáo…"):
            html_path, pdf_path, risks = write_report(directory, run, previous[1] if previous else None)
    except (CalendarError, HistoryError, ValueError, OSError) as error:
        raise ForecastFailed(str(error)) from error
    return run, risks, [json_path, html_path, pdf_path]


def _summary(run: ForecastRun, risks: list[Risk], paths: list[Path]) -> None:
    from common.labels import topic_vi
    from forecast.report import number_vi, percent_vi

    f = run.forecast
    if run.fallback:
        console.print(f"[bold yellow]Lưu ý:[/bold yellow] {escape(run.fallback)}", soft_wrap=True)
    table = Table(title=f"Rủi ro cao nhất tuần {f.origin:%d/%m} – {f.dates[-1]:%d/%m/%Y} ({escape(run.model_label)})")
    for column in ("#", "Tỉnh/thành", "Chủ đề", "P(cảnh báo ≥ cao)", "Đề cập dự kiến (80 %)", "Lý do chính"):
        table.add_column(column, justify="right" if column in ("#", "P(cảnh báo ≥ cao)") else "left")
    for i, r in enumerate(risks, 1):
        table.add_row(str(i), escape(r.province), escape(topic_vi(r.topic)), percent_vi(r.p_high),
                      f"{number_vi(r.volume[0])} ({number_vi(r.volume[1])}–{number_vi(r.volume[2])})",
                      escape(r.why[0]))
    console.print(table)
    console.print("Đã ghi: " + ", ".join(escape(str(p)) for p in paths), soft_wrap=True)


def _today_vn() -> date:
    from index.aggregations import VN_TZ

    return datetime.now(VN_TZ).date()


def _model_option(value: Optional[str]) -> Optional[str]:
    from forecast.models import MODELS

    if value is not None and value not in MODELS:
        raise typer.BadParameter(f"mô hình {value!r} không tồn tại (có: {', '.join(MODELS)})")
    return value


ModelOpt = Annotated[Optional[str], typer.Option(
    "--model", callback=_model_option,
    help="Bỏ qua lựa chọn của backtest (<state_dir>/forecast/model.json): seasonal_naive, moving_average, "
         "climatology, gradient_boosting.")]
WeeksOpt = Annotated[int, typer.Option("--history-weeks", min=6, help="Số tuần lịch sử tối đa đọc từ chỉ mục.")]
SourceOpt = Annotated[HistorySource, typer.Option(
    "--history-from", help="index (mặc định): chỉ mục + kho cảnh báo. simulate: lịch sử MÔ PHỎNG kết thúc hôm qua "
                           "— chỉ để trình diễn/kiểm thử, báo cáo không phản ánh dữ liệu thật.")]


@forecast_app.command("run")
def run_command(
    model: ModelOpt = None,
    history_weeks: WeeksOpt = 156,
    history_from: SourceOpt = HistorySource.index,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống khi --history-from simulate.")] = 0,
    today: Annotated[Optional[datetime], typer.Option(
        "--today", formats=["%Y-%m-%d"], help="Ngày đầu tuần dự báo (mặc định hôm nay, giờ Việt Nam); lịch sử "
                                              "dùng các ngày trước đó.")] = None,
) -> None:
    """Dự báo 7 ngày tới cho 34 tỉnh/thành × 11 chủ đề, ghi JSON và báo cáo HTML/PDF, in các rủi ro cao nhất."""
    settings = _settings()
    try:
        run, risks, paths = forecast_once(settings, today=today.date() if today else _today_vn(), model=model,
                                          weeks=history_weeks, source=history_from, seed=seed)
    except ForecastFailed as error:
        err_console.print(f"[red]Không lập được dự báo:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from error
    _summary(run, risks, paths)


def _parse_at(value: str) -> str:
    try:
        datetime.strptime(value, "%H:%M")
    except ValueError:
        raise typer.BadParameter(f"giờ {value!r} không hợp lệ, cần dạng HH:MM (ví dụ 07:00)") from None
    return value


@forecast_app.command("schedule")
def schedule_command(
    weekday: Annotated[int, typer.Option("--weekday", min=0, max=6,
                                         help="Thứ trong tuần: 0 = thứ Hai … 6 = Chủ nhật.")] = 0,
    at: Annotated[str, typer.Option("--at", callback=_parse_at, help="Giờ chạy (giờ Việt Nam), HH:MM.")] = "07:00",
    model: ModelOpt = None,
    history_weeks: WeeksOpt = 156,
    retry_minutes: Annotated[float, typer.Option("--retry-minutes", min=1,
                                                 help="Thử lại sau bao nhiêu phút nếu lỗi.")] = 60,
) -> None:
    """Chạy dự báo hằng tuần (mặc định thứ Hai 07:00 giờ Việt Nam), và ngay khi khởi động nếu báo cáo mới nhất
    đã cũ hơn một tuần. Dừng gọn khi nhận SIGTERM/SIGINT."""
    import signal
    import threading

    from forecast.run import forecast_dir, latest_report_age, next_run
    from index.aggregations import VN_TZ

    settings = _settings()
    stop = threading.Event()

    def interrupt(signum: int, _frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    clock = datetime.strptime(at, "%H:%M").time()
    try:
        now = datetime.now(UTC)
        age = latest_report_age(forecast_dir(settings.state_dir), now)
        due = now if age is None or age > timedelta(days=7) else next_run(now, weekday=weekday, at=clock)
        while not stop.is_set():
            console.print(f"Lần chạy dự báo tiếp theo: {due.astimezone(VN_TZ):%H:%M %d/%m/%Y} (giờ Việt Nam)")
            if stop.wait(max(0.0, (due - datetime.now(UTC)).total_seconds())):
                break
            try:
                run, risks, paths = forecast_once(settings, today=_today_vn(), model=model, weeks=history_weeks)
                _summary(run, risks, paths)
                due = next_run(datetime.now(UTC), weekday=weekday, at=clock)
            except Exception as error:  # noqa: BLE001 — a long-running job reports, retries and keeps running
                what = str(error) if isinstance(error, ForecastFailed) else f"{type(error).__name__}: {error}"
                err_console.print(f"[red]Không lập được dự báo:[/red] {escape(what)} — thử lại sau "
                                  f"{retry_minutes:g} phút.", soft_wrap=True)
                due = min(datetime.now(UTC) + timedelta(minutes=retry_minutes),
                          next_run(datetime.now(UTC), weekday=weekday, at=clock))
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    console.print("Đã dừng lịch dự báo.")


def register(app: typer.Typer) -> None:
    app.add_typer(forecast_app, name="forecast")
