"""The durable local spool between the Zalo webhook (one writer process) and the forwarder (one reader process).

Storage: one SQLite database, ``state_dir/zalo-spool/spool.sqlite``, in WAL mode with ``synchronous=FULL``.

Why SQLite rather than our own segment files: a committed transaction is fsync'd to the WAL before ``append``
returns (so the webhook answers 200 only for bodies that are on disk); WAL frames carry checksums, so a transaction
torn by a crash or power loss is detected and discarded by SQLite's recovery instead of being read back half
written; one writer and one reader in *different processes* are supported by SQLite's locking (readers never block
the writer in WAL mode); ``mark_sent`` is an in-place UPDATE instead of a second "acked ids" log to merge. It is in
the standard library and every operation is one short transaction.

Crash safety, layer by layer:

- A body is in the spool once ``append`` returned: the INSERT was committed with ``synchronous=FULL`` (WAL fsync'd).
- A crash during ``append`` leaves at most one torn transaction at the end of the WAL. SQLite's recovery ignores it
  (frame checksums); on open we also detect a WAL whose size is not a whole number of frames (checked under the
  write lock, so it cannot be another process's append in progress), log it, and truncate the WAL after a
  checkpoint. The request it belonged to was never answered 200, so Zalo sends it again.
- Every row also carries a CRC32 of its body; a row whose body does not match (disk corruption) is logged and
  returned with ``corrupt=True`` so the forwarder dead-letters it instead of crashing or forwarding garbage.

Entry status: ``pending`` → ``sent`` (acknowledged by Kafka) | ``dlq`` (dead-lettered, acknowledged) |
``skipped`` (stored, not a mention: follow, unfollow, our own echo, stickers…) | ``duplicate`` (same message
already delivered). Only ``pending`` entries are returned by ``pending()``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

SPOOL_DIRNAME = "zalo-spool"
DB_NAME = "spool.sqlite"

PENDING = "pending"
SENT = "sent"
DLQ = "dlq"
SKIPPED = "skipped"
DUPLICATE = "duplicate"
STATUSES = (PENDING, SENT, DLQ, SKIPPED, DUPLICATE)

_WAL_HEADER = 32
_WAL_FRAME_HEADER = 24

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    body        BLOB    NOT NULL,
    crc         INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending',
    handled_ms  INTEGER,
    note        TEXT
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS entries_status ON entries (status);
"""


@dataclass(frozen=True)
class SpoolEntry:
    id: int
    body: bytes = field(repr=False)  # the raw webhook body: may contain personal data
    received_at: datetime
    corrupt: bool = False  # the body does not match the CRC stored with it


def spool_dir(state_dir: Path) -> Path:
    return Path(state_dir) / SPOOL_DIRNAME


def _ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return int(value.timestamp() * 1000)


def _from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def check_wal_tail(db_path: Path) -> int:
    """Bytes of a torn (partially written) frame at the end of the WAL, 0 when the WAL is whole or absent.

    A WAL is a 32-byte header followed by frames of (24 + page size) bytes. A crash in the middle of an append
    can leave a partial frame; SQLite ignores it (and any frame whose checksum fails) on recovery. We only detect it
    so the operator sees it in the log.
    """
    wal = Path(f"{db_path}-wal")
    try:
        size = wal.stat().st_size
        if size == 0:
            return 0
        with open(wal, "rb") as handle:
            header = handle.read(_WAL_HEADER)
    except FileNotFoundError:
        return 0
    if len(header) < _WAL_HEADER:
        return size  # not even a whole header
    magic, _version, page_size = struct.unpack(">III", header[:12])
    if magic not in (0x377F0682, 0x377F0683) or page_size < 512:
        return size
    return (size - _WAL_HEADER) % (_WAL_FRAME_HEADER + page_size)


