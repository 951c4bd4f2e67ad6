"""Typer commands of the Zalo OA part. The main CLI registers them with `register(app)`:

- ``zalo-webhook``: the webhook receiver (uvicorn, settings host/port) AND, unless ``--no-forward``, the forwarder
  loop in the same process (a thread). Ctrl-C / SIGTERM: the server stops accepting, the forwarder finishes its
  current batch, both close. A second Ctrl-C quits at once (the spool is crash-safe).
- ``zalo-forward``: only the forwarder (for a separate process, or ``--until-empty`` to drain the spool once).
- ``zalo-token``: show the stored OA token's state, store a new refresh token (``--set``, read hidden), or refresh.
- ``zalo-send-events``: POST the recorded webhook events, signed, to a running webhook (demo timeline).

Messages are in Vietnamese, like the rest of the CLI.
"""

from __future__ import annotations

import logging

import os
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from common.logs import rich_logging
from common.cli import settings_or_exit
from common.settings import Settings

console = Console()
err_console = Console(stderr=True)


def _settings() -> Settings:
    rich_logging(err_console, kafka_level=logging.CRITICAL, quiet=("httpx",))  # the forwarder reports broker trouble
    return settings_or_exit(err_console)


def _oa_id(settings: Settings) -> str | None:
    from crawlers.config import load_sources

    try:
        return load_sources(settings).zalo.oa_id
    except Exception as error:
        err_console.print(f"[red]Tệp nguồn không hợp lệ:[/red] {error}")
        raise typer.Exit(2) from error


