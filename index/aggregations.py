from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.schema import ClassifiedMention

from .backend import DATE_COLUMN, SearchRequest

if TYPE_CHECKING:
    from .backend import SearchBackend

__all__ = ["AggregationsMixin", "VN_TZ", "FacetField", "Interval", "FACET_FIELDS", "FACET_COLUMNS", "OWN_FACET_COLUMNS",
           "CSV_COLUMNS",
           "SEGMENT_TERMS", "export", "bucket_start", "write_csv", "write_jsonl"]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
EXPORT_PAGE_SIZE = 500
SEGMENT_TERMS = 50_000  # values each segment / shard reports to the merge (tantivy refuses > 65,000 buckets)


class FacetField(StrEnum):
    source = "source"
    sentiment = "sentiment"
    topic = "topic"
    misinformation = "misinformation"
    province = "province"  # new (post-merger) name
    author = "author"
    cluster = "cluster"
    claim = "claim"


class Interval(StrEnum):
    hour = "hour"
    day = "day"
    week = "week"


def _author(m: ClassifiedMention) -> tuple[str, ...]:
    value = m.author.name or m.author.id
    return (value,) if value else ()


# The values a mention contributes to each facet: backends index them into `FACET_COLUMNS` (deduplicated, so a
# value counts once per mention).
FACET_FIELDS: dict[FacetField, Callable[[ClassifiedMention], tuple[str, ...]]] = {
    FacetField.source: lambda m: (m.source.value,),
    FacetField.sentiment: lambda m: (m.labels.sentiment.value,),
    FacetField.topic: lambda m: (m.labels.topic.value,),
    FacetField.misinformation: lambda m: ("true" if m.labels.misinformation else "false",),
    FacetField.province: lambda m: () if m.province is None else (m.province.new,),
    FacetField.author: _author,
    FacetField.cluster: lambda m: (m.cluster_id,) if m.cluster_id else (),
    FacetField.claim: lambda m: tuple(dict.fromkeys(c.claim_id for c in m.claims)),
}

# Column aggregated for each facet. source / sentiment / topic / misinformation reuse the query columns: their
# comparison key IS the enum value ("true" / "false"); the others need the display value, so they get their own.
FACET_COLUMNS: dict[FacetField, str] = {
    FacetField.source: "source",
    FacetField.sentiment: "sentiment",
    FacetField.topic: "topic",
    FacetField.misinformation: "misinformation",
    FacetField.province: "facet_province",
    FacetField.author: "facet_author",
    FacetField.cluster: "facet_cluster",
    FacetField.claim: "facet_claim",
}
OWN_FACET_COLUMNS = {f: c for f, c in FACET_COLUMNS.items() if c.startswith("facet_")}


def export(backend: SearchBackend, request: SearchRequest, page_size: int = EXPORT_PAGE_SIZE
           ) -> Iterator[ClassifiedMention]:
    """Every hit of `request` in its sort order, fetched page by page with ``search_after`` (request.size and
    request.search_after are ignored: the export starts at the first hit)."""
    page_request = request.model_copy(update={"size": page_size, "search_after": None, "highlight": False})
    while True:
        page = backend.search(page_request)
        for hit in page.hits:
            yield hit.mention
        if page.search_after is None or not page.hits:
            return
        page_request = page_request.model_copy(update={"search_after": page.search_after})


def bucket_start(value: datetime, interval: Interval | str) -> datetime:
    """Start of the Asia/Ho_Chi_Minh bucket holding `value` (aware)."""
    local = value.astimezone(VN_TZ)
    interval = Interval(interval)
    if interval is Interval.hour:
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if interval is Interval.day else day - timedelta(days=day.weekday())


_HOUR_US = 3600 * 10**6
_STEP_US = {Interval.hour: _HOUR_US, Interval.day: 24 * _HOUR_US, Interval.week: 7 * 24 * _HOUR_US}
# Bucket boundaries relative to the epoch (Thursday 1970-01-01 00:00 UTC = 07:00 in Vietnam): local midnight is
# 17:00 UTC; local Monday 00:00 is Sunday 17:00 UTC, 3 days and 7 hours before the epoch.
_OFFSET_US = {Interval.hour: 0, Interval.day: 17 * _HOUR_US, Interval.week: (7 * 24 - 3 * 24 - 7) * _HOUR_US}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _terms(column: str, size: int) -> dict[str, Any]:
    # tantivy reads the per-segment size as "segment_size", Elasticsearch as "shard_size": the backend renames it
    return {"terms": {"field": column, "size": size, "segment_size": SEGMENT_TERMS}}


def _ranked(buckets: list[dict[str, Any]], size: int) -> list[tuple[str, int]]:
    ranked = sorted(((str(b["key"]), int(b["doc_count"])) for b in buckets), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:size]


