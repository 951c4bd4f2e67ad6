"""``crisiswatch indexer``: the streaming indexer (see ``index/indexer.py``). Messages are in Vietnamese."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from common.logs import rich_logging
from common.settings import Settings, get_settings

console = Console()
err_console = Console(stderr=True)


def _settings() -> Settings:
    rich_logging(err_console)
    try:
        return get_settings()
    except Exception as error:
        err_console.print(f"[red]Cấu hình không hợp lệ:[/red] {error}")
        raise typer.Exit(2) from error


class _Progress:
    """After each commit: a Rich progress line at most every `every_s` seconds."""

    def __init__(self, stage: Any, every_s: float) -> None:
        self.stage = stage
        self.every_s = every_s
        self._last = float("-inf")

    def __call__(self, worker: Any) -> None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self._last = now
        stats, stage = worker.stats, self.stage.stats
        console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] đã đánh chỉ mục [bold]{stage.indexed:,}[/bold] · "
                      f"DLQ {stats.dead_lettered:,} · lô {stats.batches:,} · "
                      f"{stage.rate:,.0f} tài liệu/s", soft_wrap=True, highlight=False)


def _summary(worker: Any, stage: Any) -> Table:
    stats, own = worker.stats, stage.stats
    table = Table(title="Bộ đánh chỉ mục đã dừng", show_header=False)
    table.add_column("Chỉ số")
    table.add_column("Giá trị", justify="right")
    table.add_row("Đã đánh chỉ mục", f"{own.indexed:,}")
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(stats.dead_letter_reasons.items()))
    table.add_row("Vào DLQ", f"{stats.dead_lettered:,}" + (f" ({reasons})" if reasons else ""))
    table.add_row("Lô đã commit", f"{stats.batches:,}")
    if own.backend_errors:
        table.add_row("Lỗi ghi chỉ mục (đã thử lại)", f"{own.backend_errors:,}")
    if stats.commit_failures:
        table.add_row("Commit bị từ chối (đọc lại)", f"{stats.commit_failures:,}")
    table.add_row("Thời gian ghi", f"{own.backend_seconds:.1f} s ({own.rate:,.0f} tài liệu/s)")
    return table


def indexer(
    group: Annotated[str, typer.Option(
        "--group", help="Consumer group. Các tiến trình cùng group chia nhau các partition của mentions.classified.")
    ] = "crisiswatch-indexer",
    worker_id: Annotated[Optional[str], typer.Option(
        "--worker-id", help="Tên tiến trình này trong group (mặc định: máy-pid).")] = None,
    linger_ms: Annotated[int, typer.Option(
        "--linger-ms", min=0, help="Chờ tối đa chừng ấy ms để gom đủ lô (worker_batch_size) trước khi ghi.")] = 500,
    max_idle: Annotated[Optional[float], typer.Option(
        "--max-idle", min=0, help="Dừng khi không có bản ghi mới trong chừng ấy giây (chạy một lượt, kiểm thử).")
    ] = None,
    report_every: Annotated[float, typer.Option(
        "--report-every", min=0, help="In tiến độ nhiều nhất mỗi chừng ấy giây.")] = 10.0,
) -> None:
    """Đánh chỉ mục liên tục: đọc Kafka `mentions.classified`, ghi vào chỉ mục tìm kiếm (tantivy hoặc Elasticsearch).

    Mỗi lô được ghi một lần (upsert theo id, không trùng lặp) rồi commit chỉ mục; offset Kafka chỉ được commit sau
    đó. Bản ghi hỏng (sai UTF-8, JSON lỗi, sai hợp đồng ClassifiedMention, quá lớn) và tài liệu bị Elasticsearch từ
    chối vào `mentions.dlq` kèm lý do và vị trí. Chọn chỉ mục bằng CRISISWATCH_SEARCH_BACKEND.
    Ctrl-C hoặc SIGTERM: xử lý xong lô đang chạy, commit rồi dừng.
    """
    from kafka.errors import KafkaError

    from common.bus import UndeliveredError
    from index.indexer import IndexerStage, backend_description, build_worker, open_backend

    settings = _settings()
    try:
        backend = open_backend(settings)
    except Exception as error:
        err_console.print(f"[red]Không mở được chỉ mục ({backend_description(settings)}):[/red] {error}",
                          soft_wrap=True)
        raise typer.Exit(2) from error
    stage = IndexerStage(backend)
    worker = build_worker(settings, stage, group_id=group, worker_id=worker_id, batch_linger_ms=linger_ms,
                          on_commit=_Progress(stage, report_every))
    worker.install_signal_handlers()
    console.print(f"Đọc [bold]{settings.topic_classified}[/bold] → [bold]{backend_description(settings)}[/bold] "
                  f"(lỗi → {settings.topic_dlq}) trên {settings.bootstrap_servers}; group {group}, "
                  f"tiến trình {worker.worker_id}, lô tối đa {settings.worker_batch_size} / {linger_ms} ms. "
                  f"Ctrl-C để dừng.", soft_wrap=True, highlight=False)
    code = 0
    try:
        worker.run(max_idle_s=max_idle)
    except UndeliveredError as error:
        err_console.print(f"[red]Kafka không xác nhận DLQ; lô chưa commit và sẽ được đọc lại:[/red] {error}",
                          soft_wrap=True)
        code = 1
    except KafkaError as error:
        err_console.print(f"[red]Lỗi Kafka ({settings.bootstrap_servers}):[/red] {error}", soft_wrap=True)
        code = 1
    finally:
        try:
            backend.close()
        except Exception as error:  # the offsets are only committed after a backend commit: nothing is lost
            err_console.print(f"[yellow]Đóng chỉ mục lỗi:[/yellow] {error}", soft_wrap=True)
    console.print(_summary(worker, stage))
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("indexer")(indexer)
