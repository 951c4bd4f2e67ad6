"""Page 3, search (analyst or higher): the shared query language with a short help, filters, sort, results with
highlights, clickable facets, a time histogram (Vietnam time), cursor paging, saved searches and export.

The page is rendered on the server from the search backend (`index.indexer.open_backend`, opened lazily and
read-only); the JSON search API (`index.api.search_router`) is mounted under ``/api/search`` behind the same login
(analyst+) for scripts and the export download.

Mention texts are hostile input: highlights are built here (escape every piece, then wrap matched words in
``<mark>``), never taken from the backend's ``<em>`` strings, which are not escaped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.routing import APIRoute
from markupsafe import Markup, escape
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams as StarletteQuery
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

import common.text as text_analysis
from alerting.store.errors import NotFoundError, ValidationError
from alerting.store.models import Role
from common.query import QuerySyntaxError
from common.schema import ClassifiedMention, Sentiment, Source, Topic
from dashboard.app import flash, render, translator
from dashboard.auth import require
from dashboard.i18n import vn_time
from dashboard.routes.alerts import safe_link
from index.aggregations import VN_TZ, FacetField, Interval
from index.api import CursorError, SearchParams, decode_cursor, encode_cursor, search_router
from index.backend import (SearchBackend, SearchRequest, SearchResult, SearchSort, UnsupportedQueryError,
                           parse_request_query, positive_text_terms)

log = logging.getLogger(__name__)
router = APIRouter()

PAGE_SIZE = 20
FACET_SIZE = 8
FACETS = [FacetField.source, FacetField.sentiment, FacetField.topic, FacetField.misinformation, FacetField.province]
LIST_FILTERS = ("source", "sentiment", "topic")
SCALAR_FILTERS = ("misinformation", "province", "from", "to", "min_reach")
FILTER_KEYS = (*LIST_FILTERS, *SCALAR_FILTERS)
SNIPPET_CHARS = 600
HOURLY_UNTIL_BUCKETS = 3  # fewer daily buckets than this: show hours instead


_WORD = re.compile(r"\w+")  # the words `index.backend.highlight` marks


def safe_highlight(text: str, terms: frozenset[str]) -> Markup:
    """`text` escaped, with every word whose analyzed tokens hit `terms` wrapped in ``<mark>`` (so "rut bhxh" marks
    "rút" and "BHXH"). Built piece by piece from escaped text: markup inside a mention stays text."""
    if not terms:
        return Markup(escape(text))
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if terms.intersection(text_analysis.tokens(match.group())):
            out += [escape(text[last:match.start()]), Markup("<mark>"), escape(match.group()), Markup("</mark>")]
            last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, terms: frozenset[str], limit: int = SNIPPET_CHARS) -> str:
    """At most `limit` characters of `text`, starting a little before the first matched word."""
    if len(text) <= limit:
        return text
    start = 0
    for match in _WORD.finditer(text):
        if terms.intersection(text_analysis.tokens(match.group())):
            start = max(0, match.start() - limit // 4)
            break
    piece = text[start:start + limit]
    return ("…" if start else "") + piece + ("…" if start + limit < len(text) else "")


@dataclass(frozen=True)
class SearchForm:
    """What the user asked for, as the page's query string (repeatable lists, empty values dropped)."""

    q: str
    filters: dict[str, list[str]]
    sort: str
    cursor: str | None

    @classmethod
    def from_query(cls, query: StarletteQuery) -> SearchForm:
        filters: dict[str, list[str]] = {}
        for key in FILTER_KEYS:
            values = [v.strip() for v in query.getlist(key) if v.strip()]
            if values:
                filters[key] = values if key in LIST_FILTERS else values[-1:]
        return cls(query.get("q", ""), filters, query.get("sort", "") or SearchSort.time.value,
                   query.get("cursor") or None)

    def params(self, **override: Any) -> list[tuple[str, str]]:
        """The query string pairs of this search (without the cursor unless given)."""
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for key, values in self.filters.items():
            pairs += [(key, value) for value in values]
        if self.sort != SearchSort.time.value:
            pairs.append(("sort", self.sort))
        for key, value in override.items():
            pairs.append((key, value))
        return pairs

    def url(self, **override: Any) -> str:
        return "/search?" + urlencode(self.params(**override))

    def with_filter(self, key: str, value: str) -> str:
        """The URL of this search narrowed by one more filter value (a facet click), from the first page."""
        filters = {k: list(v) for k, v in self.filters.items()}
        if key in LIST_FILTERS:
            if value not in filters.setdefault(key, []):
                filters[key].append(value)
        else:
            filters[key] = [value]
        return SearchForm(self.q, filters, self.sort, None).url()

    def without_filter(self, key: str, value: str) -> str:
        filters = {k: [v for v in values if not (k == key and v == value)] for k, values in self.filters.items()}
        return SearchForm(self.q, {k: v for k, v in filters.items() if v}, self.sort, None).url()

    def validated(self) -> SearchParams:
        data: dict[str, Any] = {"q": self.q, "sort": self.sort, "size": PAGE_SIZE, "cursor": self.cursor}
        for key, values in self.filters.items():
            data[key] = values if key in LIST_FILTERS else values[0]
        return SearchParams.model_validate(data)


