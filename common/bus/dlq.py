"""The dead-letter queue record format.

A dead-lettered record keeps the ORIGINAL value bytes unchanged (so it can be replayed once the bug is fixed), the
original key, and the original headers, followed by these headers (all UTF-8 text unless noted):

| header                 | meaning                                                                           |
|------------------------|-----------------------------------------------------------------------------------|
| `dlq.reason`           | `handler_error`, `retries_exhausted`, `too_large`, `invalid_output` or `empty`    |
| `dlq.error`            | the error message (at most 4,000 characters)                                      |
| `dlq.error_class`      | the exception class, `module.QualName`                                            |
| `dlq.source_topic`     | topic the record was read from                                                    |
| `dlq.source_partition` | its partition (decimal)                                                           |
| `dlq.source_offset`    | its offset (decimal)                                                              |
| `dlq.source_key`       | its key, raw bytes (absent when the record had no key)                            |
| `dlq.source_timestamp` | its timestamp, epoch milliseconds (decimal)                                       |
| `dlq.attempts`         | how many times the handler ran (0 when the record was rejected before it)         |
| `dlq.group_id`         | consumer group of the worker                                                      |
| `dlq.worker_id`        | the worker (host-pid unless set)                                                  |
| `dlq.failed_at`        | when, ISO 8601 UTC                                                                |
| `dlq.truncated_from`   | only if the value was cut to fit the DLQ: the original size in bytes              |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PREFIX = "dlq."
REASON = "dlq.reason"
ERROR = "dlq.error"
ERROR_CLASS = "dlq.error_class"
SOURCE_TOPIC = "dlq.source_topic"
SOURCE_PARTITION = "dlq.source_partition"
SOURCE_OFFSET = "dlq.source_offset"
SOURCE_KEY = "dlq.source_key"
SOURCE_TIMESTAMP = "dlq.source_timestamp"
ATTEMPTS = "dlq.attempts"
GROUP_ID = "dlq.group_id"
WORKER_ID = "dlq.worker_id"
FAILED_AT = "dlq.failed_at"
TRUNCATED_FROM = "dlq.truncated_from"

MAX_ERROR_CHARS = 4000

#: Values of `dlq.reason`.
HANDLER_ERROR = "handler_error"
RETRIES_EXHAUSTED = "retries_exhausted"
TOO_LARGE = "too_large"
INVALID_OUTPUT = "invalid_output"
EMPTY = "empty"


def error_class_name(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def dead_letter_headers(
    record: Any,
    *,
    reason: str,
    error: BaseException,
    attempts: int,
    group_id: str,
    worker_id: str,
    truncated_from: int | None = None,
    now: datetime | None = None,
) -> list[tuple[str, bytes]]:
    """Headers for the DLQ copy of a kafka-python `ConsumerRecord`: its own headers, then the `dlq.*` ones."""
    headers = [(k, v) for k, v in (record.headers or []) if not k.startswith(PREFIX)]
    message = str(error) or repr(error)
    headers += [
        (REASON, reason.encode()),
        (ERROR, message[:MAX_ERROR_CHARS].encode("utf-8", "replace")),
        (ERROR_CLASS, error_class_name(error).encode()),
        (SOURCE_TOPIC, record.topic.encode()),
        (SOURCE_PARTITION, str(record.partition).encode()),
        (SOURCE_OFFSET, str(record.offset).encode()),
    ]
    if record.key is not None:
        headers.append((SOURCE_KEY, bytes(record.key)))
    headers += [
        (SOURCE_TIMESTAMP, str(record.timestamp).encode()),
        (ATTEMPTS, str(attempts).encode()),
        (GROUP_ID, group_id.encode()),
        (WORKER_ID, worker_id.encode()),
        (FAILED_AT, (now or datetime.now(UTC)).isoformat().encode()),
    ]
    if truncated_from is not None:
        headers.append((TRUNCATED_FROM, str(truncated_from).encode()))
    return headers


@dataclass(frozen=True)
class DeadLetter:
    """A DLQ record read back (for the CLI, replay tools and tests)."""

    value: bytes
    reason: str
    error: str
    error_class: str
    source_topic: str
    source_partition: int
    source_offset: int
    source_key: bytes | None
    source_timestamp: int | None
    attempts: int
    group_id: str
    worker_id: str
    failed_at: datetime
    truncated_from: int | None
    original_headers: list[tuple[str, bytes]]


def parse_dead_letter(record: Any) -> DeadLetter:
    """Decode a kafka-python `ConsumerRecord` read from the DLQ topic."""
    found = {k: v for k, v in (record.headers or []) if k.startswith(PREFIX)}

    def text(name: str) -> str:
        return found[name].decode("utf-8", "replace")

    return DeadLetter(
        value=record.value if record.value is not None else b"",
        reason=text(REASON),
        error=text(ERROR),
        error_class=text(ERROR_CLASS),
        source_topic=text(SOURCE_TOPIC),
        source_partition=int(text(SOURCE_PARTITION)),
        source_offset=int(text(SOURCE_OFFSET)),
        source_key=found.get(SOURCE_KEY),
        source_timestamp=int(text(SOURCE_TIMESTAMP)) if SOURCE_TIMESTAMP in found else None,
        attempts=int(text(ATTEMPTS)),
        group_id=text(GROUP_ID),
        worker_id=text(WORKER_ID),
        failed_at=datetime.fromisoformat(text(FAILED_AT)),
        truncated_from=int(text(TRUNCATED_FROM)) if TRUNCATED_FROM in found else None,
        original_headers=[(k, v) for k, v in (record.headers or []) if not k.startswith(PREFIX)],
    )
