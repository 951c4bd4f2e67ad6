"""The production search backend: Elasticsearch through the official ``elasticsearch`` client.

Analysis. Exactly as in `index.tantivy_backend`: text is analyzed in Python by ``common.text.tokens`` (folding,
đ → d, ư → u, teencode expanded; the already normalized ``text_normalized`` by its faster equivalent
``joined_tokens_of_normalized``) and indexed as space-joined tokens into fields with a ``whitespace`` analyzer, and
query leaves go through ``common.query.analyzed``; so both backends (and the in-memory matcher) return the same hits.
``text`` = title tokens + a separator token + text tokens, so a phrase never spans the two. The raw title + text are
also indexed into ``raw`` with a custom ``folding`` analyzer (standard tokenizer → lowercase → asciifolding; in
production use ``icu_folding`` from the analysis-icu plugin, which also folds đ) for ad-hoc Kibana use; the
query compiler does not use it. Keyword fields hold `common.query.fields.keyword_key` values; dates are
``created_us`` (µs since the epoch, a long); the full mention is stored as JSON in ``doc`` (not indexed).
Facets and histograms are ES ``terms`` / ``histogram`` aggregations (`index.aggregations`); the display values of
the province / author / cluster / claim facets live in aggregation-only ``facet_*`` keyword columns.

Writes. ``_id`` is the mention id (bulk ``index`` = upsert). Bulk requests are retried with exponential back-off
on 429 / 5xx (whole request or single items); other per-item failures raise `BulkWriteError` naming each failed
id and the reason (the indexer will route them to the DLQ). `commit` = ``refresh``.

Sorting and paging. ``time`` = (created_us desc, mid asc), ``reach`` = (reach desc, mid asc), ``relevance`` =
(_score desc, mid asc); time / reach page with ES ``search_after`` on those values (``mid`` is the mention id as a
keyword), relevance pages carry an offset in the cursor (``from``; osmem mishandles a ``_score`` cursor, and real
ES caps ``from + size`` at ``index.max_result_window``, 10k).

Monthly indices. A mention is written to ``<prefix>-mentions-YYYY.MM`` (the UTC month of ``created_at``, which never
changes for a mention id, so an upsert always lands in the same index); indices are created on first write from the
index template ``<prefix>-mentions``, which also adds them to the read alias ``<prefix>-mentions`` that count /
search / refresh use (an empty cluster answers 0 hits). Retention = deleting old monthly indices.

osmem-server (the test server) and ``application/vnd.elasticsearch+json``: `JsonHttpNode` rewrites Accept /
Content-Type to plain ``application/json`` (harmless against a real Elasticsearch).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any

from elastic_transport import Urllib3HttpNode
from elasticsearch import ApiError, ConnectionError as EsConnectionError, Elasticsearch, NotFoundError

import common.text as _text
from common.query import And, MatchAll, Node, Not, Or, Phrase, Range, RelativeDate, Term, Wildcard, analyzed
from common.query.fields import FIELDS, FieldKind, keyword_key
from common.schema import ClassifiedMention
from common.text.forms import joined_tokens_of_normalized

from .aggregations import FACET_FIELDS, OWN_FACET_COLUMNS, AggregationsMixin
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
from .tantivy_backend import MAX_HISTOGRAM_BUCKETS, histogram_too_large

__all__ = ["ElasticsearchBackend", "BulkWriteError", "JsonHttpNode", "index_template"]

_SEP = TITLE_TEXT_SEPARATOR
_KEYWORD_FIELDS, _BOOL_FIELDS, _INT_FIELDS, _FLOAT_FIELDS = KEYWORD_FIELDS, BOOL_FIELDS, INT_FIELDS, FLOAT_FIELDS
_DATE_COLUMN = DATE_COLUMN
_ID = "mid"
_I64_MAX = I64_MAX
_RETRY_STATUS = {429, 500, 502, 503, 504}
_SORT = {SearchSort.time: _DATE_COLUMN, SearchSort.reach: "reach", SearchSort.relevance: "_score"}


class JsonHttpNode(Urllib3HttpNode):
    """HTTP node sending/accepting plain ``application/json`` (osmem answers 406 to the compatibility type)."""

    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: Any = None,
                        **kwargs: Any) -> Any:
        if headers is not None:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers and "vnd.elasticsearch" in headers[name]:
                    headers[name] = "application/x-ndjson" if "x-ndjson" in headers[name] else "application/json"
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)


class BulkWriteError(RuntimeError):
    """Some documents of a bulk write failed for good: ``failures`` = [(mention id, status, reason)]."""

    def __init__(self, failures: list[tuple[str, int, str]]) -> None:
        self.failures = failures
        super().__init__(f"{len(failures)} document(s) failed: "
                         + "; ".join(f"{i} ({s}): {r}" for i, s, r in failures[:5]))


def index_template(pattern: str, alias: str) -> dict[str, Any]:
    """The index template body (settings + mappings + read alias) for indices matching `pattern`."""
    props: dict[str, Any] = {
        _ID: {"type": "keyword"},
        "doc": {"type": "keyword", "index": False, "doc_values": False},
        "text": {"type": "text", "analyzer": "pretokenized"},
        "title": {"type": "text", "analyzer": "pretokenized"},
        "raw": {"type": "text", "analyzer": "folding"},
        _DATE_COLUMN: {"type": "long"},
    }
    props.update({n: {"type": "keyword"} for n in _KEYWORD_FIELDS + _BOOL_FIELDS})
    # display values of facets, aggregated only (doc values, no inverted index)
    props.update({n: {"type": "keyword", "index": False} for n in OWN_FACET_COLUMNS.values()})
    props.update({n: {"type": "long"} for n in _INT_FIELDS})
    props.update({n: {"type": "double"} for n in _FLOAT_FIELDS})
    return {
        "index_patterns": [pattern],
        "template": {
            "aliases": {alias: {}},
            "settings": {"number_of_shards": 1, "analysis": {"analyzer": {
                "pretokenized": {"type": "custom", "tokenizer": "whitespace"},
                # production: "icu_folding" (analysis-icu plugin) instead of asciifolding, which leaves đ alone
                "folding": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            }}},
            "mappings": {"dynamic": "strict", "properties": props},
        },
    }


def _document(m: ClassifiedMention) -> dict[str, Any]:
    # the same tokens as the tantivy backend: full analyzer for the raw title, fold + split (cached per word) for
    # the already normalized text
    title = " ".join(_text.tokens(m.title)) if m.title else ""
    body = joined_tokens_of_normalized(m.text_normalized) if m.text_normalized else ""
    doc: dict[str, Any] = {
        _ID: m.id, "doc": m.model_dump_json(), "text": f"{title} {_SEP} {body}" if title else body, "title": title,
        "raw": "\n".join(v for v in (m.title, m.text) if v), _DATE_COLUMN: utc_micros(m.created_at),
    }
    for name in _KEYWORD_FIELDS:
        keys = [k for k in (keyword_key(name, v) for v in FIELDS[name].getter(m)) if k]
        if keys:
            doc[name] = keys
    for name in _BOOL_FIELDS:
        value = FIELDS[name].getter(m)
        if value is not None:
            doc[name] = "true" if value else "false"
    for name in _INT_FIELDS:
        value = FIELDS[name].getter(m)
        if value is not None:
            doc[name] = min(int(value), _I64_MAX)
    for name in _FLOAT_FIELDS:
        value = FIELDS[name].getter(m)
        if value is not None:
            doc[name] = float(value)
    for facet, column in OWN_FACET_COLUMNS.items():
        values = FACET_FIELDS[facet](m)
        if values:
            doc[column] = list(values)
    return doc


def _bool(**clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {k: v for k, v in clauses.items() if v}}


def _match_all() -> dict[str, Any]:
    return {"match_all": {}}


def _range(column: str, lower: Any, upper: Any, inc_lower: bool, inc_upper: bool) -> dict[str, Any]:
    if lower is None and upper is None:
        return {"exists": {"field": column}}
    bounds: dict[str, Any] = {}
    if lower is not None:
        bounds["gte" if inc_lower else "gt"] = lower
    if upper is not None:
        bounds["lte" if inc_upper else "lt"] = upper
    return {"range": {column: bounds}}


def _int_range(column: str, lower: Any, upper: Any, inc_lower: bool, inc_upper: bool) -> dict[str, Any]:
    """Integer range with float bounds made exact: reach:>2.5 is reach >= 3."""
    if lower is not None and not isinstance(lower, int):
        lower, inc_lower = (math.floor(lower) + 1 if (not inc_lower or lower != math.floor(lower))
                            else int(lower)), True
    if upper is not None and not isinstance(upper, int):
        upper, inc_upper = (math.ceil(upper) - 1 if (not inc_upper or upper != math.ceil(upper))
                            else int(upper)), True
    return _range(column, lower, upper, inc_lower, inc_upper)


class ElasticsearchBackend(AggregationsMixin):
    """`SearchBackend` over an Elasticsearch (or osmem) cluster at `url`: monthly indices behind an alias."""

    def __init__(self, url: str | list[str], *, prefix: str = "crisiswatch", max_retries: int = 5,
                 backoff: float = 0.2, client: Elasticsearch | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client or Elasticsearch(url, node_class=JsonHttpNode, request_timeout=30)
        self.prefix = prefix
        self.alias = f"{prefix}-mentions"
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep
        self._closed = False
        self.client.indices.put_index_template(name=self.alias, **index_template(f"{self.alias}-*", self.alias))

    def index_for(self, mention: ClassifiedMention) -> str:
        """The monthly index of a mention: ``<prefix>-mentions-YYYY.MM`` (UTC month of ``created_at``)."""
        return f"{self.alias}-{mention.created_at.astimezone(UTC):%Y.%m}"

    # ------------------------------------------------------------------------------------------------ writes

    def index(self, mentions: list[ClassifiedMention]) -> None:
        if self._closed:
            raise RuntimeError("the backend is closed")
        pending = [(m.id, self.index_for(m), _document(m)) for m in mentions]
        failures: list[tuple[str, int, str]] = []
        attempt = 0
        while pending:
            operations: list[dict[str, Any]] = []
            for mid, index, doc in pending:
                operations += [{"index": {"_index": index, "_id": mid}}, doc]
            try:
                response = self.client.bulk(operations=operations)
            except (ApiError, EsConnectionError) as e:
                status = e.meta.status if isinstance(e, ApiError) else 503
                if status not in _RETRY_STATUS or attempt >= self.max_retries:
                    raise
                attempt = self._back_off(attempt)
                continue
            retry = []
            for (mid, index, doc), item in zip(pending, response["items"], strict=True):
                result = next(iter(item.values()))
                status = int(result.get("status", 500))
                if status < 300:
                    continue
                if status in _RETRY_STATUS and attempt < self.max_retries:
                    retry.append((mid, index, doc))
                else:
                    failures.append((mid, status, json.dumps(result.get("error"), ensure_ascii=False)))
            pending = retry
            if pending:
                attempt = self._back_off(attempt)
        if failures:
            raise BulkWriteError(failures)

    def _back_off(self, attempt: int) -> int:
        self._sleep(self.backoff * 2**attempt)
        return attempt + 1

    def commit(self) -> None:
        self.client.indices.refresh(index=self.alias, ignore_unavailable=True, allow_no_indices=True)

    def close(self) -> None:
        if self._closed:
            return
        self.commit()
        self._closed = True
        self.client.close()

    def __enter__(self) -> ElasticsearchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def delete_index(self) -> None:
        """Drop every monthly index of the alias and the template (tests and re-creation)."""
        indices = self.indices()
        if indices:  # by name: real ES refuses wildcard deletes (action.destructive_requires_name)
            self.client.indices.delete(index=",".join(indices))
        self.client.indices.delete_index_template(name=self.alias)

    def indices(self) -> list[str]:
        """The monthly indices behind the read alias, oldest first."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # ------------------------------------------------------------------------------------------------ queries

    def compile(self, node: Node | None) -> dict[str, Any]:
        """The ES query DSL of a query-language AST (None = everything)."""
        if node is None or isinstance(node, MatchAll):
            return _match_all()
        if isinstance(node, And):
            return _bool(must=[self.compile(c) for c in node.children])
        if isinstance(node, Or):
            return {"bool": {"should": [self.compile(c) for c in node.children], "minimum_should_match": 1}}
        if isinstance(node, Not):
            return _bool(must=[_match_all()], must_not=[self.compile(node.child)])
        if isinstance(node, Range):
            return self._range(node)
        if isinstance(node, Term | Phrase | Wildcard):
            return self._leaf(node)
        raise UnsupportedQueryError(f"unsupported query clause at position {getattr(node, 'pos', 0)}: {node!r}")

    def _leaf(self, node: Term | Phrase | Wildcard) -> dict[str, Any]:
        kind = FIELDS[node.field].kind
        if kind not in (FieldKind.text, FieldKind.keyword, FieldKind.bool):
            raise UnsupportedQueryError(f"a {kind} field needs a range (position {node.pos}): {node}")
        keys = analyzed(node)
        if not keys:
            return {"match_none": {}}
        if isinstance(node, Wildcard):
            return {"wildcard": {node.field: {"value": keys[0]}}}
        if kind is FieldKind.text and len(keys) > 1:
            return {"match_phrase": {node.field: {"query": " ".join(keys), "analyzer": "pretokenized"}}}
        return {"term": {node.field: keys[0]}}

    def _range(self, node: Range) -> dict[str, Any]:
        kind = FIELDS[node.field].kind
        lower, upper = node.lower, node.upper
        if kind is FieldKind.date:
            lower, upper = (None if b is None else utc_micros(b.resolve() if isinstance(b, RelativeDate) else b)
                            for b in (lower, upper))
            if lower is None and upper is None:
                return _match_all()
            return _range(_DATE_COLUMN, lower, upper, node.include_lower, node.include_upper)
        if kind is FieldKind.number:
            if node.field in _FLOAT_FIELDS:
                lower, upper = (None if b is None else float(b) for b in (lower, upper))
                return _range(node.field, lower, upper, node.include_lower, node.include_upper)
            return _int_range(node.field, lower, upper, node.include_lower, node.include_upper)
        raise UnsupportedQueryError(f"a range needs a number or date field (position {node.pos}): {node}")

    @staticmethod
    def _filters(f: SearchFilters) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def any_of(field: str, values: list[Any] | None) -> None:
            if values:
                out.append({"terms": {field: [keyword_key(field, str(v)) for v in values]}})

        any_of("source", f.source)
        any_of("sentiment", f.sentiment)
        any_of("topic", f.topic)
        any_of("province", [f.province] if f.province else None)
        any_of("claim", [f.claim_id] if f.claim_id else None)
        any_of("cluster", [f.cluster_id] if f.cluster_id else None)
        if f.misinformation is not None:
            out.append({"term": {"misinformation": "true" if f.misinformation else "false"}})
        if f.created_from is not None or f.created_to is not None:
            out.append(_range(_DATE_COLUMN, None if f.created_from is None else utc_micros(f.created_from),
                              None if f.created_to is None else utc_micros(f.created_to), True, False))
        if f.min_reach is not None:
            out.append(_range("reach", f.min_reach, None, True, True))
        return out

    def _request_query(self, request: SearchRequest) -> tuple[dict[str, Any], Node | None]:
        node = parse_request_query(request.query)  # QuerySyntaxError with position on bad input
        main = self.compile(node)
        filters = self._filters(request.filters)
        return (_bool(must=[main], filter=filters) if filters else main), node

    # ------------------------------------------------------------------------------------------------ search

    def count(self, request: SearchRequest | None = None) -> int:
        query = _match_all() if request is None else self._request_query(request)[0]
        return int(self.client.count(index=self.alias, query=query, ignore_unavailable=True,
                                     allow_no_indices=True)["count"])

    def _aggregate(self, request: SearchRequest, aggs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        query, _ = self._request_query(request)
        es_aggs = {}
        for name, spec in aggs.items():
            kind, body = next(iter(spec.items()))
            if "segment_size" in body:
                body = {("shard_size" if k == "segment_size" else k): v for k, v in body.items()}
            es_aggs[name] = {kind: body}
        histogram = next((name for name, spec in aggs.items() if "histogram" in spec), None)
        try:
            response = self.client.search(index=self.alias, ignore_unavailable=True, allow_no_indices=True,
                                          query=query, size=0, aggs=es_aggs)
        except ApiError as e:  # more than search.max_buckets: a too_many_buckets_exception inside a 503
            if histogram is None or "too_many_buckets_exception" not in str(e.body):
                raise
            raise histogram_too_large(self._aggregate, request, aggs[histogram]) from e
        found = response.get("aggregations") or {}
        out = {name: found.get(name) or {"buckets": []} for name in aggs}  # no index yet: no aggregations
        # tantivy's limit, lower than search.max_buckets: both backends answer the same request the same way
        if histogram is not None and len(out[histogram]["buckets"]) > MAX_HISTOGRAM_BUCKETS:
            raise histogram_too_large(self._aggregate, request, aggs[histogram])
        return out

    def search(self, request: SearchRequest) -> SearchResult:
        query, node = self._request_query(request)
        key = _SORT[request.sort]
        sort = [{key: {"order": "desc"}}, {_ID: {"order": "asc"}}]
        kwargs: dict[str, Any] = {}
        offset = 0
        if request.sort is SearchSort.relevance:
            # relevance pages by offset (as tantivy): osmem compares a _score cursor as float64 against float32
            # scores and repeats the boundary hit. Bounded by index.max_result_window (10k) on real ES.
            if request.search_after:
                offset = int(request.search_after[-1])
            kwargs["from_"] = offset
        elif request.search_after:
            kwargs["search_after"] = request.search_after
        response = self.client.search(index=self.alias, ignore_unavailable=True, allow_no_indices=True,
                                      query=query, sort=sort, size=request.size + 1, track_total_hits=True,
                                      track_scores=request.sort is SearchSort.relevance,
                                      source_includes=["doc"], **kwargs)
        raw_hits = response["hits"]["hits"]
        total = response["hits"]["total"]
        total = int(total["value"] if isinstance(total, dict) else total)
        terms = {name: positive_text_terms(node, name) for name in ("title", "text")} if request.highlight else {}
        hits = []
        for h in raw_hits[: request.size]:
            mention = ClassifiedMention.model_validate_json(h["_source"]["doc"])
            highlights = None
            if request.highlight:
                found = {"title": highlight(mention.title, terms["title"]),
                         "text": highlight(mention.text, terms["text"])}
                highlights = {k: v for k, v in found.items() if v is not None}
            score = float(h["_score"]) if request.sort is SearchSort.relevance and h.get("_score") is not None \
                else None
            sort_values = list(h["sort"])
            if request.sort is SearchSort.relevance:
                sort_values.append(offset + len(hits) + 1)
            # built from a mention validated just above: skip re-validating it
            hits.append(Hit.model_construct(id=mention.id, score=score, sort=sort_values, mention=mention,
                                            highlights=highlights))
        more = len(raw_hits) > request.size
        return SearchResult(total=total, hits=hits, search_after=hits[-1].sort if hits and more else None)
