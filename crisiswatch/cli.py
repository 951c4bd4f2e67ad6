"""`crisiswatch` command line (Typer + Rich). Messages are in Vietnamese, the users' language."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table

from common.cli import settings_or_exit
from common.settings import CONFIG_ENV, Settings, get_settings

app = typer.Typer(
    help="crisiswatch: giám sát và ứng phó khủng hoảng truyền thông cho BHXH Việt Nam.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
topics_app = typer.Typer(help="Quản lý các topic Kafka (mentions.raw, mentions.classified, mentions.dlq).",
                         no_args_is_help=True)
app.add_typer(topics_app, name="topics")


def _register_stage_commands() -> None:
    from classifier.cli import register as register_classifier
    from crawlers.zalo.cli import register as register_zalo
    from alerting.cli import register as register_alerting
    from alerting.store.cli import register as register_db
    from dashboard.cli import register as register_dashboard
    from forecast.cli import register as register_forecast
    from index.cli import register as register_indexer

    register_zalo(app)
    register_classifier(app)
    register_indexer(app)
    register_db(app)
    register_alerting(app)
    register_dashboard(app)
    register_forecast(app)

console = Console()
err_console = Console(stderr=True)


@app.callback()
def main(
    config: Annotated[Optional[Path], typer.Option(
        "--config", help=f"Tệp cấu hình TOML (tương đương biến môi trường {CONFIG_ENV}).",
        exists=True, dir_okay=False)] = None,
) -> None:
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
        get_settings.cache_clear()


def _settings() -> Settings:
    return settings_or_exit(err_console)


@app.command("settings")
def show_settings(
    as_json: Annotated[bool, typer.Option("--json", help="In ra JSON.")] = False,
) -> None:
    """Xem cấu hình đang dùng (mật khẩu và khóa bí mật được che)."""
    values = _settings().redacted()
    if as_json:
        console.print_json(json.dumps(values, default=str))
        return
    table = Table(title="Cấu hình crisiswatch", show_lines=False)
    table.add_column("Tham số")
    table.add_column("Biến môi trường", style="dim")
    table.add_column("Giá trị")
    for name, value in values.items():
        table.add_row(name, f"CRISISWATCH_{name.upper()}", "—" if value is None else str(value))
    console.print(table)


def _wait_for_shutdown() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def broker(
    port: Annotated[Optional[int], typer.Option(help="Cổng (mặc định: broker_port trong cấu hình).")] = None,
) -> None:
    """Chạy Kafka broker nhúng (Tansu) trên loopback, tạo các topic, dừng sạch khi Ctrl-C."""
    from common.bus import EmbeddedBroker

    settings = _settings()
    topics = [settings.topic_raw, settings.topic_classified, settings.topic_dlq]
    with EmbeddedBroker(host=settings.broker_host, port=port or settings.broker_port, topics=topics,
                        partitions=settings.topic_partitions,
                        log_path=settings.state_dir / "broker.log") as embedded:
        console.print(f"[green]Broker đang chạy[/green] tại [bold]{embedded.bootstrap_servers}[/bold]; "
                      f"topic: {', '.join(topics)}. Nhấn Ctrl-C để dừng.")
        _wait_for_shutdown()
    console.print("Đã dừng broker.")


@topics_app.command("create")
def topics_create() -> None:
    """Tạo các topic nếu chưa có (an toàn khi chạy lại)."""
    from common.bus import ensure_topics

    settings = _settings()
    topics = [settings.topic_raw, settings.topic_classified, settings.topic_dlq]
    ensure_topics(settings, topics, settings.topic_partitions)
    console.print(f"Đã sẵn sàng: {', '.join(topics)} ({settings.topic_partitions} partition).")


@topics_app.command("list")
def topics_list() -> None:
    """Liệt kê topic, số partition và số bản ghi."""
    from crisiswatch.status import topics_table

    console.print(topics_table(_settings()))


@topics_app.command("lag")
def topics_lag() -> None:
    """Độ trễ (lag) của từng consumer group theo partition."""
    from crisiswatch.status import lag_table

    console.print(lag_table(_settings()))


def _read_texts(texts: list[str]) -> Iterator[tuple[str, Optional[str], Optional[str]]]:
    """(where, text, error) for each argument, or each JSON Lines record on stdin."""
    if texts:
        for number, text in enumerate(texts, 1):
            yield f"arg {number}", text, None
        return
    from common.text import InvalidTextError, decode_utf8

    for number, raw in enumerate(sys.stdin.buffer, 1):
        where = f"stdin line {number}"
        if not raw.strip():
            continue
        try:
            record = json.loads(decode_utf8(raw, where=where))
        except InvalidTextError as error:
            yield where, None, str(error)
            continue
        except json.JSONDecodeError as error:
            yield where, None, f"{where}: invalid JSON: {error}"
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield where, None, f"{where}: expected a JSON object with a string field 'text'"
            continue
        yield where, record["text"], None


@app.command()
def inspect(
    texts: Annotated[Optional[list[str]], typer.Argument(
        help="Các đoạn văn bản; bỏ trống để đọc JSON Lines (trường 'text') từ stdin.")] = None,
) -> None:
    """Xem pipeline làm gì với một văn bản: chuẩn hóa, bỏ dấu, che dữ liệu cá nhân, tỉnh/thành, watchlist.

    In một đối tượng JSON cho mỗi văn bản. Dòng lỗi được báo ra stderr và bỏ qua, không dừng cả lô.
    """
    from common.query import MatchDocument, default_watchlist
    from common.text import process

    key = _settings().pii_key()
    watchlist = default_watchlist()
    failures = 0
    for where, text, error in _read_texts(texts or []):
        if error is not None:
            failures += 1
            err_console.print(f"[red]Bỏ qua[/red] {error}", soft_wrap=True, markup=True)
            continue
        result = process(text, key)
        province = result.province
        sys.stdout.write(json.dumps({
            "normalized": result.normalized,
            "folded": result.folded,
            "masked": result.masked,
            "province": province.written if province else None,
            "province_new": province.new if province else None,
            "watchlist": watchlist.matches(MatchDocument.from_tokens(result.tokens)),
        }, ensure_ascii=False) + "\n")
    if failures:
        raise typer.Exit(1)


@app.command()
def run(
    demo: Annotated[bool, typer.Option(
        "--demo/--no-demo", help="Thu thập từ nguồn ghi sẵn phát lại trên máy này (mặc định) hay từ nguồn thật "
                                 "trong tệp nguồn.")] = True,
    speed: Annotated[float, typer.Option(help="Tốc độ phát lại dòng thời gian demo.")] = 10.0,
) -> None:
    """Chạy toàn bộ hệ thống nhúng trên máy này: broker, thu thập, phân loại; hiện tình trạng trực tiếp.

    Ctrl-C để dừng.
    """
    from crisiswatch.stack import EmbeddedStack

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    settings = _settings()
    signal.signal(signal.SIGTERM, interrupt)  # SIGTERM stops cleanly like Ctrl-C, even while starting up
    try:
        with EmbeddedStack(settings, console, demo=demo, speed=speed) as stack:
            stack.watch()
    except KeyboardInterrupt:
        pass
    console.print("Đã dừng toàn bộ hệ thống.")


def _health_table(rows: list) -> Table:
    table = Table(title="Tình trạng thu thập theo nguồn")
    for column in ("Nguồn", "Chu kỳ", "Trạng thái", "Lần chạy", "Lỗi", "Thành công gần nhất (UTC)",
                   "Mới (lần cuối)", "Tổng", "Bị lọc", "Lỗi gần nhất"):
        table.add_column(column)
    labels = {"ok": "[green]ổn định[/green]", "failing": "[red]lỗi[/red]", "waiting": "đang chờ"}
    for row in rows:
        table.add_row(row.source, f"{row.interval_s}s", labels[row.status], str(row.runs), str(row.failures),
                      row.last_success or "—", str(row.last_items), str(row.total_items), str(row.last_dropped),
                      row.last_error or "")
    return table


@app.command()
def crawl(
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", "-s", help="Chỉ chạy nguồn này (news, facebook, zalo); lặp lại để chọn nhiều.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Chạy mỗi nguồn một lần rồi thoát.")] = False,
    status: Annotated[bool, typer.Option("--status", help="Chỉ xem tình trạng lần chạy gần nhất.")] = False,
) -> None:
    """Thu thập tin từ mọi nguồn đã cấu hình, mỗi nguồn theo chu kỳ riêng, đẩy vào Kafka `mentions.raw`.

    Một nguồn lỗi không làm dừng các nguồn khác; tình trạng từng nguồn được in ra sau mỗi lần chạy.
    """
    from crawlers.scheduler import read_health, run_crawls

    settings = _settings()
    if status:
        console.print(_health_table(read_health(settings)))
        return
    try:
        health = run_crawls(settings, only=source, once=once,
                            on_update=lambda rows: console.print(_health_table(rows)))
    except ValueError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    if once and any(h.last_error for h in health.values()):
        raise typer.Exit(1)


@app.command()
def replay(
    speed: Annotated[float, typer.Option(help="Tốc độ phát lại dòng thời gian (10 = nhanh gấp 10 lần).")] = 1.0,
    port: Annotated[int, typer.Option(help="Cổng (0 = tự chọn).")] = 8090,
) -> None:
    """Phát lại các phản hồi đã ghi của nguồn (báo, Facebook Graph API, Zalo) trên máy này, cho demo và kiểm thử."""
    from crawlers.replay import ReplayServer

    with ReplayServer(speed=speed, port=port) as server:
        console.print(f"[green]Máy chủ phát lại[/green] tại [bold]{server.base_url}[/bold] "
                      f"({len(server.recordings)} phản hồi đã ghi, tốc độ ×{speed:g}). Ctrl-C để dừng.")
        _wait_for_shutdown()


_register_stage_commands()