@dataclass(frozen=True)
class QueryProblem:
    message: str
    position: int | None = None
    status: int = 400  # 503 when the index cannot answer


def _problem_of(error: Exception, t: Any) -> QueryProblem:
    if isinstance(error, QuerySyntaxError):
        return QueryProblem(t("search.syntax_error", position=error.position, column=error.column,
                              message=error.message), error.position)
    if isinstance(error, UnsupportedQueryError):
        return QueryProblem(t("search.unsupported", message=str(error)))
    if isinstance(error, CursorError):
        return QueryProblem(str(error))
    if isinstance(error, PydanticValidationError):
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in error.errors())
        return QueryProblem(t("search.invalid_filters", detail=detail))
    return QueryProblem(t("search.unavailable", error=f"{type(error).__name__}: {error}"), status=503)


@dataclass
class SearchOutcome:
    result: SearchResult | None = None
    facets: dict[str, list[tuple[str, int]]] | None = None
    histogram: list[tuple[datetime, int]] | None = None
    interval: str = Interval.day.value
    next_url: str | None = None
    problem: QueryProblem | None = None
    terms: frozenset[str] = frozenset()
    title_terms: frozenset[str] = frozenset()


def run_search(backend_of: Callable[[], SearchBackend], form: SearchForm, t: Any) -> SearchOutcome:
    """One page of hits plus facets and histogram; any user error becomes `problem` (shown inline, never a 500)."""
    try:
        params = form.validated()
        node = parse_request_query(params.q)  # a syntax error is reported before the index is touched
        request: SearchRequest = params.request(sort=params.sort, size=params.size)
        if params.cursor:
            request = request.model_copy(update={"search_after": decode_cursor(request, params.cursor)})
        backend = backend_of()
        result = backend.search(request)
        first_page = request.model_copy(update={"search_after": None})
        facets = backend.facets(first_page, [f.value for f in FACETS], FACET_SIZE)
        interval = Interval.day
        histogram = backend.date_histogram(first_page, interval.value)
        if 0 < len(histogram) < HOURLY_UNTIL_BUCKETS:
            interval = Interval.hour
            histogram = backend.date_histogram(first_page, interval.value)
    except Exception as error:  # noqa: BLE001 - every failure is shown on the page (logged when unexpected)
        if not isinstance(error, QuerySyntaxError | UnsupportedQueryError | CursorError | PydanticValidationError):
            log.warning("dashboard search failed: %s", error, exc_info=True)
        return SearchOutcome(problem=_problem_of(error, t))
    next_url = None
    if result.search_after is not None:
        next_url = form.url(cursor=encode_cursor(request, result.search_after))
    return SearchOutcome(result, facets, histogram, interval.value, next_url,
                         terms=positive_text_terms(node, "text"), title_terms=positive_text_terms(node, "title"))


def _hit_view(mention: ClassifiedMention, outcome: SearchOutcome) -> dict[str, Any]:
    body = snippet(mention.text, outcome.terms)
    return {"mention": mention, "link": safe_link(mention.url),
            "title": safe_highlight(mention.title, outcome.title_terms) if mention.title else None,
            "text": safe_highlight(body, outcome.terms), "reach": mention.reach.reactions + mention.reach.shares
            + mention.reach.comments}


