"""The indexer: Kafka `mentions.classified` → the search backend (tantivy or Elasticsearch).

One `common.bus.Worker` in batch mode, member of the consumer group `crisiswatch-indexer`. Per batch:

1. the worker dead-letters empty records and records over `max_message_bytes`;
2. each remaining record is decoded as strict UTF-8 and validated as a strict `ClassifiedMention`
   (`InvalidEncoding`, `InvalidJson`, `SchemaViolation`: that record alone goes to the DLQ, the error names
   ``topic[partition]@offset``);
3. the valid mentions of the batch go to ONE `backend.index` call (an upsert by mention id, so a redelivered batch
   never duplicates), then `backend.commit()` makes them durable (tantivy commit / ES refresh);
4. only when the handler has returned does the worker produce the dead letters, flush and commit the Kafka offsets.
   A crash (even kill -9) before that re-reads the batch, which is re-indexed idempotently.

Elasticsearch per-item failures (`BulkWriteError.failures`) dead-letter exactly those records (`IndexRejected`,
with the status and the reason); any other backend error is raised as `TransientError`, so the worker retries the
batch with back-off (after `worker_max_retries` the records go to the DLQ as ``retries_exhausted``, replayable).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common.bus import TransientError, Worker
from common.bus.records import parse_strict, where
from common.schema import ClassifiedMention

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from common.settings import Settings
    from index.backend import SearchBackend

log = logging.getLogger(__name__)

INDEXER_GROUP = "crisiswatch-indexer"
DEFAULT_LINGER_MS = 500


class InvalidRecord(ValueError):
    """A record of `mentions.classified` that is not a valid `ClassifiedMention` (it goes to the DLQ)."""


class InvalidEncoding(InvalidRecord):
    """The value is not valid UTF-8."""


class InvalidJson(InvalidRecord):
    """The value is not JSON."""


class SchemaViolation(InvalidRecord):
    """Valid JSON, but not the `ClassifiedMention` contract."""


class IndexRejected(RuntimeError):
    """The backend refused this document for good (an Elasticsearch per-item failure)."""


def parse_classified(value: bytes, place: str = "") -> ClassifiedMention:
    """Strict UTF-8, then a strict `ClassifiedMention` (no coercion, unknown fields refused)."""
    return parse_strict(value, ClassifiedMention, place, encoding_error=InvalidEncoding, json_error=InvalidJson,
                        schema_error=SchemaViolation)


@dataclass
class IndexerStats:
    indexed: int = 0  # documents written and committed (a redelivered mention counts again)
    rejected: int = 0  # records refused before the backend (encoding, JSON, schema)
    refused: int = 0  # documents the backend refused (ES per-item failures)
    backend_errors: int = 0  # batch writes that raised (retried as transient)
    backend_calls: int = 0
    backend_seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Documents per second of backend time (write + commit)."""
        return self.indexed / self.backend_seconds if self.backend_seconds else 0.0


class IndexerStage:
    """The batch handler: records → one outcome per record (None, or the exception that dead-letters it)."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend
        self.stats = IndexerStats()

    def handle_batch(self, records: list[ConsumerRecord]) -> list[Any]:
        from index.elasticsearch_backend import BulkWriteError

        outcomes: list[Any] = [None] * len(records)
        latest: dict[str, ClassifiedMention] = {}  # one document per id (the last one of the batch wins)
        slots: dict[str, list[int]] = {}
        for i, record in enumerate(records):
            try:
                mention = parse_classified(record.value, where(record))
            except InvalidRecord as error:
                outcomes[i] = error
                self.stats.rejected += 1
                continue
            latest[mention.id] = mention
            slots.setdefault(mention.id, []).append(i)
        if not latest:
            return outcomes
        mentions = list(latest.values())
        started = time.perf_counter()
        self.stats.backend_calls += 1
        refused: dict[str, tuple[int, str]] = {}
        try:
            try:
                self.backend.index(mentions)
            except BulkWriteError as error:
                refused = {mid: (status, reason) for mid, status, reason in error.failures}
            self.backend.commit()
        except Exception as error:
            self.stats.backend_errors += 1
            raise TransientError(f"search backend write failed ({type(error).__name__}): {error}") from error
        finally:
            self.stats.backend_seconds += time.perf_counter() - started
        for mid, (status, reason) in refused.items():
            for i in slots.get(mid, ()):
                outcomes[i] = IndexRejected(f"the search backend refused mention {mid} from {where(records[i])} "
                                            f"(status {status}): {reason}")
        self.stats.refused += sum(len(slots.get(mid, ())) for mid in refused)
        self.stats.indexed += len(mentions) - len(refused)
        return outcomes


def backend_description(settings: Settings) -> str:
    if settings.search_backend == "elasticsearch":
        return f"elasticsearch {settings.elasticsearch_url}"
    return f"tantivy {settings.state_dir / 'index'}"


def open_backend(settings: Settings) -> SearchBackend:
    """The backend the settings choose: tantivy in `<state_dir>/index` or Elasticsearch at `elasticsearch_url`."""
    if settings.search_backend == "elasticsearch":
        if not settings.elasticsearch_url:
            raise ValueError("search_backend is elasticsearch but CRISISWATCH_ELASTICSEARCH_URL is empty")
        from elasticsearch import Elasticsearch

        from index.elasticsearch_backend import ElasticsearchBackend, JsonHttpNode

        options: dict[str, Any] = {"node_class": JsonHttpNode, "request_timeout": 30}
        if settings.elasticsearch_api_key is not None:
            options["api_key"] = settings.elasticsearch_api_key.get_secret_value()
        elif settings.elasticsearch_username:
            password = settings.elasticsearch_password.get_secret_value() if settings.elasticsearch_password else ""
            options["basic_auth"] = (settings.elasticsearch_username, password)
        if settings.elasticsearch_ca_certs is not None:
            options["ca_certs"] = str(settings.elasticsearch_ca_certs)
        client = Elasticsearch(settings.elasticsearch_url, **options)
        return ElasticsearchBackend(settings.elasticsearch_url, client=client)
    from index.tantivy_backend import TantivyBackend

    return TantivyBackend(settings.state_dir / "index")


def build_worker(settings: Settings, stage: IndexerStage, *, group_id: str = INDEXER_GROUP,
                 worker_id: str | None = None, **worker_options: Any) -> Worker:
    """The indexer's `Worker`: `topic_classified` → backend, bad records → `topic_dlq`, batches of
    `worker_batch_size` or whatever arrived within `batch_linger_ms` (default 500 ms)."""
    worker_options.setdefault("batch_linger_ms", DEFAULT_LINGER_MS)
    return Worker(settings, group_id, settings.topic_classified, dlq_topic=settings.topic_dlq,
                  batch_handler=stage.handle_batch, worker_id=worker_id, **worker_options)
