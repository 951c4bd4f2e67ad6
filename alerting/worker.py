"""The alerting process (`crisiswatch alerting`): `mentions.classified` → rules → alert store, plus a clock.

- The consumer (`common.bus.Worker`, batch mode) checks each record strictly (UTF-8, JSON, `ClassifiedMention`;
  bad ones go to `mentions.dlq` with the reason) and hands the batch to `AlertingService`. Offsets are committed
  after the store has the updates. If the database is down, the batch is retried with back-off for up to
  `DB_PATIENCE_S` per attempt (the engine does not count a redelivered mention twice, and updates not yet stored
  stay queued), so an outage delays alerts instead of losing them.
- A ticker thread runs time-driven evaluation every `alerting_tick_s` (flatlines, episode ends, overdue steps).
- A notifier thread sends the outbox (`alerting.notifier`), so a slow channel never delays evaluation.

Replicas. Each alerting process reads the WHOLE stream in its own consumer group
(``crisiswatch-alerting-<replica>``): each keeps complete windows, and the store makes their equal updates count
once (one alert per episode, one notification per transition). Starting: the rules' windows are rebuilt from the
last `alerting_warmup_hours` of the search index without alerting; a new group starts at the end of the topic.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from alerting.notifier import Notifier
from alerting.service import AlertingService
from common.bus import TransientError, Worker
from common.bus.records import parse_strict, where
from common.schema import ClassifiedMention

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from common.settings import Settings
    from index.backend import SearchBackend

log = logging.getLogger(__name__)

GROUP_PREFIX = "crisiswatch-alerting"
DB_PATIENCE_S = 60.0
STATUS_STAGE = "alerting"


class InvalidRecord(ValueError):
    """A record that is not a classified mention; it goes to the DLQ."""


class InvalidEncoding(InvalidRecord):
    pass


class InvalidJson(InvalidRecord):
    pass


class SchemaViolation(InvalidRecord):
    pass


def parse_classified(value: bytes, place: str = "") -> ClassifiedMention:
    return parse_strict(value, ClassifiedMention, place, encoding_error=InvalidEncoding, json_error=InvalidJson,
                        schema_error=SchemaViolation)


class AlertingStage:
    """The batch handler: strict parsing, then one `AlertingService.process` call per batch."""

    def __init__(self, service: AlertingService, *, patience_s: float = DB_PATIENCE_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.service = service
        self.patience_s = patience_s
        self._sleep = sleep
        self.db_errors = 0

    def handle_batch(self, records: list[ConsumerRecord]) -> list[Any]:
        outcomes: list[Any] = []
        mentions = []
        for record in records:
            try:
                mentions.append(parse_classified(record.value, where(record)))
                outcomes.append(None)
            except InvalidRecord as error:
                outcomes.append(error)
        self._process(mentions)
        return outcomes

    def _process(self, mentions: list[ClassifiedMention]) -> None:
        deadline = time.monotonic() + self.patience_s
        delay = 0.5
        batch = mentions
        while True:
            try:
                self.service.process(batch)
                return
            except SQLAlchemyError as error:
                self.db_errors += 1
                batch = []  # the engine has them; what is left is the queue of updates not yet stored
                if time.monotonic() + delay > deadline:
                    raise TransientError(f"cơ sở dữ liệu cảnh báo không ghi được ({error.__class__.__name__}: "
                                         f"{error}); {self.service.pending} cập nhật đang chờ") from error
                log.warning("alert store unavailable (%s); retrying in %.1f s", error.__class__.__name__, delay)
                self._sleep(delay)
                delay = min(delay * 2, 10.0)


def history(backend: SearchBackend, since: datetime, until: datetime, *, limit: int = 500_000
            ) -> Iterator[ClassifiedMention]:
    """Indexed mentions created in [since, until), oldest first (at most `limit`, the newest ones)."""
    from index.backend import SearchFilters, SearchRequest

    request = SearchRequest(filters=SearchFilters(created_from=since, created_to=until))
    newest_first = []
    for mention in backend.export(request):
        newest_first.append(mention)
        if len(newest_first) >= limit:
            log.warning("warm-up limited to the newest %d mentions", limit)
            break
    return reversed(newest_first)


class Clock:
    """The ticker and notifier threads of one alerting process; both stop with `stop()`."""

    def __init__(self, service: AlertingService, notifier: Notifier | None, *, tick_s: float,
                 notify_s: float = 2.0) -> None:
        self.service = service
        self.notifier = notifier
        self.tick_s = tick_s
        self.notify_s = notify_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._loop, args=(self.tick_s, self._tick), name="alert-ticker",
                                          daemon=True)]
        if self.notifier is not None:
            self._threads.append(threading.Thread(target=self._loop, args=(self.notify_s, self.notifier.run_once),
                                                  name="alert-notifier", daemon=True))
        for thread in self._threads:
            thread.start()

    def _tick(self) -> None:
        self.service.tick(datetime.now(UTC))

    def _loop(self, every_s: float, action: Callable[[], Any]) -> None:
        while not self._stop.wait(every_s):
            try:
                action()
            except Exception:  # a failing round must not end the loop: log it, try again next round
                log.exception("%s failed; retrying in %.0f s", threading.current_thread().name, every_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)


def build_worker(settings: Settings, stage: AlertingStage, *, replica: str, group_id: str | None = None,
                 from_beginning: bool = False, worker_id: str | None = None, **worker_options: Any) -> Worker:
    return Worker(settings, group_id or f"{GROUP_PREFIX}-{replica}", settings.topic_classified,
                  dlq_topic=settings.topic_dlq, batch_handler=stage.handle_batch, worker_id=worker_id,
                  auto_offset_reset="earliest" if from_beginning else "latest", **worker_options)


def warm_window(settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(hours=settings.alerting_warmup_hours), now
