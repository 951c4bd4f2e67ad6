"""The Kafka bus: embedded broker, producer, consume→process→produce→commit worker, topic admin and lag.

Public API:

- `EmbeddedBroker(host, port=0, topics=(), partitions=4, log_path=None)`: the Tansu broker as a subprocess.
- `BusProducer(settings)`: durable producer with delivery accounting; `close()` raises `UndeliveredError`.
- `Worker(settings, group_id, in_topic, handler, out_topic=None, dlq_topic=settings.topic_dlq)`: at-least-once stage
  loop with retries (`TransientError`) and a dead-letter queue (headers documented in `common.bus.dlq`); with
  `batch_handler=` (one call per batch, one outcome per record) and `batch_linger_ms=` it batches by size and time.
- `common.bus.records.parse_strict` / `where`: strict decoding of a record into a contract model, errors naming
  `topic[partition]@offset`.
- `ensure_topics`, `list_topics`, `end_offsets`, `topic_offsets`, `consumer_lag` / `LagRow`, `read_topic`:
  administration, lag, peeking.
"""

from common.bus.admin import (
    LagRow,
    consumer_lag,
    create_topics,
    end_offsets,
    ensure_topics,
    list_topics,
    read_topic,
    topic_offsets,
)
from common.bus.broker import EmbeddedBroker, find_tansu_binary, free_port, port_is_free
from common.bus.dlq import DeadLetter, parse_dead_letter
from common.bus.errors import BrokerError, BusError, FailedDelivery, TransientError, UndeliveredError
from common.bus.producer import HEADER_ALLOWANCE, BusProducer
from common.bus.worker import (
    BatchHandler,
    EmptyRecord,
    Handler,
    InvalidOutput,
    RecordTooLarge,
    Worker,
    WorkerStats,
)

__all__ = [
    "BatchHandler",
    "HEADER_ALLOWANCE",
    "BrokerError",
    "BusError",
    "BusProducer",
    "DeadLetter",
    "EmbeddedBroker",
    "EmptyRecord",
    "FailedDelivery",
    "Handler",
    "InvalidOutput",
    "LagRow",
    "RecordTooLarge",
    "TransientError",
    "UndeliveredError",
    "Worker",
    "WorkerStats",
    "consumer_lag",
    "create_topics",
    "end_offsets",
    "ensure_topics",
    "find_tansu_binary",
    "free_port",
    "list_topics",
    "parse_dead_letter",
    "port_is_free",
    "read_topic",
    "topic_offsets",
]
