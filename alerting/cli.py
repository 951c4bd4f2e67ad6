"""``crisiswatch alerting`` (the engine) and ``crisiswatch alert …`` (list, ack, snooze, resolve, rules, dry-run,
replay). Messages are in Vietnamese; times are shown in Vietnam time."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from common.logs import rich_logging
from common.cli import settings_or_exit
from common.settings import Settings

console = Console()
err_console = Console(stderr=True)
alert_app = typer.Typer(help="Cảnh báo: xem, xác nhận, tạm hoãn, đóng; kiểm tra luật, chạy thử trên lịch sử, "
                             "đánh giá bằng kịch bản.", no_args_is_help=True)

SEVERITY_VI = {"low": "thấp", "medium": "trung bình", "high": "cao", "critical": "nghiêm trọng"}
SEVERITY_STYLE = {"low": "dim", "medium": "yellow", "high": "bold red", "critical": "bold white on red"}
STATUS_VI = {"open": "đang mở", "acknowledged": "đã xác nhận", "resolved": "đã đóng"}
KIND_VI = {"opened": "MỞ", "updated": "cập nhật", "resolved": "KẾT THÚC"}


def _settings() -> Settings:
    rich_logging(err_console)
    return settings_or_exit(err_console)


def _vn(value: datetime | None) -> str:
    from common.query import TIMEZONE

    return "—" if value is None else f"{value.astimezone(TIMEZONE):%d/%m/%Y %H:%M}"


def _severity(value: str) -> str:
    return f"[{SEVERITY_STYLE.get(value, '')}]{SEVERITY_VI.get(value, value)}[/]"


def _duration(value: str) -> timedelta:
    from alerting.rules import parse_duration

    try:
        return parse_duration(value)
    except (ValueError, TypeError) as error:
        raise typer.BadParameter(f"thời lượng '{value}' không hợp lệ: viết như 30m, 2h, 1d") from error


def _when(value: str, *, end: bool = False) -> datetime:
    from index.api import parse_time_bound

    try:
        return parse_time_bound(value, end=end)
    except ValueError as error:
        raise typer.BadParameter(f"thời điểm '{value}' không hợp lệ (ví dụ 2026-03-02 hoặc 2026-03-02T08:00)") \
            from error


def _rules(settings: Settings, directory: Path | None = None) -> list[Any]:
    from alerting.rules import DEFAULT_RULES_DIR, RuleError, load_rules

    folder = directory or settings.alert_rules_dir or DEFAULT_RULES_DIR
    try:
        return load_rules(folder)
    except RuleError as error:
        err_console.print(f"[red]Luật cảnh báo không hợp lệ ({folder}):[/red]\n{escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from error


def _stores(settings: Settings) -> tuple[Any, Any]:
    from alerting.store.alerts import AlertStore
    from alerting.store.database import create_engine_for
    from alerting.store.errors import StoreError
    from alerting.store.playbooks import PlaybookStore

    try:
        engine = create_engine_for(settings.database_url.get_secret_value())
        return AlertStore(engine), PlaybookStore(engine)
    except StoreError as error:
        err_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error


# ---------------------------------------------------------------------------------------------------- engine

def alerting(
    replica: Annotated[str, typer.Option(
        "--replica", help="Tên bản sao. Mỗi bản sao đọc toàn bộ luồng trong group riêng "
                          "(crisiswatch-alerting-<bản sao>); cơ sở dữ liệu bảo đảm không cảnh báo trùng.")] = "a",
    from_beginning: Annotated[bool, typer.Option(
        "--from-beginning", help="Group mới đọc từ đầu topic (mặc định: từ cuối; lịch sử lấy từ chỉ mục).")] = False,
    warm_up: Annotated[bool, typer.Option(
        "--warm-up/--no-warm-up", help="Dựng lại cửa sổ của các luật từ chỉ mục trước khi chạy.")] = True,
    max_idle: Annotated[Optional[float], typer.Option(
        "--max-idle", min=0, help="Dừng khi không có bản ghi mới trong chừng ấy giây (kiểm thử).")] = None,
    report_every: Annotated[float, typer.Option("--report-every", min=0,
                                                help="In tiến độ nhiều nhất mỗi chừng ấy giây.")] = 10.0,
) -> None:
    """Bộ cảnh báo: đọc `mentions.classified`, áp các luật, lưu cảnh báo (mỗi đợt một cảnh báo), khởi động kịch bản
    ứng phó, gửi thông báo (e-mail, webhook, Zalo). Ctrl-C hoặc SIGTERM: xong lô đang chạy rồi dừng."""
    from dataclasses import asdict

    from alerting.notifier import Notifier
    from alerting.notify.channels import ChannelConfigError, build_channels
    from alerting.playbook import PlaybookError, load_playbooks
    from alerting.service import AlertingService
    from alerting.worker import AlertingStage, Clock, build_worker, history, warm_window
    from common.bus.status import CommitReporter, run_worker
    from common.claims import RegistryError, load_registry

    settings = _settings()
    rules = _rules(settings)
    try:
        playbooks = load_playbooks(settings.playbooks_dir)
        claims = load_registry()
        channels = build_channels(settings)
    except (PlaybookError, RegistryError, ChannelConfigError) as error:
        err_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error
    alerts, runs = _stores(settings)
    alerts.channels = tuple(channels)  # none configured: alerts are only on the dashboard
    from alerting.store.rules import RuleStateStore

    service = AlertingService(rules, alerts, runs, playbooks=playbooks, claims=claims,
                              dashboard_base_url=settings.dashboard_base_url, actor=f"alerting-{replica}",
                              rule_states=RuleStateStore(alerts.engine))
    if warm_up and settings.alerting_warmup_hours > 0:
        _warm_up(settings, service, history, warm_window)
    stage = AlertingStage(service)

    def print_line(worker: Any, rate: float | None) -> None:
        stats = service.stats
        console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] đã xét [bold]{stats.mentions:,}[/bold] mention · "
                      f"mở {stats.opened} · kết thúc {stats.resolved} · kịch bản {stats.playbooks_started} · "
                      f"DLQ {worker.stats.dead_lettered:,}", soft_wrap=True, highlight=False)

    reporter = CommitReporter(settings, "alerting", every_s=report_every, print_line=print_line,
                              extra=lambda worker: {"replica": replica, "rules": len(rules),
                                                    "open_episodes": len(service.engine.open_episodes()),
                                                    "service": asdict(service.stats)})
    worker = build_worker(settings, stage, replica=replica, from_beginning=from_beginning, on_commit=reporter,
                          batch_linger_ms=200)
    worker.install_signal_handlers()
    notifier = Notifier(alerts, channels, worker_id=worker.worker_id,
                        dashboard_base_url=settings.dashboard_base_url) if channels else None
    clock = Clock(service, notifier, tick_s=settings.alerting_tick_s)
    console.print(f"Đọc [bold]{settings.topic_classified}[/bold] trên {settings.bootstrap_servers} · "
                  f"{len(rules)} luật · {len(playbooks)} kịch bản · kênh: "
                  f"{', '.join(channels) or 'chỉ bảng điều khiển'} · group {worker.group_id}. Ctrl-C để dừng.",
                  soft_wrap=True, highlight=False)
    reporter.write(worker)
    clock.start()
    try:
        code = run_worker(worker, settings, err_console, max_idle_s=max_idle, undelivered="DLQ")
    finally:
        clock.stop()
        reporter.remove(worker)
    stats = service.stats
    table = Table(title="Bộ cảnh báo đã dừng", show_header=False)
    table.add_column("Chỉ số")
    table.add_column("Giá trị", justify="right")
    for label, value in (("Mention đã xét", stats.mentions), ("Cảnh báo mở", stats.opened),
                         ("Tăng mức độ", stats.escalated_severity), ("Kết thúc (phục hồi)", stats.resolved),
                         ("Bị tạm hoãn/bảo trì", stats.suppressed), ("Trùng (bản sao khác đã ghi)", stats.duplicates),
                         ("Kịch bản khởi động", stats.playbooks_started), ("Bước quá hạn chuyển cấp",
                                                                            stats.steps_escalated),
                         ("Vào DLQ", worker.stats.dead_lettered)):
        table.add_row(label, f"{value:,}")
    if notifier is not None:
        table.add_row("Thông báo đã gửi / thử lại / lỗi",
                      f"{notifier.stats.sent} / {notifier.stats.retried} / {notifier.stats.failed}")
    console.print(table)
    if code:
        raise typer.Exit(code)


def _warm_up(settings: Settings, service: Any, history: Any, warm_window: Any) -> None:
    from index.indexer import backend_description, open_backend

    since, until = warm_window(settings, datetime.now(UTC))
    try:
        backend = open_backend(settings)
    except Exception as error:  # no index yet (first start) or not reachable: start cold, say so
        err_console.print(f"[yellow]Không đọc được chỉ mục để khởi động ({backend_description(settings)}): "
                          f"{error}. Bắt đầu với cửa sổ trống.[/yellow]", soft_wrap=True)
        return
    try:
        with console.status(f"Dựng lại cửa sổ luật từ {settings.alerting_warmup_hours:g} giờ gần nhất…"):
            count = service.warm_up(history(backend, since, until))
    finally:
        backend.close()
    console.print(f"[green]✓[/green] Đã dựng lại cửa sổ từ {count:,} mention của chỉ mục "
                  f"({_vn(since)} → {_vn(until)}).", highlight=False)


# ------------------------------------------------------------------------------------------- operator commands

def _actor(by: str | None) -> str:
    """Who acts: --by, else the OS user (a container may have no passwd entry for its uid: say "cli")."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@alert_app.command("list")