def _histogram_json(outcome: SearchOutcome, t: Any) -> dict[str, Any]:
    fmt = "%H:%M %d/%m" if outcome.interval == Interval.hour.value else "%d/%m/%Y"
    buckets = outcome.histogram or []
    return {"labels": [vn_time(start.astimezone(VN_TZ), fmt) for start, _ in buckets],
            "values": [count for _, count in buckets], "label": t("search.histogram_count")}


def backend_getter(request: Request) -> Callable[[], SearchBackend]:
    getter: Callable[[], SearchBackend] = request.app.state.search_backend
    return getter


@router.get("/search", dependencies=[require(Role.analyst)])
async def search_page(request: Request) -> Response:
    t = translator(request)
    form = SearchForm.from_query(request.query_params)
    outcome = await run_in_threadpool(run_search, backend_getter(request), form, t)
    saved = await run_in_threadpool(request.app.state.users.list_saved_searches, request.state.user.username)
    hits = [_hit_view(hit.mention, outcome) for hit in outcome.result.hits] if outcome.result else []
    export_params = [(k, v) for k, v in form.params() if k != "cursor"]
    active = [(key, value, form.without_filter(key, value)) for key, values in form.filters.items()
              for value in values]
    return render(request, "search.html", {
        "form": form, "outcome": outcome, "hits": hits, "active": active, "saved": saved,
        "saved_urls": {s.name: _saved_url(s.query, s.filters) for s in saved},
        "histogram": _histogram_json(outcome, t),
        "export_csv": "/api/search/export?" + urlencode([*export_params, ("format", "csv")]),
        "export_jsonl": "/api/search/export?" + urlencode([*export_params, ("format", "jsonl")]),
        "sorts": [s.value for s in SearchSort], "sources": [s.value for s in Source],
        "sentiments": [s.value for s in Sentiment], "topics": [s.value for s in Topic],
        "first_page_url": form.url() if form.cursor else None,
    }, status_code=outcome.problem.status if outcome.problem else 200)


def _saved_url(query: str, filters: dict[str, Any]) -> str:
    clean = {k: [str(v) for v in (values if isinstance(values, list) else [values])]
             for k, values in (filters or {}).items() if k in (*FILTER_KEYS, "sort")}
    sort = (clean.pop("sort", None) or [SearchSort.time.value])[0]
    return SearchForm(query, clean, sort, None).url()


@router.post("/search/saved", dependencies=[require(Role.analyst)])
async def save_search(request: Request, name: str = Form(...), search: str = Form("")) -> Response:
    """Save the search described by `search` (the page's query string) under `name` for the current user."""
    t = translator(request)
    form = SearchForm.from_query(StarletteQuery(search.lstrip("?")))
    filters: dict[str, Any] = dict(form.filters)
    if form.sort != SearchSort.time.value:
        filters["sort"] = [form.sort]
    try:
        await run_in_threadpool(request.app.state.users.save_search, request.state.user.username, name,
                                form.q, filters)
    except ValidationError as error:
        flash(request, t("search.save_failed", error=str(error)), "error")
    else:
        flash(request, t("search.saved_ok", name=name.strip()))
    return RedirectResponse(form.url(), status_code=303)


@router.post("/search/saved/delete", dependencies=[require(Role.analyst)])
async def delete_saved_search(request: Request, name: str = Form(...)) -> Response:
    t = translator(request)
    try:
        await run_in_threadpool(request.app.state.users.delete_saved_search, request.state.user.username, name)
    except NotFoundError as error:
        flash(request, str(error), "error")
    else:
        flash(request, t("search.deleted_ok", name=name))
    return RedirectResponse("/search", status_code=303)


def api_router(get_backend: Callable[[], SearchBackend]) -> APIRouter:
    """The JSON search API (`index.api.search_router`) with the analyst guard on each route (a guard on the
    include would be invisible to the start-up check and to the role × endpoint test)."""
    guarded = APIRouter()
    for route in search_router(get_backend).routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"search_router: unexpected route {route!r}")
        guarded.add_api_route(
            route.path, route.endpoint, methods=sorted(route.methods), response_model=route.response_model,
            response_class=route.response_class, responses=route.responses, summary=route.summary,
            description=route.description, tags=route.tags,
            dependencies=[require(Role.analyst), *route.dependencies])
    return guarded
