"""Crawler processing steps, free of Scrapy so the Zalo forwarder uses the same ones:
raw → `Mention` (PII masked), relevance watchlist, persistent dedupe, near-duplicate clusters.
"""

from __future__ import annotations

import hashlib
import random
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
    MinHash index of near-duplicate clusters. Safe to share between threads of one process."""

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
                CREATE TABLE IF NOT EXISTS minhash (
                    id TEXT PRIMARY KEY, signature BLOB NOT NULL, cluster_id TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS minhash_band (band INTEGER NOT NULL, key INTEGER NOT NULL, id TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS minhash_band_lookup ON minhash_band (band, key);
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
        """The near-duplicate cluster of a mention: the cluster of the most similar earlier mention whose
        estimated Jaccard similarity (MinHash over word 3-shingles) is at least `MIN_SIMILARITY`, else a new
        cluster named after this mention."""
        with self._lock:
            row = self._db.execute("SELECT cluster_id FROM minhash WHERE id = ?", (mention_id_,)).fetchone()
            if row is not None:
                return row[0]
            if len(tokens) < MIN_TOKENS:
                return mention_id_  # too short to tell a copy from a coincidence
            signature = minhash(tokens)
            keys = band_keys(signature)
            best: tuple[float, str] | None = None
            compared: set[str] = set()  # one member per cluster is enough, and keeps copy-paste campaigns fast
            for band, key in enumerate(keys):
                for blob, cluster in self._db.execute(
                        "SELECT m.signature, m.cluster_id FROM minhash_band b JOIN minhash m ON m.id = b.id "
                        "WHERE b.band = ? AND b.key = ? LIMIT ?", (band, key, CANDIDATES_PER_BAND)):
                    if cluster in compared:
                        continue
                    compared.add(cluster)
                    similarity = _similarity(signature, _unpack(blob))
                    if similarity >= MIN_SIMILARITY and (best is None or similarity > best[0]):
                        best = (similarity, cluster)
                if best is not None and best[0] >= 0.9:
                    break  # a near-exact copy: no better cluster to find
            cluster_id = best[1] if best else mention_id_
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO minhash VALUES (?, ?, ?)", (mention_id_, _pack(signature), cluster_id))
            self._db.executemany("INSERT INTO minhash_band VALUES (?, ?, ?)",
                                 [(band, key, mention_id_) for band, key in enumerate(keys)])
            self._db.execute("COMMIT")
            return cluster_id


# MinHash over word 3-shingles of the analyzer tokens (accents folded, teencode expanded): reposts, copy-paste
# with a line or emoji added, or the same text in capitals stay above 0.6 estimated Jaccard; distinct posts on the
# same topic stay far below (measured in tests/crawlers/test_processing.py). LSH with 16 bands of 4 rows finds
# candidates from about 0.5 up.
PERMUTATIONS, ROWS = 64, 4
MIN_SIMILARITY = 0.6
MIN_TOKENS = 8
CANDIDATES_PER_BAND = 64
_PRIME = (1 << 61) - 1
_rng = random.Random(20250701)
_COEFFICIENTS = [(_rng.randrange(1, _PRIME), _rng.randrange(0, _PRIME)) for _ in range(PERMUTATIONS)]


def minhash(tokens: Sequence[str]) -> list[int]:
    shingles = {" ".join(tokens[i:i + 3]) for i in range(max(1, len(tokens) - 2))}
    hashes = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in shingles]
    return [min((a * h + b) % _PRIME for h in hashes) for a, b in _COEFFICIENTS]


def band_keys(signature: list[int]) -> list[int]:
    return [_signed(int.from_bytes(hashlib.blake2b(repr(signature[i:i + ROWS]).encode(), digest_size=8).digest(),
                                   "little")) for i in range(0, PERMUTATIONS, ROWS)]


def _similarity(a: list[int], b: list[int]) -> float:
    return sum(x == y for x, y in zip(a, b)) / PERMUTATIONS


def _pack(signature: list[int]) -> bytes:
    return b"".join(value.to_bytes(8, "little") for value in signature)


def _unpack(blob: bytes) -> list[int]:
    return [int.from_bytes(blob[i:i + 8], "little") for i in range(0, len(blob), 8)]


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= 1 << 63 else value
