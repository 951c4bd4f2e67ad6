"""`BusProducer`: the one way stages write to Kafka.

Durable by default (`acks=all`, idempotent, so broker-side retries never duplicate or reorder a partition), lz4
compressed, batched for throughput. Every send is tracked: `delivered` counts acknowledged records, `failed` keeps
(topic, key, error) of the ones the broker did not take, and `close()` raises `UndeliveredError` if anything was not
acknowledged, so a crawler run or a worker batch can never silently lose records.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Self

import random

from crc32c import crc32c
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka.partitioner import Partitioner

from common.bus.errors import FailedDelivery, UndeliveredError

if TYPE_CHECKING:
    from kafka.producer.future import FutureRecordMetadata

    from common.settings import Settings

log = logging.getLogger(__name__)

#: Room for the record-batch framing, key and headers on top of `max_message_bytes` of value.
HEADER_ALLOWANCE = 64 * 1024

Key = str | bytes | None
Headers = list[tuple[str, bytes]]


class KeyHashPartitioner(Partitioner):
    """key → partition by CRC32C (hardware-accelerated C) instead of kafka-python's pure-Python murmur2, which
    costs a quarter of the produce path. Records with one key still always land in one partition; the mapping
    differs from the Java client's, which matters only if a non-crisiswatch producer writes the same keys."""

    def __init__(self) -> None:
        self._sorted: dict[str, list[int]] = {}

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):  # type: ignore[override]
        partitions = self._sorted.get(topic)
        if partitions is None or len(partitions) != len(cluster.partitions_for_topic(topic) or ()):
            partitions = self._sorted[topic] = sorted(cluster.partitions_for_topic(topic))
        if serialized_key is None:
            return random.choice(partitions)
        return partitions[crc32c(serialized_key) % len(partitions)]


def encode_key(key: Key) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return key.encode("utf-8")


class BusProducer:
    """kafka-python `KafkaProducer` with delivery accounting.

    `max_request_size` defaults to `settings.max_message_bytes + HEADER_ALLOWANCE`; extra keyword arguments go to
    `KafkaProducer` unchanged (e.g. `delivery_timeout_ms=5000` in tests).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client_id: str = "crisiswatch",
        linger_ms: int = 10,
        batch_size: int = 256 * 1024,
        max_request_size: int | None = None,
        **overrides: Any,
    ):
        self.settings = settings
        config: dict[str, Any] = {
            **settings.kafka_client_config(),
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "compression_type": "lz4",
            "partitioner": KeyHashPartitioner(),
            "linger_ms": linger_ms,
            "batch_size": batch_size,
            "max_request_size": max_request_size or settings.max_message_bytes + HEADER_ALLOWANCE,
            **overrides,
        }
        self.max_request_size: int = config["max_request_size"]
        self._producer = KafkaProducer(**config)
        self._lock = threading.Lock()
        self.sent = 0
        self.delivered = 0
        self.failed: list[FailedDelivery] = []
        self._closed = False

    # -- accounting ------------------------------------------------------------------------------------------------

    @property
    def failed_count(self) -> int:
        return len(self.failed)

    @property
    def pending(self) -> int:
        """Sent but neither acknowledged nor failed yet."""
        with self._lock:
            return self.sent - self.delivered - len(self.failed)

    def _on_delivered(self, _metadata: object) -> None:
        with self._lock:
            self.delivered += 1

    def _on_failed(self, topic: str, key: bytes | None, error: BaseException) -> None:
        with self._lock:
            text = str(error)
            name = type(error).__name__
            self.failed.append(FailedDelivery(topic, key, text if text.startswith(name) else f"{name}: {text}"))
        log.error("delivery to %s failed (key=%r): %s", topic, key, error)

    # -- API ---------------------------------------------------------------------------------------------------------

    def send(self, topic: str, key: Key, value: bytes, headers: Headers | None = None) -> FutureRecordMetadata:
        """Queue one record. Returns the kafka-python future; the outcome is also counted in `delivered`/`failed`.

        Raises at once (and counts the record as failed) when the record can never be sent: too large for
        `max_request_size`, topic metadata unavailable within `max_block_ms`, producer closed.
        """
        key_bytes = encode_key(key)
        with self._lock:
            self.sent += 1
        try:
            future = self._producer.send(topic, value=value, key=key_bytes, headers=headers or [])
        except Exception as exc:
            self._on_failed(topic, key_bytes, exc)
            raise
        future.add_callback(self._on_delivered)
        future.add_errback(lambda exc: self._on_failed(topic, key_bytes, exc))
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Block until every queued record is acknowledged or failed. Raises kafka's `KafkaTimeoutError` if the
        timeout (seconds) passes first. Check `failed` afterwards, or use `close()` / `raise_if_undelivered()`."""
        self._producer.flush(timeout)

    def raise_if_undelivered(self) -> None:
        pending = self.pending
        if self.failed or pending:
            raise UndeliveredError(self.failed, pending)

    def close(self, timeout: float | None = 60.0) -> None:
        """Flush, close, and raise `UndeliveredError` listing every record that was not acknowledged."""
        if self._closed:
            self.raise_if_undelivered()
            return
        self._closed = True
        try:
            self._producer.flush(timeout)
        except KafkaTimeoutError as exc:
            log.error("flush timed out with %d record(s) pending: %s", self.pending, exc)
        finally:
            if self.pending:
                self._force_close()
            else:
                self._producer.close(timeout=timeout)
        self.raise_if_undelivered()

    def _force_close(self) -> None:
        """Abort what is still queued: its futures fail ("closed forcefully"), so it lands in `failed`.

        kafka-python 3.0's `close(timeout=0)` raises while records are pending (its flush(0) times out) and leaves
        the sender thread running, so the sender is force-closed first.
        """
        sender = getattr(self._producer, "_sender", None)
        if sender is not None:
            sender.force_close()
            sender.join(10)
        try:
            self._producer.close(timeout=0)
        except KafkaTimeoutError:  # pragma: no cover - only if the sender did not stop
            log.error("producer sender did not stop; %d record(s) still pending", self.pending)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()

    def metrics(self) -> dict[str, Any]:
        return self._producer.metrics()
