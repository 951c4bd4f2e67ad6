"""The embedded search backend: a persistent tantivy index in one directory.

Analysis. Text is analyzed in Python with ``common.text.tokens`` — THE analyzer of the query language (NFC, one
tone style, teencode expanded, folded: "bảo hiểm" → ``bao hiem``, đ → d, ư → u, lower-cased) — and indexed as
space-joined tokens with tantivy's ``whitespace`` tokenizer (``text_normalized`` is already normalized by the
crawlers' pipeline: it only goes through ``common.text.forms.joined_tokens_of_normalized``, fold + split cached per
word, the same tokens ~3× cheaper; the raw title gets the full analyzer). Query leaves go through
``common.query.analyzed``, so index and query always agree with the in-memory matcher (tantivy's own ascii_fold
analyzer would not expand teencode). The ``text`` field is title + text_normalized with a separator token between them, so a phrase never
spans the two. Keyword fields hold `common.query.fields.keyword_key` values (raw tokenizer); provinces hold the keys
of both the old and the new name.

Writes. ``_id`` is the mention id: `index` deletes the id then adds the document, so re-indexing never duplicates.
Documents become durable and searchable at a commit: every ``commit_every`` documents, or at the first `index`
call ``commit_interval`` seconds after the previous commit, or on `commit` / `close`. What a crash (kill -9) loses
is bounded by that policy; the index reopens at its last commit.

Sorting and paging. Each document has ``created_us`` (µs since the epoch), ``reach`` and ``tiebreak`` (the first
64 bits of the id, unique in practice) as fast fields. Time/reach pages are collected as "key descending, tiebreak
ascending" with range queries on the cursor, so ``search_after`` returns every hit once at any depth.
Relevance pages carry an offset in the cursor (stable while the index does not change; equal scores keep index
order). A page reads each hit's stored document once (the JSON mention in ``_source``).

Aggregations. Facets and date histograms run in ``Searcher.aggregate`` (see `index.aggregations`): the
source / sentiment / topic / misinformation columns are fast fields, and the display values of the other facets
(province new name, author, cluster, claims) are indexed into fast ``facet_*`` columns. An index written with
another schema is refused with `IndexSchemaError` (rebuild it: delete the directory and reindex).

Indexing speed. Per mention the cost is the Python analysis (above), the JSON of the mention (one pydantic-core
``to_json``), one ``Document.from_dict`` call for all fields and tantivy's own indexing (in its writer thread);
keyword keys of repeating values (authors, provinces, labels) are memoized.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tantivy

import common.text as _text
from common.query import And, MatchAll, Node, Not, Or, Phrase, Range, RelativeDate, Term, Wildcard, analyzed
from common.query.ast import wildcard_regex
from common.query.fields import FIELDS, FieldKind, keyword_key
from common.schema import ClassifiedMention
from common.text.forms import joined_tokens_of_normalized

from .aggregations import FACET_COLUMNS, FACET_FIELDS, OWN_FACET_COLUMNS, VN_TZ, AggregationsMixin
from .backend import (
    BOOL_FIELDS,
    DATE_COLUMN,
    FLOAT_FIELDS,
    I64_MAX,
    INT_FIELDS,
    KEYWORD_FIELDS,
    TITLE_TEXT_SEPARATOR,
    Hit,
    SearchFilters,
    SearchRequest,
    SearchResult,
    SearchSort,
    UnsupportedQueryError,
    highlight,
    parse_request_query,
    positive_text_terms,
    utc_micros,
)

__all__ = ["TantivyBackend", "IndexSchemaError", "MAX_HISTOGRAM_BUCKETS", "histogram_too_large"]


class IndexSchemaError(ValueError):
    """The directory holds an index written with another schema (names the path and what to do)."""

_SEP = TITLE_TEXT_SEPARATOR
_KEYWORD_FIELDS, _BOOL_FIELDS, _INT_FIELDS, _FLOAT_FIELDS = KEYWORD_FIELDS, BOOL_FIELDS, INT_FIELDS, FLOAT_FIELDS
_DATE_FIELD = "created_at"
_DATE_COLUMN = DATE_COLUMN
_SORT_COLUMN = {SearchSort.time: _DATE_COLUMN, SearchSort.reach: "reach"}
_REGEX_META = set(r"\.+*?()|[]{}^$#&-~")
_I64_MAX = I64_MAX
_FAST_KEYWORDS = set(FACET_COLUMNS.values()) - set(OWN_FACET_COLUMNS.values())


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("_id", stored=False, tokenizer_name="raw", index_option="basic")
    b.add_bytes_field("_source", stored=True)
    b.add_unsigned_field("tiebreak", stored=True, indexed=True, fast=True)
    for name in ("text", "title"):
        b.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in _KEYWORD_FIELDS + _BOOL_FIELDS:  # facet columns among them are also fast (columnar) for aggregations
        b.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=name in _FAST_KEYWORDS)
    for name in OWN_FACET_COLUMNS.values():  # display values of facets (fast only is not offered by tantivy-py)
        b.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in _INT_FIELDS + [_DATE_COLUMN]:
        b.add_integer_field(name, indexed=True, fast=True)
    for name in _FLOAT_FIELDS:
        b.add_float_field(name, indexed=True, fast=True)
    return b.build()


def _tiebreak(mention_id: str) -> int:
    try:
        return int(mention_id[:16], 16) if len(mention_id) >= 16 else int(mention_id.encode().hex()[:16] or "0", 16)
    except ValueError:  # not hex: take the bytes
        return int.from_bytes(mention_id.encode()[:8].ljust(8, b"\0"), "big")


_UNIQUE_KEYWORDS = frozenset({"id", "url", "parent"})  # one value per mention: caching their keys only costs memory
_Row = tuple[float | None, list[Any], Any, Any]  # (score, sort values, doc address, stored doc if already loaded)
_KEY_CACHE: dict[tuple[str, str], str] = {}
_KEY_CACHE_MAX = 200_000


def _cached_key(name: str, value: str) -> str:
    """`keyword_key` memoized for repeating values (authors, provinces, labels): a third of indexing time otherwise."""
    if name in _UNIQUE_KEYWORDS:
        return keyword_key(name, value)
    key = _KEY_CACHE.get((name, value))
    if key is None:
        if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
            _KEY_CACHE.clear()
        key = _KEY_CACHE[name, value] = keyword_key(name, value)
    return key


_to_json = ClassifiedMention.__pydantic_serializer__.to_json  # = model_dump_json().encode(), without the round trip
_KEYWORD_GETTERS = [(name, FIELDS[name].getter) for name in _KEYWORD_FIELDS]
_BOOL_GETTERS = [(name, FIELDS[name].getter) for name in _BOOL_FIELDS]
_INT_GETTERS = [(name, FIELDS[name].getter) for name in _INT_FIELDS]
_FLOAT_GETTERS = [(name, FIELDS[name].getter) for name in _FLOAT_FIELDS]
_OWN_FACET_GETTERS = [(column, FACET_FIELDS[facet]) for facet, column in OWN_FACET_COLUMNS.items()]


def _analyzed(m: ClassifiedMention) -> tuple[str, str]:
    """(``title`` field, ``text`` field): space-joined tokens (extra spaces are harmless to the whitespace
    tokenizer); ``text`` = title tokens, the separator, text tokens. ``text_normalized`` is already normalized (the
    crawler pipeline), so it only needs folding and splitting (`joined_tokens_of_normalized`, cached per word, equal
    to ``common.text.tokens`` of it); the raw, short title gets the full analyzer."""
    body = joined_tokens_of_normalized(m.text_normalized) if m.text_normalized else ""
    title = " ".join(_text.tokens(m.title)) if m.title else ""
    return title, (f"{title} {_SEP} {body}" if title else body)


MAX_HISTOGRAM_BUCKETS = 65_000  # tantivy's bucket limit per aggregation request; promised by both backends
_UNITS = {3600 * 10**6: "giờ", 24 * 3600 * 10**6: "ngày", 7 * 24 * 3600 * 10**6: "tuần"}


def histogram_too_large(aggregate: Callable[[SearchRequest, dict[str, Any]], dict[str, Any]],
                        request: SearchRequest, spec: dict[str, Any]) -> ValueError:
    """The error for a date histogram over more than `MAX_HISTOGRAM_BUCKETS` buckets (both backends raise it
    instead of the engine's error): how many buckets the hits of `request` span, from when to when, what to do.
    `aggregate` is the backend's ``_aggregate`` (one ``stats`` aggregation, only on this error path)."""
    body = spec["histogram"]
    span = aggregate(request, {"span": {"stats": {"field": body["field"]}}})["span"]
    interval, offset = int(body["interval"]), int(body.get("offset", 0))
    low, high = int(span["min"]), int(span["max"])
    buckets = (high - offset) // interval - (low - offset) // interval + 1
    first, last = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=v) for v in (low, high))
    return ValueError(
        f"biểu đồ theo {_UNITS.get(interval, 'khoảng')} cần {_vn_int(buckets)} cột (các mention từ "
        f"{first.astimezone(VN_TZ):%d/%m/%Y %H:%M} đến {last.astimezone(VN_TZ):%d/%m/%Y %H:%M} giờ Việt Nam), "
        f"quá giới hạn {_vn_int(MAX_HISTOGRAM_BUCKETS)} cột: hãy thu hẹp khoảng thời gian hoặc chọn biểu đồ theo "
        "ngày hay tuần")