def list_command(
    status: Annotated[Optional[str], typer.Option("--status", help="open | acknowledged | resolved")] = None,
    min_severity: Annotated[Optional[str], typer.Option("--min-severity", help="low | medium | high | critical")
                            ] = None,
    rule: Annotated[Optional[str], typer.Option("--rule")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON Lines.")] = False,
) -> None:
    """Danh sách cảnh báo, mới nhất trước (mặc định: đang mở và đã xác nhận)."""
    settings = _settings()
    alerts, _ = _stores(settings)
    statuses = [status] if status else ["open", "acknowledged"]
    rows = _store_action(lambda: alerts.list_alerts(status=statuses, min_severity=min_severity, rule=rule,
                                                    limit=limit))
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps({"id": row.id, "rule": row.rule, "key": row.key, "status": row.status,
                                         "severity": row.severity, "title": row.title,
                                         "opened_at": row.opened_at.isoformat(),
                                         "last_event_at": row.last_event_at.isoformat()}, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Cảnh báo ({len(rows)})")
    for column in ("#", "Mức độ", "Trạng thái", "Tiêu đề", "Luật · khóa", "Mở lúc", "Mới nhất"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(str(row.id), _severity(row.severity), STATUS_VI.get(row.status, row.status), escape(row.title),
                      escape(f"{row.rule} · {row.key or '—'}"), _vn(row.opened_at), _vn(row.last_event_at))
    console.print(table)


def _store_action(action: Any) -> Any:
    from alerting.store.errors import StoreError

    try:
        return action()
    except StoreError as error:
        err_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error


@alert_app.command("ack")
def ack_command(alert_id: Annotated[int, typer.Argument(help="Số cảnh báo")],
                note: Annotated[Optional[str], typer.Option("--note")] = None,
                by: Annotated[Optional[str], typer.Option("--by", help="Người xác nhận (mặc định: người dùng máy)")
                              ] = None) -> None:
    """Xác nhận đã nhận cảnh báo (ghi vào nhật ký)."""
    alerts, _ = _stores(_settings())
    row = _store_action(lambda: alerts.acknowledge(alert_id, _actor(by), note))
    console.print(f"[green]✓[/green] Cảnh báo #{row.id} đã xác nhận bởi {_actor(by)}.", highlight=False)


@alert_app.command("resolve")
def resolve_command(alert_id: Annotated[int, typer.Argument(help="Số cảnh báo")],
                    note: Annotated[Optional[str], typer.Option("--note")] = None,
                    by: Annotated[Optional[str], typer.Option("--by")] = None) -> None:
    """Đóng cảnh báo bằng tay (các bước kịch bản chưa xong sẽ đóng theo)."""
    alerts, _ = _stores(_settings())
    row = _store_action(lambda: alerts.resolve_manually(alert_id, _actor(by), note))
    console.print(f"[green]✓[/green] Cảnh báo #{row.id} đã đóng.", highlight=False)


@alert_app.command("snooze")
def snooze_command(
    rule: Annotated[str, typer.Argument(help="Tên luật (tên tệp YAML)")],
    duration: Annotated[str, typer.Option("--for", help="Bao lâu: 30m, 2h, 1d")],
    reason: Annotated[str, typer.Option("--reason", help="Lý do (ghi vào nhật ký)")],
    key: Annotated[Optional[str], typer.Option("--key", help="Chỉ một khóa (ví dụ một chủ đề); mặc định: mọi khóa")
                   ] = None,
    by: Annotated[Optional[str], typer.Option("--by")] = None,
) -> None:
    """Tạm hoãn thông báo của một luật: cảnh báo vẫn được ghi nhưng không gửi thông báo cho đến khi hết hạn."""
    alerts, _ = _stores(_settings())
    until = datetime.now(UTC) + _duration(duration)
    _store_action(lambda: alerts.snooze(rule, until=until, reason=reason, by=_actor(by), key=key))
    console.print(f"[green]✓[/green] Tạm hoãn luật {escape(rule)}{escape(f' [{key}]') if key else ''} đến "
                  f"{_vn(until)}.",
                  highlight=False)


@alert_app.command("rules")
def rules_command(directory: Annotated[Optional[Path], typer.Option("--dir", help="Thư mục luật")] = None) -> None:
    """Kiểm tra và liệt kê các luật (mã thoát 2 nếu có tệp sai, kèm tệp, khóa và dòng)."""
    settings = _settings()
    rules = _rules(settings, directory)
    table = Table(title=f"{len(rules)} luật hợp lệ")
    for column in ("Luật", "Loại", "Bật", "Khóa", "Kịch bản", "Mô tả"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(rule.name, rule.type, "có" if rule.enabled else "không", ", ".join(rule.key) or "—",
                      rule.playbook or "—", rule.description)
    console.print(table)


@alert_app.command("dry-run")
def dry_run_command(
    rule_name: Annotated[str, typer.Argument(metavar="RULE", help="Tên luật, hoặc đường dẫn tệp YAML")],
    start: Annotated[str, typer.Option("--from", help="Từ (giờ Việt Nam), ví dụ 2026-03-01")],
    end: Annotated[str, typer.Option("--to", help="Đến (hết ngày nếu chỉ ghi ngày)")],
    warm: Annotated[str, typer.Option("--warm-up", help="Lịch sử trước --from để dựng cửa sổ nền")] = "7d",
) -> None:
    """Chạy thử một luật trên lịch sử trong chỉ mục: in những gì lẽ ra đã được cảnh báo, khi nào (không ghi gì)."""
    from alerting.dry_run import dry_run
    from alerting.rules import RuleError, load_rule
    from alerting.worker import history
    from common.claims import load_registry
    from index.indexer import backend_description, open_backend

    settings = _settings()
    since, until = _when(start), _when(end, end=True)
    if until <= since:
        raise typer.BadParameter("--to phải sau --from")
    path = Path(rule_name)
    if path.suffix in (".yaml", ".yml"):
        try:
            rule = load_rule(path)
        except RuleError as error:
            err_console.print(f"[red]Luật không hợp lệ:[/red]\n{escape(str(error))}", soft_wrap=True)
            raise typer.Exit(2) from error
    else:
        found = [r for r in _rules(settings) if r.name == rule_name]
        if not found:
            err_console.print(f"[red]Không có luật '{rule_name}'.[/red] Xem: crisiswatch alert rules")
            raise typer.Exit(2)
        rule = found[0]
    try:
        backend = open_backend(settings)
    except Exception as error:
        err_console.print(f"[red]Không mở được chỉ mục ({backend_description(settings)}):[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    try:
        with console.status("Đang đọc lịch sử và chạy thử…"):
            mentions = list(history(backend, since - _duration(warm), until))
            updates = [u for u in dry_run([rule], mentions, until=until, claims=load_registry()) if u.at >= since]
    finally:
        backend.close()
    table = Table(title=f"Chạy thử {rule.name} ({rule.type}) · {_vn(since)} → {_vn(until)} · {len(mentions):,} "
                        f"mention")
    for column in ("Lúc", "Sự kiện", "Khóa", "Mức độ", "Tiêu đề"):
        table.add_column(column, overflow="fold")
    for update in updates:
        if update.kind.value == "updated":
            continue
        table.add_row(_vn(update.at), KIND_VI[update.kind.value], escape(update.key or "—"),
                      _severity(update.severity.value), escape(update.title))
    opened = sum(1 for u in updates if u.kind.value == "opened")
    table.caption = f"{opened} đợt cảnh báo (các cập nhật giữa đợt được lược bỏ)"
    console.print(table)


@alert_app.command("replay")
def replay_command(
    file: Annotated[Path, typer.Argument(help="Dòng thời gian JSON Lines (scenario, ts, source, text)")],
    expect: Annotated[Optional[Path], typer.Option(
        "--expect", help="Tệp kỳ vọng YAML (hạn cảnh báo mỗi kịch bản); mã thoát 1 nếu có kịch bản trượt")] = None,
    rules_dir: Annotated[Optional[Path], typer.Option("--rules", help="Thư mục luật")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Ghi JSON Lines kết quả vào tệp")] = None,
) -> None:
    """Phát lại các dòng thời gian qua bộ phân loại thật và các luật, theo thời gian mô phỏng; in mỗi kịch bản
    một dòng JSON (scenario, first_alert_at, alerts) và một bảng."""
    from alerting.replay import TimelineError, judge, read_expectations, read_timelines, replay_scenario, to_mention
    from classifier.worker import artifact_problem, load_classifier
    from common.claims import load_registry

    settings = _settings()
    rules = _rules(settings, rules_dir)
    try:
        timelines = read_timelines(file)
        expectations = read_expectations(expect) if expect else {}
    except TimelineError as error:
        err_console.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from error
    problem = artifact_problem(settings)
    if problem is not None:
        err_console.print(f"[red]Không có mô hình phân loại:[/red] {problem}")
        raise typer.Exit(2)
    with console.status("Đang tải mô hình phân loại…"):
        classifier = load_classifier(settings)
    claims = load_registry()
    key = settings.pii_key()
    results = []
    total = sum(len(lines) for lines in timelines.lines.values())
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("Phân loại và phát lại", total=total)
        for scenario, lines in timelines.lines.items():
            mentions = [to_mention(line, number, key) for number, line in lines]
            classified = []
            for start in range(0, len(mentions), 64):
                classified += classifier.classify(mentions[start:start + 64])
                progress.advance(task, len(mentions[start:start + 64]))
            results.append(replay_scenario(scenario, classified, rules, claims=claims))
    out = output.open("w", encoding="utf-8") if output else None
    try:
        for result in results:
            line = json.dumps(result.as_json(), ensure_ascii=False)
            (out.write(line + "\n") if out else sys.stdout.write(line + "\n"))
    finally:
        if out:
            out.close()
    table = Table(title=f"Phát lại {file.name}: {len(results)} kịch bản, {total:,} mention"
                        + (f", bỏ qua {timelines.skipped} dòng không có text" if timelines.skipped else ""))
    for column in ("Kịch bản", "Mention", "Cảnh báo đầu tiên", "Hạn", "Đợt cảnh báo", "Kết quả"):
        table.add_column(column, overflow="fold")
    failed = 0
    for result in results:
        expectation = expectations.get(result.scenario)
        verdict = judge(result, expectation) if expectation else None
        failed += bool(verdict and not verdict.passed)
        alerts = "\n".join(escape(f"{a.rule} [{a.key or '—'}] {SEVERITY_VI[a.severity.value]} {_vn(a.opened_at)}")
                           for a in result.alerts) or "—"
        deadline = "không cảnh báo" if expectation and not expectation.crisis else \
            _vn(expectation.alert_by) if expectation else "—"
        mark = "—" if verdict is None else f"[green]✓ {escape(verdict.reason)}[/green]" if verdict.passed else \
            f"[red]✗ {escape(verdict.reason)}[/red]"
        table.add_row(result.scenario, str(result.mentions), _vn(result.first_alert_at), deadline, alerts, mark)
    missing = sorted(set(expectations) - {r.scenario for r in results})
    if missing:
        table.caption = f"Kỳ vọng không có dòng thời gian: {', '.join(missing)}"
        failed += len(missing)
    wide = Console(stderr=True, width=max(err_console.width, 170))  # the table is unreadable at 80 columns
    wide.print(table)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("alerting")(alerting)
    app.add_typer(alert_app, name="alert")