class Spool:
    """Append-only, crash-safe spool. One instance per process; thread-safe inside a process."""

    def __init__(self, directory: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)  # raw messages contain personal data
        self.path = self.directory / DB_NAME
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        try:
            os.chmod(self.path, 0o600)
        except OSError:  # pragma: no cover - not ours (another user's file): SQLite would have failed already
            pass
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            self._db.executescript(_SCHEMA)
            self._repair_torn_tail()
            result = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            log.error("zalo spool %s failed its integrity check (%s); readable rows are still forwarded and rows "
                      "with a bad body CRC are dead-lettered", self.path, result)

    def _repair_torn_tail(self) -> None:
        """Detect a torn record at the end of the WAL and cut it off. Checked while holding the write lock, so a
        half-written frame cannot be another process's append in progress."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            torn = check_wal_tail(self.path)
        finally:
            self._db.execute("COMMIT")
        if not torn:
            return
        log.warning("zalo spool %s: torn record at the end of the write-ahead log (%d trailing bytes of an "
                    "interrupted append); it is discarded and the log truncated. Its request was never answered "
                    "200, so Zalo delivers it again.", self.path, torn)
        # Copy every valid frame into the database and truncate the WAL: the torn bytes are gone for good.
        busy, _frames, _done = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.info("zalo spool %s: another process is reading; the torn tail is cut at the next checkpoint",
                     self.path)

    @classmethod
    def from_settings(cls, settings: object) -> Spool:
        return cls(spool_dir(settings.state_dir))  # type: ignore[attr-defined]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writer --------------------------------------------------------------------------------------------------

    def append(self, raw_body: bytes, received_at: datetime | None = None) -> int:
        """Store one body durably (fsync'd before returning). Returns its spool id."""
        return self.append_many([(raw_body, received_at)])[0]

    def append_many(self, items: Sequence[tuple[bytes, datetime | None]]) -> list[int]:
        """Store several bodies in ONE transaction and one fsync (group commit). Returns their ids, in order."""
        if not items:
            return []
        now = datetime.now(UTC)
        rows = [(_ms(received_at or now), bytes(body), zlib.crc32(body)) for body, received_at in items]
        ids: list[int] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    ids.append(self._db.execute(
                        "INSERT INTO entries (received_ms, body, crc) VALUES (?, ?, ?)", row).lastrowid)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return ids

    # -- reader --------------------------------------------------------------------------------------------------

    def pending(self, limit: int = 100) -> list[SpoolEntry]:
        """The oldest `limit` entries not handled yet, in arrival order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, received_ms, body, crc FROM entries WHERE status = 'pending' ORDER BY id LIMIT ?",
                (limit,)).fetchall()
        entries = []
        for id_, received_ms, body, crc in rows:
            body = bytes(body)
            corrupt = zlib.crc32(body) != crc
            if corrupt:
                log.error("zalo spool entry %d: body does not match its CRC (disk corruption?); it will be "
                          "dead-lettered", id_)
            entries.append(SpoolEntry(id_, body, _from_ms(received_ms), corrupt))
        return entries

    def mark_sent(self, ids: Iterable[int]) -> int:
        """Mark entries acknowledged by Kafka. Returns how many changed."""
        return self.mark(ids, SENT)

    def mark(self, ids: Iterable[int], status: str, note: str | None = None) -> int:
        """Mark entries handled with `status` (sent, dlq, skipped or duplicate). Returns how many changed."""
        if status not in STATUSES or status == PENDING:
            raise ValueError(f"unknown spool status {status!r}")
        id_list = list(ids)
        if not id_list:
            return 0
        now = int(time.time() * 1000)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                changed = 0
                for start in range(0, len(id_list), 500):
                    chunk = id_list[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    changed += self._db.execute(
                        f"UPDATE entries SET status = ?, handled_ms = ?, note = ? "
                        f"WHERE status = 'pending' AND id IN ({marks})", (status, now, note, *chunk)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return changed

    # -- administration ------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Number of entries per status (every status present, 0 when none)."""
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM entries GROUP BY status").fetchall()
        result = dict.fromkeys(STATUSES, 0)
        result.update(dict(rows))
        return result

    def pending_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries WHERE status = 'pending'").fetchone()[0]

    def statuses(self) -> dict[int, str]:
        """{id: status} of every entry (tests and diagnostics)."""
        with self._lock:
            return dict(self._db.execute("SELECT id, status FROM entries").fetchall())

    def prune(self, older_than: timedelta) -> int:
        """Delete HANDLED entries received more than `older_than` ago (raw messages hold personal data: keep them
        only as long as needed to investigate). Pending entries are never deleted. Returns how many were."""
        cutoff = _ms(datetime.now(UTC) - older_than)
        with self._lock:
            return self._db.execute(
                "DELETE FROM entries WHERE status != 'pending' AND received_ms < ?", (cutoff,)).rowcount
