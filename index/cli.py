"""``crisiswatch indexer`` (the streaming indexer, ``index/indexer.py``), ``crisiswatch search`` and
``crisiswatch search-api`` (``index/api.py``, ``docs/search-api.md``). Messages are in Vietnamese."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from common.logs import rich_logging
from common.cli import settings_or_exit
from common.settings import Settings

console = Console()
err_console = Console(stderr=True)


def _settings() -> Settings:
    rich_logging(err_console)
    return settings_or_exit(err_console)


def _reporter(settings: Settings, stage: Any, backend_name: str, every_s: float) -> Any:
    """After each commit: the status file (live view of `crisiswatch run`), a Rich progress line now and then."""
    from dataclasses import asdict

    from common.bus.status import CommitReporter

    def print_line(worker: Any, rate: float | None) -> None:
        stats, own = worker.stats, stage.stats
        console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] đã đánh chỉ mục [bold]{own.indexed:,}[/bold] · "
                      f"DLQ {stats.dead_lettered:,} · lô {stats.batches:,} · {own.rate:,.0f} tài liệu/s",
                      soft_wrap=True, highlight=False)

    return CommitReporter(settings, "indexer", every_s=every_s, print_line=print_line,
                          extra=lambda worker: {"backend": backend_name, "indexed": stage.stats.indexed,
                                                "stage_stats": asdict(stage.stats)})


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
    from common.bus.status import run_worker
    from index.indexer import IndexerStage, backend_description, build_worker, open_backend

    settings = _settings()
    try:
        backend = open_backend(settings)
    except Exception as error:
        err_console.print(f"[red]Không mở được chỉ mục ({backend_description(settings)}):[/red] {error}",
                          soft_wrap=True)
        raise typer.Exit(2) from error
    stage = IndexerStage(backend)
    progress = _reporter(settings, stage, backend_description(settings), report_every)
    worker = build_worker(settings, stage, group_id=group, worker_id=worker_id, batch_linger_ms=linger_ms,
                          on_commit=progress)
    worker.install_signal_handlers()
    console.print(f"Đọc [bold]{settings.topic_classified}[/bold] → [bold]{backend_description(settings)}[/bold] "
                  f"(lỗi → {settings.topic_dlq}) trên {settings.bootstrap_servers}; group {group}, "
                  f"tiến trình {worker.worker_id}, lô tối đa {settings.worker_batch_size} / {linger_ms} ms. "
                  f"Ctrl-C để dừng.", soft_wrap=True, highlight=False)
    try:
        code = run_worker(worker, settings, err_console, max_idle_s=max_idle, undelivered="DLQ")
    finally:
        try:
            backend.close()
        except Exception as error:  # the offsets are only committed after a backend commit: nothing is lost
            err_console.print(f"[yellow]Đóng chỉ mục lỗi:[/yellow] {error}", soft_wrap=True)
        progress.remove(worker)
    console.print(_summary(worker, stage))
    if code:
        raise typer.Exit(code)


# ------------------------------------------------------------------------------------------------ search

SOURCE_VI = {"facebook": "Facebook", "zalo": "Zalo", "news": "Báo chí"}
SENTIMENT_VI = {"negative": "tiêu cực", "neutral": "trung lập", "positive": "tích cực"}
TOPIC_VI = {"pension": "lương hưu", "one_time_withdrawal": "rút BHXH một lần", "health_insurance": "BHYT",
            "unemployment": "BH thất nghiệp", "contribution_evasion": "nợ/trốn đóng", "vssid_app": "VssID, DVC",
            "scam_impersonation": "lừa đảo mạo danh", "law_policy": "luật, chính sách",
            "maternity_sickness": "thai sản, ốm đau", "service_quality": "chất lượng phục vụ", "other": "khác"}
FACET_VI = {"source": "Nguồn", "sentiment": "Sắc thái", "topic": "Chủ đề", "misinformation": "Tin sai",
            "province": "Tỉnh/thành", "author": "Tác giả", "cluster": "Cụm bài", "claim": "Tin đồn"}
_VALUE_VI = {"source": SOURCE_VI, "sentiment": SENTIMENT_VI, "topic": TOPIC_VI,
             "misinformation": {"true": "tin sai", "false": "không"}}
_OPTION = {"q": "truy vấn", "misinformation": "--misinfo"}  # QueryParams field → what the user typed
SNIPPET_CHARS = 160
BAR_WIDTH = 30


def _snippet(mention: Any, highlights: dict[str, str] | None) -> Text:
    """The text (title first) with matches in bold, cut to about `SNIPPET_CHARS` around the first match."""
    marked = (highlights or {}).get("text") or mention.text
    text = Text()
    for i, part in enumerate(re.split(r"</?em>", marked)):
        text.append(html.unescape(part), style="bold yellow" if i % 2 else None)
    first = min((span.start for span in text.spans), default=0)
    start = max(0, first - SNIPPET_CHARS // 4) if len(text) > SNIPPET_CHARS else 0
    cut = text[start:start + SNIPPET_CHARS]
    if start:
        cut = Text("…") + cut
    if start + SNIPPET_CHARS < len(text):
        cut.append("…")
    if mention.title:
        title = Text()
        for i, part in enumerate(re.split(r"</?em>", (highlights or {}).get("title") or mention.title)):
            title.append(html.unescape(part), style="bold yellow" if i % 2 else "bold")
        cut = title + Text("\n") + cut
    return cut


def _labels(mention: Any) -> str:
    labels = mention.labels
    out = f"{SENTIMENT_VI[labels.sentiment.value]} · {TOPIC_VI[labels.topic.value]}"
    if labels.misinformation:
        out += f" · [red]tin sai {labels.misinformation_score:.0%}[/red]"
    if mention.claims:
        out += " · " + ", ".join(c.claim_id for c in mention.claims)
    return out


def _bar(count: int, top: int) -> str:
    return "█" * max(1 if count else 0, round(BAR_WIDTH * count / top)) if top else ""


def _bad_query(error: Exception, query: str) -> None:
    """Print the query with a caret under the error position, then exit 2."""
    from common.query import QuerySyntaxError

    if isinstance(error, QuerySyntaxError):
        err_console.print(f"[red]Truy vấn sai cú pháp[/red] tại vị trí {error.position} (cột {error.column}):",
                          highlight=False)
        err_console.print(str(error), markup=False, highlight=False, soft_wrap=True)
    else:
        err_console.print("[red]Chỉ mục không chạy được truy vấn này:[/red]", highlight=False)
        err_console.print(str(error), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"  {query}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def search(
    query: Annotated[str, typer.Argument(
        help='Truy vấn, gõ không dấu được: "bao hiem", \'"lương hưu" chậm\', \'rut bhxh -"bảo hiểm xe"\'. '
             "Xem docs/query-language.md.")] = "",
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", help="Nguồn: facebook | zalo | news (lặp lại được).")] = None,
    sentiment: Annotated[Optional[list[str]], typer.Option(
        "--sentiment", help="Sắc thái: negative | neutral | positive (lặp lại được).")] = None,
    topic: Annotated[Optional[list[str]], typer.Option(
        "--topic", help="Chủ đề, ví dụ pension, one_time_withdrawal (lặp lại được).")] = None,
    misinfo: Annotated[Optional[bool], typer.Option(
        "--misinfo/--no-misinfo", help="Chỉ tin sai / chỉ tin không sai (mặc định: tất cả).")] = None,
    province: Annotated[Optional[str], typer.Option(
        "--province", help='Tỉnh/thành, tên cũ hoặc mới ("Bình Dương", "hcm").')] = None,
    from_: Annotated[Optional[str], typer.Option(
        "--from", help="Từ (ISO 8601; chỉ ngày = 00:00 giờ Việt Nam), ví dụ 2026-03-01.")] = None,
    to: Annotated[Optional[str], typer.Option(
        "--to", help="Đến (không bao gồm; chỉ ngày = hết ngày đó, giờ Việt Nam).")] = None,
    min_reach: Annotated[Optional[int], typer.Option(
        "--min-reach", min=0, help="Tương tác tối thiểu (reactions + shares + comments).")] = None,
    claim: Annotated[Optional[str], typer.Option("--claim", help="Mã tin đồn đã biết.")] = None,
    cluster: Annotated[Optional[str], typer.Option("--cluster", help="Mã cụm bài gần trùng.")] = None,
    sort: Annotated[str, typer.Option(
        "--sort", help="time (mới nhất) | relevance (liên quan nhất) | reach (lan truyền nhất).")] = "time",
    limit: Annotated[int, typer.Option(
        "--limit", min=1, max=10_000, help="Số kết quả hiển thị (bảng, --json).")] = 20,
    highlight: Annotated[bool, typer.Option(
        "--highlight/--no-highlight", help="In đậm từ khớp trong đoạn trích.")] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="In JSON Lines (mỗi dòng một đề cập đầy đủ) thay cho bảng.")] = False,
    export_file: Annotated[Optional[Path], typer.Option(
        "--export", dir_okay=False, help="Xuất TOÀN BỘ kết quả vào FILE.csv (UTF-8 BOM, mở bằng Excel) "
                                         "hoặc FILE.jsonl.")] = None,
    facets: Annotated[Optional[str], typer.Option(
        "--facets", help="Thống kê theo trường, cách nhau bởi dấu phẩy: "
                         "source,sentiment,topic,misinformation,province,author,cluster,claim.")] = None,
    histogram: Annotated[Optional[str], typer.Option(
        "--histogram", help="Biểu đồ theo thời gian (giờ Việt Nam): hour | day | week.")] = None,
) -> None:
    """Tìm kiếm các đề cập đã phân loại trong chỉ mục (tantivy hoặc Elasticsearch, theo cấu hình).

    Mặc định in bảng kết quả (giờ Việt Nam, nguồn, tỉnh, nhãn, tương tác, đoạn trích). Truy vấn sai: in vị trí lỗi
    và thoát mã 2; không mở được chỉ mục: thoát mã 1.
    """
    from pydantic import ValidationError

    from common.query import QuerySyntaxError
    from index.aggregations import FacetField, Interval, write_csv, write_jsonl
    from index.api import QueryParams
    from index.backend import SearchSort, UnsupportedQueryError
    from index.indexer import backend_description, open_backend

    try:
        params = QueryParams(q=query, source=source, sentiment=sentiment, topic=topic, misinformation=misinfo,
                             province=province, to=to, min_reach=min_reach, claim=claim, cluster=cluster,
                             **{"from": from_})
        order = SearchSort(sort)
        facet_fields = [FacetField(f.strip()) for f in facets.split(",") if f.strip()] if facets else []
        interval = Interval(histogram) if histogram else None
        if export_file is not None and export_file.suffix.lower() not in (".csv", ".jsonl"):
            raise ValueError(f"--export {export_file}: đuôi tệp phải là .csv hoặc .jsonl")
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            where = _OPTION.get(name, f"--{name.replace('_', '-')}") if name else "--from/--to"
            message = escape(problem["msg"].removeprefix("Value error, "))
            err_console.print(f"[red]Tham số không hợp lệ[/red] {where}: {message}", highlight=False)
        raise typer.Exit(2) from error
    except ValueError as error:
        err_console.print(f"[red]Tham số không hợp lệ:[/red] {error}", highlight=False)
        raise typer.Exit(2) from error

    settings = _settings()
    try:
        backend = open_backend(settings)
    except Exception as error:
        err_console.print(f"[red]Không mở được chỉ mục ({backend_description(settings)}):[/red] {error}",
                          soft_wrap=True)
        raise typer.Exit(1) from error
    try:
        request = params.request(sort=order, size=limit, highlight=highlight and not as_json)
        try:
            total = backend.count(request)
        except (QuerySyntaxError, UnsupportedQueryError) as error:
            _bad_query(error, query)
        if export_file is not None:
            _export(backend, request, export_file, total, write_csv, write_jsonl)
        if facet_fields:
            _print_facets(backend.facets(request, facet_fields, 10), total)
        if interval is not None:
            _print_histogram(backend.date_histogram(request, interval), interval.value, total)
        if as_json:
            for hit in backend.search(request).hits:
                print(json.dumps(hit.mention.model_dump(mode="json"), ensure_ascii=False))
        elif export_file is None and not facet_fields and interval is None:
            _print_hits(backend.search(request), total)
    except typer.Exit:
        raise
    except Exception as error:  # the index went away mid-command: say so, not a traceback
        err_console.print(f"[red]Lỗi chỉ mục ({backend_description(settings)}):[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    finally:
        backend.close()


def _print_hits(result: Any, total: int) -> None:
    from index.aggregations import VN_TZ

    table = Table(title=f"{total:,} kết quả" + (f" (hiển thị {len(result.hits)})" if total > len(result.hits)
                                                 else ""), show_lines=True)
    table.add_column("Thời gian (giờ VN)", no_wrap=True)
    table.add_column("Nguồn")
    table.add_column("Tỉnh/thành")
    table.add_column("Nhãn")
    table.add_column("Tương tác", justify="right")
    table.add_column("Nội dung", ratio=1)
    for hit in result.hits:
        m = hit.mention
        reach = m.reach.reactions + m.reach.shares + m.reach.comments
        table.add_row(m.created_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M"), SOURCE_VI[m.source.value],
                      m.province.new if m.province else "—", _labels(m), f"{reach:,}", _snippet(m, hit.highlights))
    console.print(table)
    if not result.hits:
        console.print("Không có kết quả nào. Thử bỏ bớt bộ lọc hoặc dùng từ khác.")
    elif total > len(result.hits):
        console.print("[dim]Dùng --limit N để xem nhiều hơn (tối đa 10.000) hoặc --export FILE.csv để xuất "
                      "toàn bộ.[/dim]", highlight=False)


def _print_facets(found: dict[str, list[tuple[str, int]]], total: int) -> None:
    for field, buckets in found.items():
        table = Table(title=f"{FACET_VI[field]} ({total:,} kết quả)")
        table.add_column("Giá trị")
        table.add_column("Số lượng", justify="right")
        table.add_column("", no_wrap=True)
        top = max((c for _, c in buckets), default=0)
        names = _VALUE_VI.get(field, {})
        for value, count in buckets:
            table.add_row(names.get(value, value), f"{count:,}", f"[cyan]{_bar(count, top)}[/cyan]")
        if not buckets:
            table.add_row("[dim](không có giá trị)[/dim]", "0", "")
        console.print(table)


def _print_histogram(buckets: list[tuple[datetime, int]], interval: str, total: int) -> None:
    formats = {"hour": "%d/%m/%Y %H:00", "day": "%d/%m/%Y", "week": "tuần từ %d/%m/%Y"}
    table = Table(title=f"Theo {dict(hour='giờ', day='ngày', week='tuần')[interval]} (giờ Việt Nam, "
                        f"{total:,} kết quả)")
    table.add_column("Bắt đầu", no_wrap=True)
    table.add_column("Số lượng", justify="right")
    table.add_column("", no_wrap=True)
    top = max((c for _, c in buckets), default=0)
    for start, count in buckets:
        table.add_row(start.strftime(formats[interval]), f"{count:,}", f"[cyan]{_bar(count, top)}[/cyan]")
    console.print(table)


def _export(backend: Any, request: Any, path: Path, total: int, write_csv: Any, write_jsonl: Any) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    writer = write_csv if path.suffix.lower() == ".csv" else write_jsonl
    with Progress(TextColumn("Xuất {task.fields[name]}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as progress:
        task = progress.add_task("export", total=total, name=path.name)

        def counted() -> Iterator[Any]:
            for mention in backend.export(request):
                yield mention
                progress.advance(task)

        rows = writer(counted(), path)
    console.print(f"Đã xuất [bold]{rows:,}[/bold] đề cập vào {path}", highlight=False, soft_wrap=True)


def search_api(
    host: Annotated[Optional[str], typer.Option(
        "--host", help="Địa chỉ lắng nghe (mặc định CRISISWATCH_SEARCH_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(
        "--port", min=1, max=65535, help="Cổng (mặc định CRISISWATCH_SEARCH_API_PORT, 8091).")] = None,
) -> None:
    """Chạy API tìm kiếm HTTP (FastAPI) cho dashboard và các công cụ: /api/search, /docs (OpenAPI).

    Chỉ đọc chỉ mục: chạy song song với `crisiswatch indexer` (tantivy: thấy dữ liệu mới sau mỗi commit của
    bộ đánh chỉ mục). Elasticsearch chưa sẵn sàng: API vẫn chạy và trả 503 cho tới khi kết nối được.
    """
    import uvicorn

    from index.api import create_app, lazy_backend
    from index.indexer import backend_description, open_backend

    settings = _settings()
    host = host or settings.search_api_host
    port = port or settings.search_api_port
    get_backend = lazy_backend(lambda: open_backend(settings))
    console.print(f"API tìm kiếm trên [bold]http://{host}:{port}[/bold] (tài liệu: /docs) → "
                  f"{backend_description(settings)}. Ctrl-C để dừng.", soft_wrap=True, highlight=False)
    uvicorn.run(create_app(get_backend), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("indexer")(indexer)
    app.command("search")(search)
    app.command("search-api")(search_api)