CSV_COLUMNS: dict[str, Callable[[ClassifiedMention], Any]] = {
    "id": lambda m: m.id,
    "created_at": lambda m: m.created_at.astimezone(VN_TZ).isoformat(),
    "source": lambda m: m.source.value,
    "author": lambda m: m.author.name or m.author.id or "",
    "url": lambda m: m.url or "",
    "title": lambda m: m.title or "",
    "text": lambda m: m.text,
    "province": lambda m: m.province.new if m.province else "",
    "province_old": lambda m: (m.province.old or "") if m.province else "",
    "sentiment": lambda m: m.labels.sentiment.value,
    "topic": lambda m: m.labels.topic.value,
    "misinformation": lambda m: "true" if m.labels.misinformation else "false",
    "misinformation_score": lambda m: m.labels.misinformation_score,
    "claims": lambda m: ";".join(c.claim_id for c in m.claims),
    "cluster_id": lambda m: m.cluster_id or "",
    "reactions": lambda m: m.reach.reactions,
    "shares": lambda m: m.reach.shares,
    "comments": lambda m: m.reach.comments,
}


def write_csv(mentions: Iterable[ClassifiedMention], path: str | Path,
              columns: Iterable[str] = tuple(CSV_COLUMNS)) -> int:
    """Write flat columns to a UTF-8 CSV with a BOM (Excel then shows Vietnamese); returns the number of rows.
    `created_at` is ISO 8601 in UTC+07:00. Streams: one row in memory at a time."""
    names = list(columns)
    unknown = [c for c in names if c not in CSV_COLUMNS]
    if unknown:
        raise ValueError(f"unknown CSV column(s) {unknown}; known: {list(CSV_COLUMNS)}")
    rows = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fp:
        writer = csv.writer(fp)
        writer.writerow(names)
        for m in mentions:
            writer.writerow([CSV_COLUMNS[c](m) for c in names])
            rows += 1
    return rows


def write_jsonl(mentions: Iterable[ClassifiedMention], path: str | Path) -> int:
    """One full `ClassifiedMention` JSON per line (UTF-8, no BOM); returns the number of lines."""
    rows = 0
    with open(path, "w", encoding="utf-8") as fp:
        for m in mentions:
            fp.write(json.dumps(m.model_dump(mode="json"), ensure_ascii=False) + "\n")
            rows += 1
    return rows


class AggregationsMixin:
    """`export` / `facets` / `date_histogram` for a backend that has ``search`` and ``_aggregate`` (both backends).

    ``_aggregate(request, aggs)`` runs the named ``terms`` / ``histogram`` aggregations (the spec built here, in
    Elasticsearch syntax, ``segment_size`` for the per-segment size) over the hits of `request` and returns
    ``{name: {"buckets": [{"key": ..., "doc_count": n}, ...]}}``; an empty index answers empty buckets."""

    def _aggregate(self, request: SearchRequest, aggs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        raise NotImplementedError

    def export(self, request: SearchRequest, page_size: int = EXPORT_PAGE_SIZE) -> Iterator[ClassifiedMention]:
        return export(self, request, page_size)  # type: ignore[arg-type]

    def facets(self, request: SearchRequest, fields: Iterable[FacetField | str], size: int = 10
               ) -> dict[str, list[tuple[str, int]]]:
        """Terms counts over the hits of `request`: {field: [(value, count)], count desc then value asc, ≤ size}."""
        wanted = list(dict.fromkeys(FacetField(f) for f in fields))  # ValueError names an unknown field
        if size < 1:
            raise ValueError("size must be >= 1")
        if size > SEGMENT_TERMS:
            raise ValueError(f"size must be <= {SEGMENT_TERMS}")
        if not wanted:
            return {}
        found = self._aggregate(request, {f.value: _terms(FACET_COLUMNS[f], size) for f in wanted})
        return {f.value: _ranked(found[f.value]["buckets"], size) for f in wanted}

    def date_histogram(self, request: SearchRequest, interval: Interval | str) -> list[tuple[datetime, int]]:
        """[(bucket start in UTC+07:00, hits created in the bucket)], ascending, empty buckets included."""
        interval = Interval(interval)  # ValueError names an unknown interval
        spec = {"histogram": {"field": DATE_COLUMN, "interval": _STEP_US[interval],
                              "offset": _OFFSET_US[interval], "min_doc_count": 0}}
        buckets = [(int(b["key"]), int(b["doc_count"]))
                   for b in self._aggregate(request, {"histogram": spec})["histogram"]["buckets"]]
        while buckets and buckets[-1][1] == 0:
            buckets.pop()
        start = next((i for i, (_, count) in enumerate(buckets) if count), len(buckets))
        return [((_EPOCH + timedelta(microseconds=key)).astimezone(VN_TZ), count) for key, count in buckets[start:]]
