"""Page 5, system health: crawl health per source, worker processes (status files), consumer lag per group and the
dead-letter queue with its latest records. Kafka is optional: when the broker cannot be reached the page says so
(and everything read from files still shows) instead of failing."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from alerting.store.models import Role
from common.bus import consumer_lag, parse_dead_letter, topic_offsets
from common.bus.status import read_statuses
from common.settings import Settings
from crawlers.scheduler import SourceHealth, read_health
from dashboard.app import render
from dashboard.auth import require

router = APIRouter()
DLQ_SHOWN = 20
PREVIEW_CHARS = 400
CONNECT_TIMEOUT_S = 1.0
KAFKA_TIMEOUT_S = 8.0


@dataclass(frozen=True)
class GroupLag:
    group: str
    topic: str
    partitions: int
    lag: int


@dataclass(frozen=True)
class DlqRow:
    failed_at: datetime | None
    reason: str
    error_class: str
    error: str
    origin: str
    size: int
    preview: str


@dataclass
class KafkaView:
    servers: str
    error: str | None = None
    lag: list[GroupLag] = field(default_factory=list)
    dlq_size: int = 0
    dlq: list[DlqRow] = field(default_factory=list)


def preview(value: bytes) -> str:
    """Printable start of a payload: decoded leniently, control characters replaced (the template escapes it)."""
    text = value[: PREVIEW_CHARS * 4].decode("utf-8", "replace")[:PREVIEW_CHARS]
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)


def _reachable(servers: str) -> str | None:
    """None when one bootstrap server accepts a TCP connection, else why not (checked first: kafka-python would
    otherwise retry for many seconds before giving up)."""
    errors = []
    for server in servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=CONNECT_TIMEOUT_S):
                return None
        except (OSError, ValueError) as error:
            errors.append(f"{server.strip()}: {error}")
    return "; ".join(errors)


def _dlq_tail(settings: Settings, ends: dict[int, int], count: int) -> list[DlqRow]:
    """The last `count` records of the DLQ (by failure time), read from the end of each partition."""
    wanted = {TopicPartition(settings.topic_dlq, p): end for p, end in ends.items() if end > 0}
    if not wanted:
        return []
    consumer = KafkaConsumer(client_id="crisiswatch-dashboard", enable_auto_commit=False,
                             **settings.kafka_client_config())
    records: list[Any] = []
    try:
        consumer.assign(list(wanted))
        starts = {tp: max(0, end - count) for tp, end in wanted.items()}
        for tp, start in starts.items():
            consumer.seek(tp, start)
        deadline = time.monotonic() + KAFKA_TIMEOUT_S / 2
        while time.monotonic() < deadline and any(consumer.position(tp) < end for tp, end in wanted.items()):
            for tp, batch in consumer.poll(timeout_ms=200).items():
                records += [r for r in batch if starts[tp] <= r.offset < wanted[tp]]
    finally:
        consumer.close(autocommit=False)
    rows = []
    for record in records:
        try:
            letter = parse_dead_letter(record)
        except (KeyError, ValueError) as error:
            rows.append(DlqRow(None, "?", "?", f"dlq.* thiếu/sai: {error}",
                               f"{record.topic}[{record.partition}]@{record.offset}", len(record.value or b""),
                               preview(record.value or b"")))
            continue
        rows.append(DlqRow(letter.failed_at, letter.reason, letter.error_class, letter.error,
                           f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}",
                           len(letter.value), preview(letter.value)))
    rows.sort(key=lambda row: row.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return rows[:count]


def kafka_view(settings: Settings) -> KafkaView:
    view = KafkaView(settings.bootstrap_servers)
    problem = _reachable(settings.bootstrap_servers)
    if problem is not None:
        view.error = problem
        return view
    try:
        groups: dict[tuple[str, str], list[int]] = {}
        for row in consumer_lag(settings):
            groups.setdefault((row.group, row.topic), []).append(row.lag)
        view.lag = [GroupLag(group, topic, len(lags), sum(lags)) for (group, topic), lags in sorted(groups.items())]
        ends = topic_offsets(settings, [settings.topic_dlq]).get(settings.topic_dlq, {})
        view.dlq_size = sum(ends.values())
        view.dlq = _dlq_tail(settings, ends, DLQ_SHOWN)
    except Exception as error:  # noqa: BLE001 - any broker failure is shown on the page, never a 500
        view.error = f"{type(error).__name__}: {error}"
    return view


def worker_statuses(settings: Settings) -> list[dict[str, Any]]:
    """Every worker status file, whatever its stage (classifier, indexer, alerting...)."""
    root = settings.state_dir / "status"
    if not root.is_dir():
        return []
    rows = []
    for stage_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        for status in read_statuses(settings, stage_dir.name):
            status.setdefault("stage", stage_dir.name)
            updated = status.get("updated_at")
            try:
                status["updated"] = datetime.fromisoformat(updated) if isinstance(updated, str) else None
            except ValueError:
                status["updated"] = None
            rows.append(status)
    return rows


def _parse_time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/health", dependencies=[require(Role.viewer)])
async def health(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    crawl: list[SourceHealth] = await run_in_threadpool(read_health, settings)
    try:
        kafka = await asyncio.wait_for(run_in_threadpool(kafka_view, settings), timeout=KAFKA_TIMEOUT_S * 2)
    except TimeoutError:
        kafka = KafkaView(settings.bootstrap_servers, error=f"quá {KAFKA_TIMEOUT_S * 2:.0f} giây không trả lời")
    return render(request, "health.html", {
        "crawl": [(source, _parse_time(source.last_success)) for source in crawl],
        "workers": await run_in_threadpool(worker_statuses, settings), "kafka": kafka,
        "dlq_topic": settings.topic_dlq,
    })
