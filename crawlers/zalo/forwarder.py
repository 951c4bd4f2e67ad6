"""Spool → Kafka `mentions.raw`: the forwarder.

One batch at a time: read the oldest pending spool entries → parse each event → a user's message with text becomes
a `RawMention` → `MentionBuilder` (PII masked, normalized) → persistent dedupe (`CrawlState.is_news`) → near-duplicate
cluster → `BusProducer.send(topic_raw, key=mention.id)` → flush → ONLY the entries whose records the broker
acknowledged are recorded (`CrawlState.mark_delivered`, then `Spool.mark(..., "sent")`).

- An entry that cannot be parsed (or whose body fails its CRC) is sent to `mentions.dlq` with its raw bytes and the
  reason, and marked ``dlq`` once that record is acknowledged: a bad entry never blocks the spool.
- Follow/unfollow, our own ``oa_send_*`` echo, stickers/images without text and other events are marked
  ``skipped`` (counted per event name), never forwarded.
- Broker outage: the batch's unacknowledged entries stay ``pending``; the producer is thrown away (its idempotence
  state belongs to the old broker session) and re-created after an exponential back-off; nothing unsent is marked.
- Restart of either process loses nothing (the spool is durable; only acknowledged entries are marked) and re-sends
  only what was not recorded as acknowledged. The one window — the broker acknowledged, then the process died
  before recording it — re-sends at most one batch with the SAME key (mention id = hash("zalo", msg_id)); the
  downstream is idempotent by key.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from kafka.errors import MessageSizeTooLargeError

from common.bus import BusProducer, UndeliveredError
from common.bus.dlq import HANDLER_ERROR, dead_letter_headers
from common.schema import Mention
from common.settings import Settings
from crawlers.processing import CrawlState, MentionBuilder
from crawlers.zalo import spool as spool_mod
from crawlers.zalo.events import EventKind, event_to_raw_mention, parse_body
from crawlers.zalo.spool import Spool, SpoolEntry

log = logging.getLogger(__name__)

GROUP_ID = "zalo-forwarder"
SPOOL_TOPIC = "zalo-spool"  # `dlq.source_topic` of dead letters coming from the spool


class SpoolCorruption(Exception):
    """The stored body does not match its CRC."""


@dataclass
class BatchResult:
    read: int = 0
    sent: int = 0
    dlq: int = 0
    skipped: int = 0
    duplicates: int = 0
    unsent: int = 0  # left pending (broker unavailable or not acknowledged)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.unsent > 0 or self.error is not None


@dataclass
class ForwarderStats:
    batches: int = 0
    sent: int = 0
    dlq: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # by event name
    failures: int = 0
    last_error: str | None = None
    last_batch_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "sent": self.sent, "dlq": self.dlq, "duplicates": self.duplicates,
                "skipped": dict(self.skipped), "failures": self.failures, "last_error": self.last_error,
                "last_batch_at": self.last_batch_at.isoformat() if self.last_batch_at else None}


@dataclass
class _Outgoing:
    future: Any
    entry_ids: list[int]  # the first one is the sender; the others are duplicates of it in this batch
    mention: Mention | None  # None for a dead letter
    status: str


class Forwarder:
    """Moves spool entries to Kafka. Use `run(stop_event)` for the loop or `run_once()` for one batch."""

    def __init__(
        self,
        settings: Settings,
        *,
        spool: Spool | None = None,
        state: CrawlState | None = None,
        oa_id: str | None = None,
        batch_size: int = 200,
        poll_interval_s: float = 0.5,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        send_timeout_s: float = 30.0,
        retention: timedelta = timedelta(days=7),
        producer_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self._own_spool = spool is None
        self.spool = spool or Spool.from_settings(settings)
        self._own_state = state is None
        self.state = state or CrawlState(settings.state_dir / "crawl.sqlite")
        self.builder = MentionBuilder(settings.pii_key())
        self.oa_id = oa_id
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.send_timeout_s = send_timeout_s
        self.retention = retention
        self.producer_overrides = producer_overrides or {}
        self.stats = ForwarderStats()
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}"
        self._producer: BusProducer | None = None
        self._last_prune = 0.0

    # -- producer ------------------------------------------------------------------------------------------------

    def _get_producer(self) -> BusProducer:
        if self._producer is None:
            timeout_ms = int(self.send_timeout_s * 1000)
            config: dict[str, Any] = {
                "delivery_timeout_ms": timeout_ms,
                "request_timeout_ms": max(1000, min(30_000, timeout_ms - 100)),
                "max_block_ms": min(10_000, timeout_ms),
                "bootstrap_timeout_ms": min(10_000, timeout_ms),
                "reconnect_backoff_max_ms": 2000,
                **self.producer_overrides,
            }
            self._producer = BusProducer(self.settings, client_id="zalo-forwarder", **config)
        return self._producer

    def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(timeout=0)
        except UndeliveredError:
            pass  # what it still held is pending in the spool
        except Exception as error:  # pragma: no cover - closing a broken producer
            log.debug("closing the producer: %s", error)

    def close(self) -> None:
        """Flush and close the producer; close the spool and state if this forwarder opened them."""
        self._drop_producer()
        if self._own_spool:
            self.spool.close()
        if self._own_state:
            self.state.close()

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one batch -----------------------------------------------------------------------------------------------

    def _dead_letter(self, producer: BusProducer, entry: SpoolEntry, error: BaseException) -> Any:
        record = SimpleNamespace(topic=SPOOL_TOPIC, partition=0, offset=entry.id, key=None,
                                 timestamp=int(entry.received_at.timestamp() * 1000),
                                 headers=[("zalo.spool_id", str(entry.id).encode())])
        headers = dead_letter_headers(record, reason=HANDLER_ERROR, error=error, attempts=1, group_id=GROUP_ID,
                                      worker_id=self.worker_id)
        return producer.send(self.settings.topic_dlq, f"zalo-spool-{entry.id}", entry.body, headers)

    def run_once(self) -> BatchResult:
        """Forward one batch. Never raises for a broker problem: it is reported in the result (and unsent entries
        stay pending)."""
        result = BatchResult()
        entries = self.spool.pending(self.batch_size)
        result.read = len(entries)
        if not entries:
            return result

        skipped: dict[str, list[int]] = {}
        duplicates: list[int] = []
        to_send: dict[str, tuple[Mention, tuple[str, ...], list[int]]] = {}
        dead: list[tuple[SpoolEntry, BaseException]] = []
        for entry in entries:
            try:
                if entry.corrupt:
                    raise SpoolCorruption(f"spool entry {entry.id}: body does not match its CRC")
                event = parse_body(entry.body)
                kind = event.kind
                if kind is EventKind.message and self.oa_id and event.sender_id == self.oa_id:
                    kind = EventKind.echo
                if kind is not EventKind.message:
                    skipped.setdefault(event.event_name, []).append(entry.id)
                    continue
                mention, tokens = self.builder.build(event_to_raw_mention(event))
            except Exception as error:  # EventError, SpoolCorruption, or a bug in processing this one entry
                dead.append((entry, error))
                continue
            if mention.id in to_send:
                to_send[mention.id][2].append(entry.id)  # the same message twice (Zalo retried the webhook)
            elif not self.state.is_news(mention):
                duplicates.append(entry.id)  # delivered before (by an earlier batch or the backfill)
            else:
                to_send[mention.id] = (mention, tokens, [entry.id])

        # Records that need no broker are final now.
        for event_name, ids in skipped.items():
            self.spool.mark(ids, spool_mod.SKIPPED, event_name)
            self.stats.skipped[event_name] += len(ids)
            result.skipped += len(ids)
        if duplicates:
            self.spool.mark(duplicates, spool_mod.DUPLICATE)
            self.stats.duplicates += len(duplicates)
            result.duplicates += len(duplicates)
        if not to_send and not dead:
            self._finish(result)
            return result

        intended = sum(len(ids) for _m, _t, ids in to_send.values()) + len(dead)
        outgoing: list[_Outgoing] = []
        try:
            producer = self._get_producer()
            for mention_id, (mention, tokens, ids) in to_send.items():
                try:
                    cluster_id = self.state.cluster_of(mention_id, tokens)
                    mention = mention.model_copy(update={"cluster_id": cluster_id})
                    future = producer.send(self.settings.topic_raw, mention_id, mention.model_dump_json().encode())
                except MessageSizeTooLargeError as error:
                    for entry_id in ids:
                        dead.append((next(e for e in entries if e.id == entry_id), error))
                    continue
                outgoing.append(_Outgoing(future, ids, mention, spool_mod.SENT))
            for entry, error in dead:
                log.warning("zalo spool entry %d → %s: %s", entry.id, self.settings.topic_dlq, error)
                outgoing.append(_Outgoing(self._dead_letter(producer, entry, error), [entry.id], None, spool_mod.DLQ))
            producer.flush(timeout=self.send_timeout_s + 5)
        except Exception as error:  # broker unreachable, metadata timeout, flush timeout…
            text, name = str(error), type(error).__name__
            result.error = text if text.startswith(name) else f"{name}: {text}"

        acked_mentions: list[Mention] = []
        sent_ids: list[int] = []
        dup_ids: list[int] = []
        dlq_ids: list[int] = []
        for out in outgoing:
            if not (out.future.is_done and out.future.succeeded()):
                continue
            if out.mention is not None:
                acked_mentions.append(out.mention)
                sent_ids.append(out.entry_ids[0])
                dup_ids.extend(out.entry_ids[1:])
            else:
                dlq_ids.extend(out.entry_ids)
        # Order matters for a crash in between: dedupe state first, then the spool (a crash after the first step
        # makes the restarted forwarder mark the entry `duplicate` instead of sending it again).
        if acked_mentions:
            self.state.mark_delivered(acked_mentions)
        self.spool.mark(sent_ids, spool_mod.SENT)
        self.spool.mark(dup_ids, spool_mod.DUPLICATE)
        self.spool.mark(dlq_ids, spool_mod.DLQ)
        result.sent, result.dlq = len(sent_ids), len(dlq_ids)
        result.duplicates += len(dup_ids)
        self.stats.sent += len(sent_ids)
        self.stats.dlq += len(dlq_ids)
        self.stats.duplicates += len(dup_ids)
        handled = len(sent_ids) + len(dup_ids) + len(dlq_ids)
        result.unsent = intended - handled
        if result.error is None and result.unsent:
            errors = {str(o.future.exception) for o in outgoing if o.future.is_done and o.future.failed()}
            result.error = "; ".join(sorted(errors))[:500] or "not acknowledged in time"
        if result.failed:
            self._drop_producer()  # a fresh producer (new connection, new producer id) for the next attempt
        self._finish(result)
        return result

    def _finish(self, result: BatchResult) -> None:
        self.stats.batches += 1
        self.stats.last_batch_at = datetime.now(UTC)
        if result.failed:
            self.stats.failures += 1
            self.stats.last_error = result.error
        if result.sent or result.dlq or result.skipped or result.duplicates:
            log.info("zalo forwarder: %d sent, %d dead-lettered, %d skipped, %d duplicate, %d left pending",
                     result.sent, result.dlq, result.skipped, result.duplicates, result.unsent)

    # -- loop ----------------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event | None = None, *, until_empty: bool = False) -> ForwarderStats:
        """Forward until `stop` is set (the current batch always finishes) or, with `until_empty`, until the spool
        has no pending entry. Broker failures are retried with exponential back-off."""
        stop = stop or threading.Event()
        backoff = self.backoff_initial_s
        while not stop.is_set():
            result = self.run_once()
            if result.failed:
                log.warning("zalo forwarder: broker unavailable or not acknowledging (%s); %d entr%s left pending, "
                            "retrying in %.1fs", result.error, result.unsent, "y" if result.unsent == 1 else "ies",
                            backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max_s)
                continue
            backoff = self.backoff_initial_s
            self._maybe_prune()
            if result.read < self.batch_size:
                if until_empty and self.spool.pending_count() == 0:
                    break
                stop.wait(self.poll_interval_s if result.read == 0 else 0)
        return self.stats

    def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < 3600:
            return
        self._last_prune = now
        removed = self.spool.prune(self.retention)
        if removed:
            log.info("zalo spool: removed %d handled entries older than %s", removed, self.retention)
