"""Worker status files: what each stage process has done, for the live view of `crisiswatch run` and the dashboard.

Every worker process (classifier, indexer, alerting) writes one JSON snapshot after each commit to
``<state_dir>/status/<stage>/<worker_id>.json`` (atomically: readers never see half a file) and removes it on a
clean stop. `CommitReporter` is the ``on_commit`` callback that does this and prints a throttled progress line.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from common.bus.worker import Worker
    from common.settings import Settings

log = logging.getLogger(__name__)


def status_dir(settings: Settings, stage: str) -> Path:
    return settings.state_dir / "status" / stage


def write_status(settings: Settings, stage: str, data: dict[str, Any]) -> Path:
    """Write a worker's snapshot atomically; `data` must hold its ``worker_id``."""
    directory = status_dir(settings, stage)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['worker_id']}.json"
    fd, draft = tempfile.mkstemp(dir=directory, prefix=".status.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({**data, "stage": stage}, handle, ensure_ascii=False, default=str)
    os.replace(draft, path)
    return path


def remove_status(settings: Settings, stage: str, worker_id: str) -> None:
    (status_dir(settings, stage) / f"{worker_id}.json").unlink(missing_ok=True)


def read_statuses(settings: Settings, stage: str) -> list[dict[str, Any]]:
    """Every snapshot of `stage` in the state dir (unreadable files skipped)."""
    found = []
    for path in sorted(status_dir(settings, stage).glob("*.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found


def compact_partitions(assignment: list[str]) -> str:
    """["mentions.raw[0]", "mentions.raw[2]"] → "mentions.raw[0,2]" (for status lines)."""
    by_topic: dict[str, list[str]] = {}
    for item in assignment:
        topic, _, rest = item.rpartition("[")
        by_topic.setdefault(topic, []).append(rest.rstrip("]"))
    return " ".join(f"{topic}[{','.join(sorted(parts, key=lambda p: (len(p), p)))}]"
                    for topic, parts in sorted(by_topic.items())) or "—"


class Throttle:
    """Call `action` at most every `every_s` seconds (always when forced)."""

    def __init__(self, every_s: float, action: Callable[..., None]) -> None:
        self.every_s = every_s
        self.action = action
        self._last = float("-inf")

    def __call__(self, *args: Any, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.every_s:
            self._last = now
            self.action(*args)


class CommitReporter:
    """A worker's ``on_commit`` callback: the status file after every commit, a progress line now and then.

    `extra(worker)` adds the stage's own figures to the snapshot; `print_line(worker, rate)` prints the progress
    line (at most every `every_s` seconds). ``rate`` is records per second measured from the first commit on, so
    the group join and a model load do not count.
    """

    def __init__(self, settings: Settings, stage: str, *, extra: Callable[[Worker], dict[str, Any]],
                 print_line: Callable[[Worker, float | None], None], every_s: float) -> None:
        self.settings = settings
        self.stage = stage
        self.extra = extra
        self._mark: tuple[float, int] | None = None
        self.rate: float | None = None
        self._print = Throttle(every_s, lambda worker: print_line(worker, self.rate))

    def __call__(self, worker: Worker) -> None:
        now, processed = time.monotonic(), worker.stats.processed
        if self._mark is None:
            self._mark = (now, processed)
        then, before = self._mark
        if now - then >= 1.0:
            self.rate = (processed - before) / (now - then)
            self._mark = (now, processed)
        self.write(worker)
        self._print(worker)

    def write(self, worker: Worker) -> None:
        """Write the snapshot now (also before the first commit, e.g. once a model is loaded)."""
        data = {**worker.status(), "pid": os.getpid(), "rate": self.rate, **self.extra(worker),
                "updated_at": datetime.now(UTC).isoformat()}
        try:
            write_status(self.settings, self.stage, data)
        except OSError as error:  # the view is a convenience: never stop the worker for it
            log.warning("cannot write the %s worker status: %s", self.stage, error)

    def remove(self, worker: Worker) -> None:
        remove_status(self.settings, self.stage, worker.worker_id)


def run_worker(worker: Worker, settings: Settings, err_console: Any, *, max_idle_s: float | None,
               undelivered: str) -> int:
    """Run a stage's worker until it stops; Kafka failures become a Vietnamese message and exit code 1.
    `undelivered` says what Kafka did not acknowledge (the batch is not committed and will be read again)."""
    from kafka.errors import KafkaError

    from common.bus.errors import UndeliveredError

    try:
        worker.run(max_idle_s=max_idle_s)
    except UndeliveredError as error:
        err_console.print(f"[red]Kafka không xác nhận {undelivered}; lô chưa commit và sẽ được đọc lại:[/red] "
                          f"{error}", soft_wrap=True)
        return 1
    except KafkaError as error:
        err_console.print(f"[red]Lỗi Kafka ({settings.bootstrap_servers}):[/red] {error}", soft_wrap=True)
        return 1
    return 0