def _vn_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _regex(pattern: str) -> str:
    """Wildcard pattern → regex in the syntax tantivy (Rust `regex`) accepts."""
    python = wildcard_regex(pattern)
    # wildcard_regex escapes with re.escape; re-escape literal characters for Rust: undo "\x" for non-meta x.
    out, i = [], 0
    while i < len(python):
        ch = python[i]
        if ch == "\\" and i + 1 < len(python):
            nxt = python[i + 1]
            out.append("\\" + nxt if nxt in _REGEX_META or nxt == "\\" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class TantivyBackend(AggregationsMixin):
    """`SearchBackend` over a tantivy index stored in `path` (created when missing, reopened otherwise)."""

    def __init__(self, path: str | Path, *, commit_every: int = 10_000, commit_interval: float = 5.0,
                 writer_heap: int = 64 * 1024 * 1024) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.commit_every = commit_every
        self.commit_interval = commit_interval
        self._schema = _schema()
        try:
            self._index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
        except ValueError as e:
            if "schema does not match" not in str(e):
                raise
            raise IndexSchemaError(f"chỉ mục tantivy tại {self.path} được tạo bằng lược đồ cũ (thiếu cột mới); "
                                   "xoá thư mục này rồi đánh chỉ mục lại từ Kafka") from e
        self._writer_heap = writer_heap
        self._writer: Any = None
        self._pending = 0
        self._last_commit = time.monotonic()
        self._lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------------------------------------ writes

    def _get_writer(self) -> Any:
        if self._closed:
            raise RuntimeError("the backend is closed")
        if self._writer is None:
            self._writer = self._index.writer(heap_size=self._writer_heap, num_threads=1)
        return self._writer

    def index(self, mentions: list[ClassifiedMention]) -> None:
        with self._lock:
            writer = self._get_writer()
            for mention in mentions:
                writer.delete_documents_by_term("_id", mention.id)
                writer.add_document(self._document(mention))
                self._pending += 1
            if self._pending >= self.commit_every or (
                    self._pending and time.monotonic() - self._last_commit >= self.commit_interval):
                self._commit_locked()

    def commit(self) -> None:
        with self._lock:
            self._commit_locked()

    def _commit_locked(self) -> None:
        if self._writer is not None:
            self._writer.commit()
        self._pending = 0
        self._last_commit = time.monotonic()
        self._index.reload()

    @property
    def pending(self) -> int:
        """Documents indexed since the last commit (lost by a crash now)."""
        return self._pending

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._writer is not None:
                self._writer.commit()
                self._writer.wait_merging_threads()  # consumes the writer and releases the lock file
                self._writer = None
            self._closed = True

    def __enter__(self) -> TantivyBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _document(self, m: ClassifiedMention) -> tantivy.Document:
        title, text = _analyzed(m)
        fields: dict[str, Any] = {"_id": m.id, "_source": _to_json(m), "tiebreak": _tiebreak(m.id), "text": text,
                                  _DATE_COLUMN: utc_micros(m.created_at)}
        if title:
            fields["title"] = title
        for name, getter in _KEYWORD_GETTERS:
            keys = [k for k in (_cached_key(name, v) for v in getter(m)) if k]
            if keys:
                fields[name] = keys
        for name, getter in _BOOL_GETTERS:
            value = getter(m)
            if value is not None:
                fields[name] = "true" if value else "false"
        for name, getter in _INT_GETTERS:
            value = getter(m)
            if value is not None:
                fields[name] = min(int(value), _I64_MAX)
        for name, getter in _FLOAT_GETTERS:
            value = getter(m)
            if value is not None:
                fields[name] = float(value)
        for column, values in _OWN_FACET_GETTERS:
            found = values(m)
            if found:
                fields[column] = list(found)
        return tantivy.Document.from_dict(fields, self._schema)  # one call: cheaper than one add_* per value

    # ------------------------------------------------------------------------------------------------ queries

    def compile(self, node: Node | None) -> tantivy.Query:
        """The tantivy query of a query-language AST (None = everything)."""
        if node is None or isinstance(node, MatchAll):
            return tantivy.Query.all_query()
        if isinstance(node, And):
            return self._bool([(tantivy.Occur.Must, self.compile(c)) for c in node.children])
        if isinstance(node, Or):
            return self._bool([(tantivy.Occur.Should, self.compile(c)) for c in node.children])
        if isinstance(node, Not):
            return self._bool([(tantivy.Occur.Must, tantivy.Query.all_query()),
                               (tantivy.Occur.MustNot, self.compile(node.child))])
        if isinstance(node, Range):
            return self._range(node)
        if isinstance(node, Term | Phrase | Wildcard):
            return self._leaf(node)
        raise UnsupportedQueryError(f"unsupported query clause at position {getattr(node, 'pos', 0)}: {node!r}")

    @staticmethod
    def _bool(clauses: list[tuple[Any, tantivy.Query]]) -> tantivy.Query:
        return tantivy.Query.boolean_query(clauses)

    def _leaf(self, node: Term | Phrase | Wildcard) -> tantivy.Query:
        kind = FIELDS[node.field].kind
        if kind not in (FieldKind.text, FieldKind.keyword, FieldKind.bool):
            raise UnsupportedQueryError(f"a {kind} field needs a range (position {node.pos}): {node}")
        keys = analyzed(node)
        if not keys:
            return tantivy.Query.empty_query()
        if isinstance(node, Wildcard):
            return tantivy.Query.regex_query(self._schema, node.field, _regex(keys[0]))
        if kind is FieldKind.text and len(keys) > 1:
            return tantivy.Query.phrase_query(self._schema, node.field, list(keys))
        return tantivy.Query.term_query(self._schema, node.field, keys[0])

    def _range(self, node: Range) -> tantivy.Query:
        kind = FIELDS[node.field].kind
        lower, upper = node.lower, node.upper
        if kind is FieldKind.date:
            column, field_type = _DATE_COLUMN, tantivy.FieldType.Integer
            lower, upper = (None if b is None else utc_micros(b.resolve() if isinstance(b, RelativeDate) else b)
                            for b in (lower, upper))
        elif kind is FieldKind.number:
            column = node.field
            if node.field in _FLOAT_FIELDS:
                field_type = tantivy.FieldType.Float
                lower, upper = (None if b is None else float(b) for b in (lower, upper))
            else:
                field_type = tantivy.FieldType.Integer
                return self._int_range(column, lower, upper, node.include_lower, node.include_upper)
        else:
            raise UnsupportedQueryError(f"a range needs a number or date field (position {node.pos}): {node}")
        return self._typed_range(column, field_type, lower, upper, node.include_lower, node.include_upper)

    def _int_range(self, column: str, lower: Any, upper: Any, inc_lower: bool, inc_upper: bool) -> tantivy.Query:
        """Integer range with float bounds made exact: reach:>2.5 is reach >= 3."""
        if lower is not None and not isinstance(lower, int):
            lower, inc_lower = (math.floor(lower) + 1 if (not inc_lower or lower != math.floor(lower))
                                else int(lower)), True
        if upper is not None and not isinstance(upper, int):
            upper, inc_upper = (math.ceil(upper) - 1 if (not inc_upper or upper != math.ceil(upper))
                                else int(upper)), True
        return self._typed_range(column, tantivy.FieldType.Integer, lower, upper, inc_lower, inc_upper)

    def _typed_range(self, column: str, field_type: Any, lower: Any, upper: Any, inc_lower: bool,
                     inc_upper: bool) -> tantivy.Query:
        if lower is None and upper is None:
            return tantivy.Query.exists_query(column) if column != _DATE_COLUMN else tantivy.Query.all_query()
        return tantivy.Query.range_query(self._schema, column, field_type, lower_bound=lower, upper_bound=upper,
                                         include_lower=True if lower is None else inc_lower,
                                         include_upper=True if upper is None else inc_upper)

    def _filters(self, f: SearchFilters) -> list[tantivy.Query]:
        out: list[tantivy.Query] = []

        def any_of(field: str, values: list[Any] | None) -> None:
            if values:
                out.append(tantivy.Query.term_set_query(self._schema, field,
                                                        [keyword_key(field, str(v)) for v in values]))

        any_of("source", f.source)
        any_of("sentiment", f.sentiment)
        any_of("topic", f.topic)
        any_of("province", [f.province] if f.province else None)
        any_of("claim", [f.claim_id] if f.claim_id else None)
        any_of("cluster", [f.cluster_id] if f.cluster_id else None)
        if f.misinformation is not None:
            out.append(tantivy.Query.term_query(self._schema, "misinformation",
                                                "true" if f.misinformation else "false"))
        if f.created_from is not None or f.created_to is not None:
            out.append(self._typed_range(
                _DATE_COLUMN, tantivy.FieldType.Integer,
                None if f.created_from is None else utc_micros(f.created_from),
                None if f.created_to is None else utc_micros(f.created_to), True, False))
        if f.min_reach is not None:
            out.append(self._typed_range("reach", tantivy.FieldType.Integer, f.min_reach, None, True, True))
        return out

    def _request_query(self, request: SearchRequest) -> tuple[tantivy.Query, Node | None]:
        node = parse_request_query(request.query)  # QuerySyntaxError with position on bad input
        main = self.compile(node)
        filters = self._filters(request.filters)
        if not filters:
            return main, node
        return self._bool([(tantivy.Occur.Must, main)] + [(tantivy.Occur.Must, q) for q in filters]), node

    # ------------------------------------------------------------------------------------------------ search

    def count(self, request: SearchRequest | None = None) -> int:
        searcher = self._index.searcher()
        if request is None:
            return searcher.num_docs
        query, _ = self._request_query(request)
        return searcher.search(query, limit=1, count=True).count

    def _aggregate(self, request: SearchRequest, aggs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        query, _ = self._request_query(request)
        try:
            return self._index.searcher().aggregate(query, aggs)
        except ValueError as e:
            histogram = next((spec for spec in aggs.values() if "histogram" in spec), None)
            if histogram is None or "bucket limit" not in str(e):
                raise
            raise histogram_too_large(self._aggregate, request, histogram) from e

    def search(self, request: SearchRequest) -> SearchResult:
        query, node = self._request_query(request)
        searcher = self._index.searcher()
        if request.sort is SearchSort.relevance:
            rows, next_after, total = self._relevance_page(searcher, query, request)
        else:
            rows, next_after, total = self._sorted_page(searcher, query, request)
        if total is None:  # a later page: the page's own pass is restricted by the cursor, count separately
            total = searcher.search(query, limit=1, count=True).count
        hits = []
        terms = {name: positive_text_terms(node, name) for name in ("title", "text")} if request.highlight else {}
        for score, sort, address, loaded in rows:
            stored = loaded if loaded is not None else searcher.doc(address)
            mention = ClassifiedMention.model_validate_json(stored.get_first("_source"))
            highlights = None
            if request.highlight:
                found = {"title": highlight(mention.title, terms["title"]),
                         "text": highlight(mention.text, terms["text"])}
                highlights = {k: v for k, v in found.items() if v is not None}
            # built from a mention validated just above: skip re-validating it (a third of export time otherwise)
            hits.append(Hit.model_construct(id=mention.id, score=score, sort=sort, mention=mention,
                                            highlights=highlights))
        return SearchResult(total=total, hits=hits, search_after=next_after)

    def _relevance_page(self, searcher: Any, query: tantivy.Query,
                        request: SearchRequest) -> tuple[list[_Row], list[Any] | None, int | None]:
        """One page by score, and the total number of matches (counted in the same pass)."""
        offset = 0
        if request.search_after:
            offset = int(request.search_after[-1])
        result = searcher.search(query, limit=request.size + 1, offset=offset, count=True)
        page = result.hits[: request.size]
        rows = []
        for i, (score, address) in enumerate(page):
            rows.append((float(score), [float(score), offset + i + 1], address, None))
        more = len(result.hits) > request.size
        return rows, (rows[-1][1] if rows and more else None), result.count

    def _sorted_page(self, searcher: Any, query: tantivy.Query,
                     request: SearchRequest) -> tuple[list[_Row], list[Any] | None, int | None]:
        """One page ordered by (key descending, tiebreak ascending), after the cursor (key, tiebreak); on the
        first page also the total number of matches, counted in the same pass over them (None otherwise)."""
        column = _SORT_COLUMN[request.sort]
        size = request.size
        want = size + 1  # one more than a page tells whether there is a next page
        rows: list[tuple[int, int, Any]] = []  # (key, tiebreak, address)

        total: int | None = None

        def fetch(q: tantivy.Query, order_field: str, order: Any, limit: int, count: bool = False
                  ) -> list[tuple[Any, Any]]:
            nonlocal total
            result = searcher.search(q, limit=limit, order_by_field=order_field, order=order, count=count)
            if count:
                total = result.count
            return result.hits

        def with_(q: tantivy.Query, *extra: tantivy.Query) -> tantivy.Query:
            return self._bool([(tantivy.Occur.Must, q)] + [(tantivy.Occur.Must, e) for e in extra])

        def key_eq(key: int) -> tantivy.Query:
            return self._typed_range(column, tantivy.FieldType.Integer, key, key, True, True)

        def tie_group(key: int, after: int | None, limit: int) -> None:
            extra = [key_eq(key)]
            if after is not None:
                extra.append(tantivy.Query.range_query(self._schema, "tiebreak", tantivy.FieldType.Unsigned,
                                                       lower_bound=after, include_lower=False))
            for tb, address in fetch(with_(query, *extra), "tiebreak", tantivy.Order.Asc, limit):
                rows.append((key, int(tb), address))

        below = query
        if request.search_after:
            key, after = int(request.search_after[0]), int(request.search_after[1])
            tie_group(key, after, want)
            below = with_(query, self._typed_range(column, tantivy.FieldType.Integer, None, key, True, False))
        if len(rows) < want:
            batch = fetch(below, column, tantivy.Order.Desc, want - len(rows), count=below is query)
            if batch:
                boundary = int(batch[-1][0])
                # keys strictly above the boundary are complete in `batch`; the boundary group is re-read in id order
                for key, address in batch:
                    if int(key) > boundary:
                        rows.append((int(key), -1, address))
                tie_group(boundary, None, want - len(rows))
        rows = rows[:want]
        # rows from `batch` above the boundary need their tiebreak (stored: the loaded document is kept for the
        # hit), and equal keys must be in tiebreak order
        resolved = []
        for key, tb, address in rows:
            loaded = None
            if tb < 0:
                loaded = searcher.doc(address)
                tb = int(loaded.get_first("tiebreak") or 0)
            resolved.append((key, tb, address, loaded))
        resolved.sort(key=lambda r: (-r[0], r[1]))
        more = len(resolved) > size
        page = resolved[:size]
        out = [(None, [key, tb], address, loaded) for key, tb, address, loaded in page]
        return out, (out[-1][1] if out and more else None), total
