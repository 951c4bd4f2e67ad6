"""The `SearchBackend` contract: what every search backend (tantivy now, Elasticsearch next) implements.

A search is a `SearchRequest`: a full-text query in the shared query language (``common.query``; a bad query raises
`common.query.QuerySyntaxError` with the position of the problem, before the backend is touched), structured
filters ANDed with it, a sort, a page size and an opaque ``search_after`` cursor. The answer is a `SearchResult`:
the total number of matches, one page of `Hit` (each carrying the full `ClassifiedMention`) and the cursor of the
next page (``None`` after the last page).

Ordering is total and deterministic, so paging with ``search_after`` returns every hit exactly once while the index
does not change: ``time`` = newest first, ``reach`` = highest reach first (ties broken by mention id), ``relevance``
= best score first (equal scores in a backend-defined but stable order). The cursor is opaque: pass back exactly
what the previous page returned, to the same backend. Filters use the same comparison rules as the query language (keyword values
folded and lower-cased, provinces resolved through the gazetteer so an old or a new name both work).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

import common.text as _text
from common.query import Node, Not, Phrase, Term, parse, walk
from common.query.fields import FIELDS, FieldKind
from common.schema import ClassifiedMention, Sentiment, Source, Topic

__all__ = ["SearchSort", "SearchFilters", "SearchRequest", "Hit", "SearchResult", "SearchBackend",
           "UnsupportedQueryError", "parse_request_query", "highlight", "positive_text_terms", "utc_micros"]


class UnsupportedQueryError(ValueError):
    """A valid query that this backend cannot execute (names the clause and its position)."""


class SearchSort(StrEnum):
    time = "time"  # newest first
    relevance = "relevance"  # best score first
    reach = "reach"  # reactions + shares + comments, highest first


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchFilters(_Model):
    """Structured filters, all ANDed; a list means "any of". ``None`` / empty = no filter."""

    source: list[Source] | None = None
    sentiment: list[Sentiment] | None = None
    topic: list[Topic] | None = None
    misinformation: bool | None = None
    province: str | None = None  # pre- or post-merger name, any spelling the gazetteer resolves ("HCM", "binh duong")
    created_from: AwareDatetime | None = None  # inclusive
    created_to: AwareDatetime | None = None  # exclusive
    min_reach: int | None = Field(default=None, ge=0)
    claim_id: str | None = None
    cluster_id: str | None = None


class SearchRequest(_Model):
    query: str = ""  # shared query language; "" or "*" = everything
    filters: SearchFilters = SearchFilters()
    sort: SearchSort = SearchSort.time
    size: int = Field(default=20, ge=1, le=10_000)
    search_after: list[Any] | None = None  # `SearchResult.search_after` of the previous page, as returned
    highlight: bool = False


class Hit(_Model):
    id: str
    score: float | None  # relevance score (None when not sorted by relevance)
    sort: list[Any]  # the sort values of this hit (the cursor after it)
    mention: ClassifiedMention
    highlights: dict[str, str] | None = None  # field ("title", "text") → text with matches wrapped in <em></em>


class SearchResult(_Model):
    total: int  # every match of query + filters, not just this page
    hits: list[Hit]
    search_after: list[Any] | None  # pass back to get the next page; None when this was the last page


@runtime_checkable
class SearchBackend(Protocol):
    """Writes classified mentions and searches them. Writes are upserts keyed by mention id."""

    def index(self, mentions: list[ClassifiedMention]) -> None:
        """Add or replace (same id) mentions. May commit by the backend's commit policy."""

    def commit(self) -> None:
        """Make everything indexed so far durable and searchable."""

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of committed matches. Raises `QuerySyntaxError` / `UnsupportedQueryError` for bad queries."""

    def count(self, request: SearchRequest | None = None) -> int:
        """Number of committed matches (of everything when `request` is None)."""

    def close(self) -> None:
        """Commit pending writes and release resources; the index can be reopened afterwards."""

    # Implemented once for every backend by `index.aggregations.AggregationsMixin` (see that module).
    def export(self, request: SearchRequest, page_size: int = 500) -> Iterator[ClassifiedMention]:
        """Every hit of `request` in sort order, streamed page by page with ``search_after``."""

    def facets(self, request: SearchRequest, fields: Iterable[str], size: int = 10
               ) -> dict[str, list[tuple[str, int]]]:
        """Terms counts over the hits: {field: [(value, count)]}; fields from `index.aggregations.FacetField`."""

    def date_histogram(self, request: SearchRequest, interval: str) -> list[tuple[datetime, int]]:
        """[(bucket start, count)] per hour / day / week in Asia/Ho_Chi_Minh, empty buckets included."""


def parse_request_query(query: str) -> Node | None:
    """AST of a request's query, ``None`` for "match everything" (empty or blank). Raises `QuerySyntaxError`."""
    if not query.strip():
        return None
    return parse(query)


# The document columns both backends index, under the same names, so their query compilers agree.
TITLE_TEXT_SEPARATOR = "|"  # between title and text tokens: never a token (tokens are \w+), so phrases cannot span it
KEYWORD_FIELDS = [name for name, f in FIELDS.items() if f.kind is FieldKind.keyword]
BOOL_FIELDS = [name for name, f in FIELDS.items() if f.kind is FieldKind.bool]
INT_FIELDS = ["reactions", "shares", "comments", "followers", "reach"]
FLOAT_FIELDS = ["misinformation_score"]
DATE_COLUMN = "created_us"  # created_at in µs since the epoch (UTC)
I64_MAX = 2**63 - 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WORD = re.compile(r"\w+")


def highlight(text: str | None, terms: frozenset[str]) -> str | None:
    """`text` as HTML-escaped text with every word whose analyzed tokens hit `terms` wrapped in ``<em></em>``;
    None when nothing hits. Mention texts are hostile input: the only markup in the result is ours."""
    if not text or not terms:
        return None
    out, last, hit = [], 0, False
    for m in _WORD.finditer(text):
        if terms.intersection(_text.tokens(m.group())):
            out += [html.escape(text[last:m.start()]), "<em>", html.escape(m.group()), "</em>"]
            last, hit = m.end(), True
    if not hit:
        return None
    out.append(html.escape(text[last:]))
    return "".join(out)


def positive_text_terms(node: Node | None, field: str) -> frozenset[str]:
    """Analyzed tokens of the text Terms/Phrases of `field` in `node` (all of them, negated ones excluded)."""
    if node is None:
        return frozenset()
    negated = {id(n) for top in walk(node) if isinstance(top, Not) for n in walk(top.child)}
    terms: set[str] = set()
    for n in walk(node):
        if id(n) in negated or not isinstance(n, Term | Phrase) or isinstance(n.value, bool):
            continue
        if FIELDS[n.field].kind is FieldKind.text and (n.field == field or n.field == "text"):
            terms.update(_text.tokens(n.value))
    return frozenset(terms)


def utc_micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (the integer form backends sort and filter on)."""
    return (value - _EPOCH) // timedelta(microseconds=1)