class _Shutdown:
    """SIGINT/SIGTERM set `event`; a second signal exits at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.event.is_set():
            err_console.print("[yellow]Thoát ngay (bộ đệm Zalo vẫn an toàn trên đĩa).[/yellow]")
            os._exit(130)
        self.event.set()

    def __enter__(self) -> _Shutdown:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _status_line(webhook: Any | None, forwarder: Any | None, pending: int | None) -> str:
    parts = []
    if webhook is not None:
        parts.append(f"webhook: nhận {webhook.received}, lưu {webhook.accepted}, "
                     f"sai chữ ký {webhook.rejected_signature}, lỗi định dạng {webhook.rejected_malformed}")
    if forwarder is not None:
        parts.append(f"chuyển tiếp: gửi {forwarder.sent}, trùng {forwarder.duplicates}, "
                     f"bỏ qua {sum(forwarder.skipped.values())}, DLQ {forwarder.dlq}, lỗi broker {forwarder.failures}")
    if pending is not None:
        parts.append(f"đang chờ {pending}")
    return " | ".join(parts)


def _status_loop(stop: threading.Event, line: Any, every_s: float = 10.0) -> threading.Thread:
    def loop() -> None:
        last = None
        while not stop.wait(every_s):
            try:
                text = line()
            except Exception:  # a status line must never take the process down
                continue
            if text != last:
                console.log(text)
                last = text

    thread = threading.Thread(target=loop, name="zalo-status", daemon=True)
    thread.start()
    return thread


def zalo_webhook(
    host: Annotated[Optional[str], typer.Option(help="Địa chỉ lắng nghe (mặc định: zalo_webhook_host).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Cổng (mặc định: zalo_webhook_port).")] = None,
    forward: Annotated[bool, typer.Option("--forward/--no-forward",
                                          help="Chạy cả bộ chuyển tiếp sang Kafka trong cùng tiến trình.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Số bản ghi mỗi lô chuyển tiếp.")] = 200,
) -> None:
    """Nhận webhook Zalo OA (kiểm tra chữ ký, lưu bền vào bộ đệm trước khi trả 200) và chuyển tiếp sang Kafka."""
    import uvicorn

    from crawlers.zalo.forwarder import Forwarder
    from crawlers.zalo.spool import Spool
    from crawlers.zalo.webhook import WEBHOOK_PATH, WebhookConfigError, create_app

    settings = _settings()
    host = host or settings.zalo_webhook_host
    port = port or settings.zalo_webhook_port
    forwarder = Forwarder(settings, oa_id=_oa_id(settings), batch_size=batch_size) if forward else None
    try:
        app = create_app(settings, forwarder_stats=forwarder.stats if forwarder else None)
    except WebhookConfigError as error:
        if forwarder is not None:
            forwarder.close()
        err_console.print(f"[red]Không thể chạy webhook Zalo:[/red] {error}")
        raise typer.Exit(2) from error
    status_spool = Spool.from_settings(settings)
    with _Shutdown() as shutdown:
        thread = None
        if forwarder is not None:
            thread = threading.Thread(target=forwarder.run, args=(shutdown.event,), name="zalo-forwarder")
            thread.start()
        console.print(f"[green]Webhook Zalo[/green] tại [bold]http://{host}:{port}{WEBHOOK_PATH}[/bold] "
                      f"(kiểm tra: /health); bộ đệm {status_spool.path}; "
                      + ("chuyển tiếp sang " + settings.topic_raw if forwarder else "[yellow]không chuyển tiếp[/yellow]")
                      + ". Ctrl-C để dừng.")
        _status_loop(shutdown.event, lambda: _status_line(app.state.stats, forwarder.stats if forwarder else None,
                                                          status_spool.pending_count()))
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                               lifespan="on"))
        code = 0
        try:
            server.run()  # handles SIGINT/SIGTERM itself, then re-raises them to our handler
        except KeyboardInterrupt:
            pass
        except SystemExit as exit_:  # uvicorn exits when it cannot bind the port
            code = int(exit_.code or 1)
            err_console.print(f"[red]Webhook không khởi động được trên {host}:{port}[/red] (cổng đang bận?)")
        finally:
            shutdown.event.set()
            if thread is not None:
                console.print("Đang dừng: chờ lô chuyển tiếp hiện tại…")
                thread.join()
            if forwarder is not None:
                forwarder.close()
            console.print(_status_line(app.state.stats, forwarder.stats if forwarder else None,
                                       status_spool.pending_count()))
            status_spool.close()
    console.print("Đã dừng webhook Zalo.")
    if code:
        raise typer.Exit(code)


def zalo_forward(
    batch_size: Annotated[int, typer.Option(min=1, help="Số bản ghi mỗi lô.")] = 200,
    until_empty: Annotated[bool, typer.Option("--until-empty", help="Dừng khi bộ đệm không còn bản ghi chờ.")] = False,
) -> None:
    """Chuyển các sự kiện Zalo trong bộ đệm sang Kafka mentions.raw (chỉ đánh dấu đã gửi khi broker xác nhận)."""
    from crawlers.zalo.forwarder import Forwarder

    settings = _settings()
    with Forwarder(settings, oa_id=_oa_id(settings), batch_size=batch_size) as forwarder, _Shutdown() as shutdown:
        console.print(f"[green]Bộ chuyển tiếp Zalo[/green]: {forwarder.spool.path} → {settings.topic_raw} "
                      f"({settings.bootstrap_servers}); đang chờ {forwarder.spool.pending_count()}. Ctrl-C để dừng.")
        _status_loop(shutdown.event, lambda: _status_line(None, forwarder.stats, forwarder.spool.pending_count()))
        forwarder.run(shutdown.event, until_empty=until_empty)
        console.print(_status_line(None, forwarder.stats, forwarder.spool.pending_count()))
    console.print("Đã dừng bộ chuyển tiếp Zalo.")


def zalo_token(
    set_token: Annotated[bool, typer.Option("--set", help="Lưu refresh token mới (nhập ẩn, hoặc từ stdin).")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Làm mới access token ngay.")] = False,
) -> None:
    """Xem trạng thái token Zalo OA (không in token), lưu refresh token mới, hoặc làm mới ngay."""
    from crawlers.zalo.token import TokenError, TokenStore, fingerprint

    settings = _settings()
    store = TokenStore(settings)
    try:
        if set_token:
            if sys.stdin.isatty():
                value = typer.prompt("Refresh token", hide_input=True)
            else:
                value = sys.stdin.readline()
            value = value.strip()
            if not value:
                err_console.print("[red]Refresh token trống.[/red]")
                raise typer.Exit(2)
            store.seed(value)
            console.print(f"Đã lưu refresh token …{fingerprint(value)} vào {store.path}.")
        if refresh:
            token = store.refresh(force=True)
            console.print(f"[green]Đã làm mới[/green]: access token …{fingerprint(token.access_token)} hết hạn "
                          f"{token.expires_at.astimezone().isoformat(timespec='seconds')}.")
        token = store.load()
    except TokenError as error:
        err_console.print(f"[red]Lỗi token Zalo:[/red] {error}")
        raise typer.Exit(1) from error
    if token is None:
        console.print(f"Chưa có token Zalo trong {store.path}: chạy [bold]crisiswatch zalo-token --set[/bold].")
        raise typer.Exit(1)
    table = Table(title="Token Zalo OA")
    table.add_column("Mục")
    table.add_column("Giá trị")
    table.add_row("access token", f"…{fingerprint(token.access_token)}" if token.access_token else "—")
    table.add_row("refresh token", f"…{fingerprint(token.refresh_token)}")
    left = token.expires_at - datetime.now(UTC)
    table.add_row("hết hạn", f"{token.expires_at.astimezone().isoformat(timespec='seconds')} "
                             f"({'còn ' + str(left).split('.')[0] if left.total_seconds() > 0 else 'đã hết hạn'})")
    table.add_row("làm mới dở dang", token.refresh_started_at.isoformat() if token.refresh_started_at else "không")
    table.add_row("lỗi gần nhất", token.last_error or "—")
    console.print(table)


def zalo_send_events(
    url: Annotated[Optional[str], typer.Option(help="URL webhook (mặc định: máy này, zalo_webhook_port).")] = None,
    speed: Annotated[Optional[float], typer.Option(help="Theo dòng thời gian timeline.yaml với tốc độ này.")] = None,
    keep_times: Annotated[bool, typer.Option("--keep-times", help="Giữ nguyên timestamp đã ghi.")] = False,
) -> None:
    """Gửi các sự kiện webhook Zalo đã ghi (có chữ ký hợp lệ) tới một webhook đang chạy (demo)."""
    from crawlers.zalo.send_events import post_events
    from crawlers.zalo.webhook import WEBHOOK_PATH

    settings = _settings()
    if settings.zalo_oa_secret_key is None or not settings.zalo_app_id:
        err_console.print("[red]Cần zalo_app_id và zalo_oa_secret_key[/red] (CRISISWATCH_ZALO_APP_ID, "
                          "CRISISWATCH_ZALO_OA_SECRET_KEY).")
        raise typer.Exit(2)
    target = url or f"http://{settings.zalo_webhook_host}:{settings.zalo_webhook_port}{WEBHOOK_PATH}"
    statuses = post_events(target, settings.zalo_app_id, settings.zalo_oa_secret_key.get_secret_value(),
                           speed=speed, retime=not keep_times,
                           on_sent=lambda event, response: console.print(
                               f"{'[green]' if response.status_code == 200 else '[red]'}{response.status_code}"
                               f"[/] {event.name}"))
    if any(status != 200 for status in statuses):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the Zalo commands to the main CLI."""
    app.command("zalo-webhook")(zalo_webhook)
    app.command("zalo-forward")(zalo_forward)
    app.command("zalo-token")(zalo_token)
    app.command("zalo-send-events")(zalo_send_events)


def main() -> None:  # pragma: no cover - `python -m crawlers.zalo.cli …` before/without the main CLI
    app = typer.Typer(help="crisiswatch — Zalo OA", no_args_is_help=True)
    register(app)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
