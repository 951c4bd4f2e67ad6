"""Exceptions of the Kafka bus."""

from __future__ import annotations

from dataclasses import dataclass


class BusError(RuntimeError):
    """Base class of every error raised by `common.bus`."""


class BrokerError(BusError):
    """The embedded broker could not be found, started or reached."""


class TransientError(Exception):
    """Raised by a worker handler for a failure worth retrying (a timeout, a 503, a lock).

    The worker retries the record `settings.worker_max_retries` times with exponential backoff, then dead-letters
    it. Any other exception dead-letters the record at once.
    """


@dataclass(frozen=True)
class FailedDelivery:
    topic: str
    key: bytes | None
    error: str


class UndeliveredError(BusError):
    """Records were not acknowledged by the broker (nothing downstream may assume they were written)."""

    def __init__(self, failed: list[FailedDelivery], pending: int = 0):
        self.failed = list(failed)
        self.pending = pending
        shown = "; ".join(f"{f.topic} key={f.key!r}: {f.error}" for f in self.failed[:5])
        more = f" (+{len(self.failed) - 5} more)" if len(self.failed) > 5 else ""
        pending_txt = f"; {pending} still pending at the flush timeout" if pending else ""
        super().__init__(f"{len(self.failed)} record(s) not acknowledged{pending_txt}: {shown}{more}")
