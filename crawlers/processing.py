"""Crawler processing steps, free of Scrapy so the Zalo forwarder uses the same ones:
raw → `Mention` (PII masked), relevance watchlist, persistent dedupe, near-duplicate clusters.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from common.query import Matcher, MatchDocument, compile_query, default_watchlist
from common.schema import Mention, mention_id
from common.text import process
from crawlers.items import RawMention


class MentionBuilder:
    """RawMention → (Mention with PII masked and text normalized, analyzer tokens for the watchlist)."""

    def __init__(self, pii_key: bytes) -> None:
        self.pii_key = pii_key

    def build(self, raw: RawMention, fetched_at: datetime | None = None) -> tuple[Mention, tuple[str, ...]]:
        body = process(raw.text, self.pii_key)
        title = process(raw.title, self.pii_key) if raw.title else None
        # The province is looked up in the title and the text together (news often names it only in the headline).
        province = (title.province if title and title.province else None) or body.province
        mention = Mention.create(
            source=raw.source,
            source_id=raw.source_id,
            text=body.masked,
            text_normalized=body.normalized,
            created_at=raw.created_at,
            fetched_at=fetched_at or datetime.now(UTC),
            url=raw.url,
            title=title.masked if title else None,
            author={"id": raw.author_id, "name": raw.author_name},
            reach={"reactions": raw.reactions, "shares": raw.shares, "comments": raw.comments,
                   "author_followers": raw.author_followers},
            parent_id=mention_id(raw.source, raw.parent_source_id) if raw.parent_source_id else None,
            province={"written": province.written, "old": province.old, "new": province.new} if province else None,
            language=raw.language,
        )
        tokens = (title.tokens if title else ()) + body.tokens
        return mention, tokens


class Watchlist:
    """The relevance filter: the sources file's query, or the default BHXH watchlist."""

    def __init__(self, query: str | None = None) -> None:
        self.matcher: Matcher = compile_query(query) if query else default_watchlist()

    def matches(self, tokens: Sequence[str]) -> bool:
        return self.matcher.matches(MatchDocument.from_tokens(tokens))


class CrawlState:
    """Persistent crawler state in one SQLite file: which mentions were delivered (dedupe across runs) and the
    SimHash index of near-duplicate clusters. Safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript("""
                CREATE TABLE IF NOT EXISTS delivered (
                    id TEXT PRIMARY KEY, text_hash TEXT NOT NULL, reach INTEGER NOT NULL, delivered_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS simhash (
                    id TEXT PRIMARY KEY, hash INTEGER NOT NULL, cluster_id TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS simhash_band (
                    band INTEGER NOT NULL, value INTEGER NOT NULL, id TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS simhash_band_lookup ON simhash_band (band, value);
            """)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- dedupe --------------------------------------------------------------------------------------------------

    @staticmethod
    def _fingerprint(mention: Mention) -> tuple[str, int]:
        text_hash = hashlib.blake2b(f"{mention.title or ''}\n{mention.text}".encode(), digest_size=12).hexdigest()
        reach = mention.reach.reactions + mention.reach.shares + mention.reach.comments
        return text_hash, reach

    def is_news(self, mention: Mention) -> bool:
        """True when the mention was never delivered, was edited since, or its reach grew by at least a quarter
        (and by 20 or more): reach growth is what the "shares grow fast" alert rule watches."""
        with self._lock:
            row = self._db.execute("SELECT text_hash, reach FROM delivered WHERE id = ?", (mention.id,)).fetchone()
        if row is None:
            return True
        text_hash, reach = self._fingerprint(mention)
        old_hash, old_reach = row
        return text_hash != old_hash or (reach - old_reach >= 20 and reach >= old_reach * 1.25)

    def mark_delivered(self, mentions: Sequence[Mention]) -> None:
        """Record mentions the broker acknowledged (only those: an undelivered one is fetched again next run)."""
        now = datetime.now(UTC).isoformat()
        rows = [(m.id, *self._fingerprint(m), now) for m in mentions]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO delivered VALUES (?, ?, ?, ?)", rows)

    # -- near duplicates -----------------------------------------------------------------------------------------

    def cluster_of(self, mention_id_: str, tokens: Sequence[str]) -> str:
        """The near-duplicate cluster of a mention: the cluster of the closest earlier mention within
        `MAX_DISTANCE` bits of SimHash, else a new cluster named after this mention."""
        with self._lock:
            row = self._db.execute("SELECT cluster_id FROM simhash WHERE id = ?", (mention_id_,)).fetchone()
            if row is not None:
                return row[0]
            if len(tokens) < MIN_TOKENS:
                return mention_id_  # too short to tell a copy from a coincidence
            value = simhash(tokens)
            bands = [(band, (value >> (band * BAND_BITS)) & BAND_MASK) for band in range(BANDS)]
            best: tuple[int, str] | None = None
            for band, band_value in bands:
                for (candidate,) in self._db.execute(
                        "SELECT id FROM simhash_band WHERE band = ? AND value = ?", (band, band_value)):
                    other, cluster = self._db.execute(
                        "SELECT hash, cluster_id FROM simhash WHERE id = ?", (candidate,)).fetchone()
                    distance = (value ^ (other & MASK64)).bit_count()
                    if distance <= MAX_DISTANCE and (best is None or distance < best[0]):
                        best = (distance, cluster)
            cluster_id = best[1] if best else mention_id_
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO simhash VALUES (?, ?, ?)", (mention_id_, _signed(value), cluster_id))
            self._db.executemany("INSERT INTO simhash_band VALUES (?, ?, ?)",
                                 [(band, band_value, mention_id_) for band, band_value in bands])
            self._db.execute("COMMIT")
            return cluster_id


# SimHash over word 3-shingles. Copies, reposts with a line added, or a changed emoji stay within 3 of 64 bits;
# 4 bands of 16 bits guarantee (pigeonhole) that any pair within 3 bits shares a band, so lookups are exact.
MASK64 = (1 << 64) - 1
BANDS, BAND_BITS = 4, 16
BAND_MASK = (1 << BAND_BITS) - 1
MAX_DISTANCE = 3
MIN_TOKENS = 8


def simhash(tokens: Sequence[str]) -> int:
    shingles = {" ".join(tokens[i:i + 3]) for i in range(max(1, len(tokens) - 2))}
    weights = [0] * 64
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    return sum(1 << bit for bit, weight in enumerate(weights) if weight > 0)


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value
