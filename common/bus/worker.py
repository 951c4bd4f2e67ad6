"""`Worker`: the consume → process → produce → commit loop every stage runs.

For each polled batch (at most `settings.worker_batch_size` records; with `batch_linger_ms` > 0 the worker keeps
polling until the batch is full or `batch_linger_ms` has passed since its first record arrived):

1. every record is checked first: a record over `settings.max_message_bytes` or an empty (tombstone) record goes to
   the DLQ (format in `common.bus.dlq`) without reaching the handler. The others are handled in one of two modes:
   - per record, `handler(value, record) -> [(key, value), ...]`;
   - per batch, `batch_handler(records) -> [outcome, ...]`: ONE call with every record that passed the checks (in
     poll order), returning one outcome per record, in the same order: the outputs of that record (an iterable of
     `(key, value)` pairs, or None) or an exception instance, which sends that record alone to the DLQ while the
     rest of the batch goes on. If the call itself raises (anything but `TransientError`), the records are handed
     to it again one at a time, so one poison record cannot dead-letter its whole batch.
   In both modes a `TransientError` (raised, or as a record's outcome) is retried `settings.worker_max_retries`
   times with exponential backoff (in batch mode only the records that failed are handed back); any other exception,
   exhausted retries or an invalid output sends the record to the DLQ instead;
2. the outputs (to `out_topic`) and dead letters (to `dlq_topic`) are produced and the producer is flushed: every one
   must be acknowledged (`acks=all`). If any is not, the worker raises `UndeliveredError` WITHOUT committing, so the
   whole batch is read again (by a restarted worker or another member of the group);
3. the offsets after the batch are committed.

Delivery is at-least-once: a crash (even `kill -9`) between 2 and 3 redelivers the batch, so handlers and
downstream writes must be idempotent (mention ids are). A bad record never stops the worker.

`stop()` (or SIGTERM/SIGINT once `install_signal_handlers()` was called) lets the current batch finish and commit,
then the worker leaves the group and closes.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kafka import KafkaConsumer
from kafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    KafkaTimeoutError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from kafka.structs import OffsetAndMetadata, TopicPartition

from common.bus import dlq
from common.bus.errors import BusError, TransientError, UndeliveredError
from common.bus.producer import HEADER_ALLOWANCE, BusProducer, Key

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from common.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[bytes, "ConsumerRecord"], Iterable[tuple[Key, bytes]] | None]
#: What a batch handler returns for one record: its outputs, or the exception that sends it to the DLQ.
BatchOutcome = Iterable[tuple[Key, bytes]] | None | BaseException
BatchHandler = Callable[[list["ConsumerRecord"]], Sequence[BatchOutcome]]

_REBALANCE_ERRORS = (CommitFailedError, RebalanceInProgressError, IllegalGenerationError, UnknownMemberIdError)


class RecordTooLarge(ValueError):
    """The record is larger than `settings.max_message_bytes`."""


class EmptyRecord(ValueError):
    """The record has no value (a tombstone)."""


class InvalidOutput(ValueError):
    """The handler returned something that cannot be produced."""


@dataclass
class WorkerStats:
    processed: int = 0  # records handled successfully (whatever number of outputs they gave)
    produced: int = 0  # output records acknowledged downstream
    dead_lettered: int = 0
    retried: int = 0  # handler re-runs after a TransientError
    batches: int = 0  # batches committed
    commit_failures: int = 0  # commits refused because the group rebalanced (batch redelivered elsewhere)
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    started_at: datetime | None = None
    last_commit_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["dead_letter_reasons"] = dict(self.dead_letter_reasons)
        for name in ("started_at", "last_commit_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


class Worker:
    """One member of consumer group `group_id` reading `in_topic`. See the module doc for the guarantees.

    Give exactly one of `handler` (per record) and `batch_handler` (one call per batch). `batch_linger_ms` (default
    0: process whatever one poll returned) makes the worker wait up to that long for a full batch of
    `settings.worker_batch_size` records, which matters when the handler is cheaper per record in bigger batches.

    `quarantine_max_bytes` (default 4 x `max_message_bytes`) bounds the DLQ copy of an oversized record; a record
    larger still is cut to that size and flagged with `dlq.truncated_from`. On Apache Kafka give the DLQ topic a
    `max.message.bytes` at least that large.
    """

    def __init__(
        self,
        settings: Settings,
        group_id: str,
        in_topic: str,
        handler: Handler | None = None,
        out_topic: str | None = None,
        dlq_topic: str | None = None,
        *,
        batch_handler: BatchHandler | None = None,
        batch_linger_ms: int = 0,
        worker_id: str | None = None,
        poll_timeout_ms: int = 500,
        retry_backoff_s: float = 0.5,
        retry_backoff_max_s: float = 10.0,
        flush_timeout_s: float = 60.0,
        quarantine_max_bytes: int | None = None,
        session_timeout_ms: int = 6000,
        heartbeat_interval_ms: int = 2000,
        max_poll_interval_ms: int = 300_000,
        auto_offset_reset: str = "earliest",
        on_commit: Callable[[Worker], None] | None = None,
        consumer_config: dict[str, Any] | None = None,
        producer_config: dict[str, Any] | None = None,
    ):
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler and batch_handler")
        if batch_linger_ms < 0:
            raise ValueError(f"batch_linger_ms must be >= 0, not {batch_linger_ms}")
        self.settings = settings
        self.group_id = group_id
        self.in_topic = in_topic
        self.handler = handler
        self.batch_handler = batch_handler
        self.batch_size = settings.worker_batch_size
        self.batch_linger_ms = batch_linger_ms
        self.out_topic = out_topic
        self.dlq_topic = dlq_topic or settings.topic_dlq
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
        self.poll_timeout_ms = poll_timeout_ms
        self.retry_backoff_s = retry_backoff_s
        self.retry_backoff_max_s = retry_backoff_max_s
        self.flush_timeout_s = flush_timeout_s
        self.max_retries = settings.worker_max_retries
        self.max_message_bytes = settings.max_message_bytes
        self.quarantine_max_bytes = quarantine_max_bytes or 4 * settings.max_message_bytes
        self.on_commit = on_commit
        self._consumer_config: dict[str, Any] = {
            **settings.kafka_client_config(),
            "client_id": f"crisiswatch-{self.worker_id}",
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": auto_offset_reset,
            "max_poll_records": settings.worker_batch_size,
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "max_poll_interval_ms": max_poll_interval_ms,
            **(consumer_config or {}),
        }
        self._producer_config: dict[str, Any] = {
            "client_id": f"crisiswatch-{self.worker_id}",
            "max_request_size": self.quarantine_max_bytes + HEADER_ALLOWANCE,
            **(producer_config or {}),
        }
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._running = False
        self._consumer: KafkaConsumer | None = None
        self._producer: BusProducer | None = None
        self._previous_handlers: dict[int, Any] = {}

    # -- control ---------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the worker to stop after the current batch (safe from signal handlers and other threads)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self, signals: Iterable[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
        """Make SIGTERM/SIGINT stop the worker gracefully (main thread only). The previous handlers come back when
        `run()` returns."""

        def handle(signum: int, _frame: object) -> None:
            log.info("worker %s: got signal %s, stopping after the current batch", self.worker_id, signum)
            self.stop()

        for signum in signals:
            self._previous_handlers[signum] = signal.signal(signum, handle)

    def _restore_signal_handlers(self) -> None:
        for signum, previous in self._previous_handlers.items():
            signal.signal(signum, previous)
        self._previous_handlers.clear()

    def status(self) -> dict[str, Any]:
        """A snapshot for a status view."""
        assignment = sorted(self._consumer.assignment()) if self._consumer and self._running else []
        return {
            "worker_id": self.worker_id,
            "group_id": self.group_id,
            "in_topic": self.in_topic,
            "out_topic": self.out_topic,
            "dlq_topic": self.dlq_topic,
            "running": self._running,
            "stopping": self.stopping,
            "assignment": [f"{tp.topic}[{tp.partition}]" for tp in assignment],
            **self.stats.as_dict(),
        }

    # -- loop ------------------------------------------------------------------------------------------------------

    def run(self, max_idle_s: float | None = None) -> WorkerStats:
        """Consume until `stop()` (or a signal), or until nothing arrived for `max_idle_s` seconds once partitions
        are assigned (the first group join counts as activity: it takes session_timeout/2 on Tansu).

        Raises `UndeliveredError` (batch not committed) or a kafka error if the broker fails; never for a bad record.
        """
        self._open()
        self._running = True
        self.stats.started_at = self.stats.started_at or datetime.now(UTC)
        assert self._consumer is not None
        join_grace = self._consumer_config["session_timeout_ms"] / 1000
        last_activity = time.monotonic() + join_grace
        last_assignment: set[TopicPartition] = set()
        clean = False
        try:
            while not self._stop.is_set():
                batch = self._poll()
                assignment = self._consumer.assignment()
                if assignment != last_assignment:
                    log.info("worker %s assigned %s", self.worker_id, sorted(assignment))
                    last_assignment = set(assignment)
                    last_activity = max(last_activity, time.monotonic())
                if batch:
                    self._process_batch(batch)
                    last_activity = time.monotonic()
                elif max_idle_s is not None and time.monotonic() - last_activity >= max_idle_s:
                    log.info("worker %s idle for %.1fs, stopping", self.worker_id, max_idle_s)
                    break
            clean = True
        finally:
            self._running = False
            self._restore_signal_handlers()
            self._close(clean)
        return self.stats

    def _poll(self) -> dict[TopicPartition, list[ConsumerRecord]]:
        """One batch: what one poll returns, or with `batch_linger_ms`, what arrives until the batch is full or the
        linger time since its first record has passed (or `stop()` is called)."""
        assert self._consumer is not None
        batch = self._consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
        if not batch or self.batch_linger_ms <= 0:
            return batch
        merged = {tp: list(records) for tp, records in batch.items()}
        count = sum(len(records) for records in merged.values())
        deadline = time.monotonic() + self.batch_linger_ms / 1000
        polled_again = False
        while count < self.batch_size and not self._stop.is_set():
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                break
            more = self._consumer.poll(timeout_ms=min(remaining_ms, self.poll_timeout_ms),
                                       max_records=self.batch_size - count)
            polled_again = True
            for tp, records in more.items():
                have = merged.setdefault(tp, [])
                last = have[-1].offset if have else -1
                # A rebalance inside the linger can rewind a partition to its committed offset: skip what we hold.
                fresh = [r for r in records if r.offset > last]
                have.extend(fresh)
                count += len(fresh)
        if polled_again:
            # Partitions revoked while lingering belong to another member now: it reads them from the committed
            # offset, so their records are dropped here rather than processed and committed twice.
            assigned = self._consumer.assignment()
            revoked = [tp for tp in merged if tp not in assigned]
            for tp in revoked:
                log.info("worker %s: %s revoked while batching; %d record(s) left to its new owner",
                         self.worker_id, tp, len(merged[tp]))
                del merged[tp]
        return {tp: records for tp, records in merged.items() if records}

    def _open(self) -> None:
        if self._consumer is None:
            self._consumer = KafkaConsumer(**self._consumer_config)
            self._consumer.subscribe([self.in_topic])
        if self._producer is None:
            self._producer = BusProducer(self.settings, **self._producer_config)

    def _close(self, clean: bool) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        try:
            if consumer is not None:
                consumer.close(autocommit=False)  # leave the group now: the others take over at once
        finally:
            if producer is not None:
                try:
                    producer.close(timeout=self.flush_timeout_s if clean else 0)
                except UndeliveredError:
                    if clean:
                        raise
                    log.exception("worker %s closed with undelivered records (batch not committed)", self.worker_id)

    def _process_batch(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        assert self._consumer is not None and self._producer is not None
        producer = self._producer
        failed_before = producer.failed_count
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        processed = produced = dead = retried = 0
        reasons: Counter[str] = Counter()
        try:
            if self.batch_handler is None:
                outcomes = [self._process_record(record) for records in batch.values() for record in records]
            else:
                outcomes = self._process_batched([record for records in batch.values() for record in records])
            for outcome in outcomes:
                retried += outcome.retries
                if outcome.reason is None:
                    processed += 1
                    produced += outcome.outputs
                else:
                    dead += 1
                    reasons[outcome.reason] += 1
            for tp, records in batch.items():
                if records:
                    offsets[tp] = OffsetAndMetadata(records[-1].offset + 1, "", -1)
        except KafkaError as exc:  # a send that could not even be queued (no metadata within max_block_ms, ...)
            raise UndeliveredError(producer.failed[failed_before:], producer.pending) from exc
        finally:
            self.stats.retried += retried
        try:
            producer.flush(self.flush_timeout_s)
        except KafkaTimeoutError:
            log.error("worker %s: flush timed out after %ss", self.worker_id, self.flush_timeout_s)
        if producer.failed_count > failed_before or producer.pending:
            raise UndeliveredError(producer.failed[failed_before:], producer.pending)
        self.stats.processed += processed
        self.stats.produced += produced
        self.stats.dead_lettered += dead
        self.stats.dead_letter_reasons.update(reasons)
        try:
            self._consumer.commit(offsets)
        except _REBALANCE_ERRORS as exc:
            # The group moved on while we worked: the new owner re-reads these records (at-least-once).
            self.stats.commit_failures += 1
            log.warning("worker %s: commit refused after a rebalance (%s); batch will be redelivered",
                        self.worker_id, exc)
            return
        self.stats.batches += 1
        self.stats.last_commit_at = datetime.now(UTC)
        if self.on_commit is not None:
            self.on_commit(self)

    @dataclass
    class _Outcome:
        reason: str | None = None  # None = processed
        outputs: int = 0
        retries: int = 0

    def _precheck(self, record: ConsumerRecord) -> Worker._Outcome | None:
        """Dead-letter a record no handler should see (tombstone, oversized); None if it may be handled."""
        value = record.value
        if value is None:
            return self._dead_letter(record, dlq.EMPTY, EmptyRecord("record has no value (tombstone)"), 0, 0)
        if len(value) > self.max_message_bytes:
            error = RecordTooLarge(f"record is {len(value)} bytes, over max_message_bytes={self.max_message_bytes}")
            return self._dead_letter(record, dlq.TOO_LARGE, error, 0, 0)
        return None

    def _backoff(self, attempt: int) -> float:
        return min(self.retry_backoff_s * 2 ** (attempt - 1), self.retry_backoff_max_s)

    def _process_record(self, record: ConsumerRecord) -> Worker._Outcome:
        rejected = self._precheck(record)
        if rejected is not None:
            return rejected
        assert self.handler is not None
        value = record.value
        attempt = 0
        while True:
            attempt += 1
            try:
                outputs = self._checked_outputs(self.handler(value, record))
            except TransientError as exc:
                if attempt > self.max_retries:
                    return self._dead_letter(record, dlq.RETRIES_EXHAUSTED, exc, attempt, attempt - 1)
                delay = self._backoff(attempt)
                log.info("worker %s: transient error on %s[%d]@%d (attempt %d), retrying in %.2fs: %s",
                         self.worker_id, record.topic, record.partition, record.offset, attempt, delay, exc)
                time.sleep(delay)
                continue
            except InvalidOutput as exc:
                return self._dead_letter(record, dlq.INVALID_OUTPUT, exc, attempt, attempt - 1)
            except Exception as exc:
                return self._dead_letter(record, dlq.HANDLER_ERROR, exc, attempt, attempt - 1)
            break
        return self._send_outputs(outputs, attempt - 1)

    def _process_batched(self, records: list[ConsumerRecord]) -> list[Worker._Outcome]:
        """Batch mode: checks, one `batch_handler` call for the rest, retries of transient failures, then the
        outputs and dead letters in record order."""
        results: list[Worker._Outcome | None] = [self._precheck(record) for record in records]
        todo = [i for i, result in enumerate(results) if result is None]
        attempts = [0] * len(records)
        final: dict[int, BatchOutcome] = {}
        round_ = 0
        while todo:
            round_ += 1
            retry: list[int] = []
            error: BaseException | None = None
            for i, outcome in zip(todo, self._call_batch_handler([records[i] for i in todo]), strict=True):
                attempts[i] += 1
                if isinstance(outcome, TransientError) and attempts[i] <= self.max_retries:
                    retry.append(i)
                    error = outcome
                else:
                    final[i] = outcome
            if retry:
                delay = self._backoff(round_)
                first = records[retry[0]]
                log.info("worker %s: transient error on %d record(s) (attempt %d; first %s[%d]@%d), retrying them "
                         "in %.2fs: %s", self.worker_id, len(retry), round_, first.topic, first.partition,
                         first.offset, delay, error)
                time.sleep(delay)
            todo = retry
        for i in sorted(final):
            results[i] = self._finish(records[i], final[i], attempts[i])
        return [result for result in results if result is not None]

    def _call_batch_handler(self, records: list[ConsumerRecord]) -> list[BatchOutcome]:
        """One outcome per record. A call that raises is retried record by record to isolate the culprit."""
        assert self.batch_handler is not None
        try:
            outcomes = self.batch_handler(list(records))
            if outcomes is None or isinstance(outcomes, str | bytes):
                raise InvalidOutput(f"batch handler returned {type(outcomes).__name__}, not one outcome per record")
            outcomes = list(outcomes)
            if len(outcomes) != len(records):
                raise InvalidOutput(f"batch handler returned {len(outcomes)} outcome(s) for {len(records)} record(s)")
            return outcomes
        except TransientError as exc:
            return [exc] * len(records)
        except Exception as exc:
            if len(records) == 1:
                return [exc]
            log.warning("worker %s: batch handler failed on %d records (%s: %s); handing them over one by one",
                        self.worker_id, len(records), dlq.error_class_name(exc), str(exc)[:300])
            return [self._call_batch_handler([record])[0] for record in records]

    def _finish(self, record: ConsumerRecord, outcome: BatchOutcome, attempts: int) -> Worker._Outcome:
        retries = attempts - 1
        if isinstance(outcome, BaseException):
            if isinstance(outcome, TransientError):
                reason = dlq.RETRIES_EXHAUSTED
            elif isinstance(outcome, InvalidOutput):
                reason = dlq.INVALID_OUTPUT
            else:
                reason = dlq.HANDLER_ERROR
            return self._dead_letter(record, reason, outcome, attempts, retries)
        try:
            outputs = self._checked_outputs(outcome)
        except InvalidOutput as exc:
            return self._dead_letter(record, dlq.INVALID_OUTPUT, exc, attempts, retries)
        except Exception as exc:  # a lazy outcome (generator) that fails while it is read
            return self._dead_letter(record, dlq.HANDLER_ERROR, exc, attempts, retries)
        return self._send_outputs(outputs, retries)

    def _send_outputs(self, outputs: list[tuple[Key, bytes]], retries: int) -> Worker._Outcome:
        if outputs and self.out_topic is None:
            raise BusError(f"handler returned {len(outputs)} record(s) but worker {self.worker_id} has no out_topic")
        assert self._producer is not None
        for key, out in outputs:
            self._producer.send(self.out_topic, key, out)  # type: ignore[arg-type]
        return Worker._Outcome(None, len(outputs), retries)

    def _checked_outputs(self, outputs: Iterable[tuple[Key, bytes]] | None) -> list[tuple[Key, bytes]]:
        checked = []
        for item in outputs or ():
            try:
                key, value = item
            except (TypeError, ValueError):
                raise InvalidOutput(f"handler output {item!r:.200} is not a (key, value) pair") from None
            if not isinstance(key, str | bytes | type(None)):
                raise InvalidOutput(f"handler output key must be str, bytes or None, not {type(key).__name__}")
            if not isinstance(value, bytes | bytearray):
                raise InvalidOutput(f"handler output value must be bytes, not {type(value).__name__}")
            if len(value) > self.max_message_bytes:
                raise InvalidOutput(
                    f"handler output is {len(value)} bytes, over max_message_bytes={self.max_message_bytes}")
            checked.append((key, bytes(value)))
        return checked

    def _dead_letter(self, record: ConsumerRecord, reason: str, error: BaseException, attempts: int,
                     retries: int) -> Worker._Outcome:
        value = record.value if record.value is not None else b""
        truncated_from = None
        if len(value) > self.quarantine_max_bytes:
            truncated_from, value = len(value), value[: self.quarantine_max_bytes]
        headers = dlq.dead_letter_headers(record, reason=reason, error=error, attempts=attempts,
                                          group_id=self.group_id, worker_id=self.worker_id,
                                          truncated_from=truncated_from)
        log.warning("worker %s: %s[%d]@%d → %s (%s, %s: %s)", self.worker_id, record.topic, record.partition,
                    record.offset, self.dlq_topic, reason, dlq.error_class_name(error), str(error)[:300])
        assert self._producer is not None
        self._producer.send(self.dlq_topic, record.key, value, headers)
        return Worker._Outcome(reason, 0, retries)
