"""Facets, a date histogram and streamed export over the hits of a `SearchRequest` — backend-neutral.

Everything here is computed from `export`, which pages through the backend's own ``search`` with its
``search_after`` cursor (``page_size`` hits in memory at a time, never the whole result). Because both backends
return the same hits for the same request, facets and histograms are equal on both by construction (tested by the
contract suite). Cost is O(hits) per call: fine for analyst-sized result sets; native aggregations (tantivy
``Searcher.aggregate``, ES ``terms`` / ``date_histogram``) are the next step and must keep these results.

Facet values are the mention's own values (not the folded comparison keys): ``source`` / ``sentiment`` / ``topic``
enum values, ``misinformation`` "true" / "false", ``province`` the NEW (post-1/7/2025) name, ``author`` the name
(else the id), ``cluster`` the cluster id, ``claim`` each matched claim id (a mention with two claims counts once for
each). Missing values are not counted. Buckets are ordered by count descending, then value ascending; ``size``
keeps the first ones.

Time zone: buckets are computed in Asia/Ho_Chi_Minh as the fixed offset UTC+07:00 (Vietnam has no DST); a week
starts on Monday 00:00 local time. Bucket starts are aware datetimes in that offset; empty buckets between the first
and the last non-empty one are included; no hits → ``[]``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.schema import ClassifiedMention

from .backend import SearchRequest

if TYPE_CHECKING:
    from .backend import SearchBackend

__all__ = ["AggregationsMixin", "VN_TZ", "FacetField", "Interval", "FACET_FIELDS", "CSV_COLUMNS", "export", "facets",
           "bucket_start", "date_histogram", "write_csv", "write_jsonl"]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
EXPORT_PAGE_SIZE = 500


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


def facets(backend: SearchBackend, request: SearchRequest, fields: Iterable[FacetField | str], size: int = 10,
           page_size: int = EXPORT_PAGE_SIZE) -> dict[str, list[tuple[str, int]]]:
    """Terms counts over the hits of `request`: {field: [(value, count)], count desc then value asc, ≤ size}."""
    wanted = [FacetField(f) for f in fields]  # ValueError names an unknown field
    if size < 1:
        raise ValueError("size must be >= 1")
    counters: dict[FacetField, Counter[str]] = {f: Counter() for f in wanted}
    for m in export(backend, request, page_size):
        for f in wanted:
            counters[f].update(FACET_FIELDS[f](m))
    return {f.value: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size] for f, c in counters.items()}


def bucket_start(value: datetime, interval: Interval | str) -> datetime:
    """Start of the Asia/Ho_Chi_Minh bucket holding `value` (aware)."""
    local = value.astimezone(VN_TZ)
    interval = Interval(interval)
    if interval is Interval.hour:
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if interval is Interval.day else day - timedelta(days=day.weekday())


_STEP = {Interval.hour: timedelta(hours=1), Interval.day: timedelta(days=1), Interval.week: timedelta(weeks=1)}


def date_histogram(backend: SearchBackend, request: SearchRequest, interval: Interval | str,
                   page_size: int = EXPORT_PAGE_SIZE) -> list[tuple[datetime, int]]:
    """[(bucket start in UTC+07:00, hits created in the bucket)], ascending, empty buckets included."""
    interval = Interval(interval)
    counts = Counter(bucket_start(m.created_at, interval) for m in export(backend, request, page_size))
    if not counts:
        return []
    out, current, last = [], min(counts), max(counts)
    while current <= last:
        out.append((current, counts.get(current, 0)))
        current += _STEP[interval]  # fixed offset: no DST, so every bucket has the same length
    return out


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
    """`export` / `facets` / `date_histogram` as methods of a backend that has ``search`` (both backends)."""

    def export(self, request: SearchRequest, page_size: int = EXPORT_PAGE_SIZE) -> Iterator[ClassifiedMention]:
        return export(self, request, page_size)  # type: ignore[arg-type]

    def facets(self, request: SearchRequest, fields: Iterable[FacetField | str], size: int = 10
               ) -> dict[str, list[tuple[str, int]]]:
        return facets(self, request, fields, size)  # type: ignore[arg-type]

    def date_histogram(self, request: SearchRequest, interval: Interval | str) -> list[tuple[datetime, int]]:
        return date_histogram(self, request, interval)  # type: ignore[arg-type]
