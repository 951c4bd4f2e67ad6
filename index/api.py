"""The analysts' search HTTP API (FastAPI): search, count, facets, date histogram and streamed export.

`search_router(get_backend)` is an `APIRouter` the dashboard mounts as is; `create_app(backend)` wraps it in a
stand-alone application (``crisiswatch search-api``). Every endpoint takes the same query language
(``docs/query-language.md``) and filters; see ``docs/search-api.md``.

Errors never surface as a 500 for user input: a bad query answers 400 with the position of the problem
(``{"detail": {"message", "position", "query"}}``), bad parameters 422 (FastAPI's validation format), a broken or
foreign cursor 400, an unreachable index 503. The request is validated (query parsed, backend reached) before an
export starts streaming, so those errors keep their status code there too.

Times: stored and filtered in UTC; a date without a time (``2026-03-01``) or a time without an offset is Vietnam
time (UTC+07:00), and a date-only ``to`` includes that whole day.
"""

import base64
import binascii
import csv
import hashlib
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, NoReturn

from elastic_transport import TransportError
from elasticsearch import ApiError
from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from common.query import QuerySyntaxError
from common.query.fields import FIELDS
from common.schema import Author, ClaimMatch, ClassifiedMention, Labels, Province, Reach, Sentiment, Source, Topic

from .aggregations import CSV_COLUMNS, VN_TZ, FacetField, Interval
from .backend import SearchBackend, SearchFilters, SearchRequest, SearchResult, SearchSort, UnsupportedQueryError

__all__ = ["search_router", "create_app", "lazy_backend", "parse_time_bound", "QueryParams", "SearchParams",
           "encode_cursor", "decode_cursor", "CursorError", "API_VERSION", "MAX_QUERY_CHARS", "MAX_PAGE_SIZE"]

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
MAX_QUERY_CHARS = 10_000  # the default watchlist is ~3,500 characters; longer is a mistake or an attack
MAX_PAGE_SIZE = 200
MAX_CURSOR_CHARS = 1_000
TAG = "Tìm kiếm / Search"


# ---------------------------------------------------------------------------------------------------- parameters

def parse_time_bound(value: str | datetime | date, *, end: bool = False) -> datetime:
    """An aware UTC-comparable datetime from ISO 8601 text. A date alone is Vietnam midnight (for an `end` bound:
    the midnight after, so the day is included); a time without an offset is Vietnam time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value + timedelta(days=1) if end else value, datetime.min.time())
    else:
        text = value.strip()
        try:
            if len(text) == 10:  # YYYY-MM-DD
                day = date.fromisoformat(text)
                moment = datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time())
            else:
                moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"thời điểm không hợp lệ {value!r}: dùng ISO 8601, ví dụ 2026-03-01 hoặc "
                             f"2026-03-01T08:00:00+07:00") from error
    return moment.replace(tzinfo=VN_TZ) if moment.tzinfo is None else moment


class QueryParams(BaseModel):
    """The query and the filters every endpoint shares (query string parameters, or a JSON body for POST)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    q: str = Field("", max_length=MAX_QUERY_CHARS,
                   description="Truy vấn (ngôn ngữ truy vấn chung, gõ không dấu được) / query, e.g. "
                               '`"lương hưu" AND chậm`, `bao hiem -xe`; empty = everything.')
    source: list[Source] | None = Field(None, description="Nguồn (lặp lại được) / source, repeatable.")
    sentiment: list[Sentiment] | None = Field(None, description="Sắc thái (lặp lại được) / sentiment, repeatable.")
    topic: list[Topic] | None = Field(None, description="Chủ đề (lặp lại được) / topic, repeatable.")
    misinformation: bool | None = Field(None, description="Tin sai lệch / flagged as misinformation.")
    province: str | None = Field(None, max_length=100,
                                 description="Tỉnh, tên cũ hay mới, có dấu hay không / province, old or new name.")
    from_: AwareDatetime | None = Field(
        None, alias="from", description="Từ thời điểm (bao gồm) / created at or after; ISO 8601, a date alone = "
                                        "00:00 Vietnam time, no offset = Vietnam time.")
    to: AwareDatetime | None = Field(
        None, description="Đến thời điểm (không bao gồm; một ngày = hết ngày đó) / created before; a date alone "
                          "includes that whole day (Vietnam time).")
    min_reach: int | None = Field(None, ge=0, le=2**62,
                                  description="Tương tác tối thiểu (reactions + shares + comments) / min reach.")
    claim: str | None = Field(None, max_length=200, description="Mã tin đồn đã biết / known claim id.")
    cluster: str | None = Field(None, max_length=200, description="Mã cụm bài gần trùng / near-duplicate cluster id.")

    @field_validator("from_", mode="before")
    @classmethod
    def _from(cls, value: Any) -> Any:
        return None if value in (None, "") else parse_time_bound(value)

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, value: Any) -> Any:
        return None if value in (None, "") else parse_time_bound(value, end=True)

    @model_validator(mode="after")
    def _window(self) -> "QueryParams":
        if self.from_ is not None and self.to is not None and self.to <= self.from_:
            raise ValueError(f"'to' ({self.to.isoformat()}) phải sau 'from' ({self.from_.isoformat()})")
        return self

    def filters(self) -> SearchFilters:
        return SearchFilters(source=self.source or None, sentiment=self.sentiment or None, topic=self.topic or None,
                             misinformation=self.misinformation, province=self.province or None,
                             created_from=self.from_, created_to=self.to, min_reach=self.min_reach,
                             claim_id=self.claim or None, cluster_id=self.cluster or None)

    def request(self, **extra: Any) -> SearchRequest:
        return SearchRequest(query=self.q, filters=self.filters(), **extra)


class SearchParams(QueryParams):
    sort: SearchSort = Field(SearchSort.time, description="time = mới nhất trước / newest first; relevance; "
                                                          "reach = lan truyền nhiều nhất trước / highest reach first.")
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description="Số kết quả mỗi trang / hits per page.")
    cursor: str | None = Field(None, max_length=MAX_CURSOR_CHARS,
                               description="Trang tiếp theo: giá trị `next` của trang trước / the previous page's "
                                           "`next`, with the same q, filters and sort.")
    highlight: bool = Field(False, description="Đánh dấu từ khớp bằng <em></em> / wrap matches in <em></em>.")


class FacetParams(QueryParams):
    field: list[FacetField] = Field(
        [FacetField.source, FacetField.sentiment, FacetField.topic, FacetField.province],
        description="Trường thống kê (lặp lại được) / facet fields, repeatable.")
    size: int = Field(10, ge=1, le=100, description="Số giá trị mỗi trường / values per field.")


class HistogramParams(QueryParams):
    interval: Interval = Field(Interval.day, description="hour | day | week (theo giờ Việt Nam / Vietnam time; "
                                                         "a week starts on Monday).")


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class ExportParams(QueryParams):
    format: ExportFormat = Field(ExportFormat.csv, description="csv (UTF-8 BOM, mở bằng Excel) | jsonl.")
    sort: SearchSort = Field(SearchSort.time, description="Thứ tự các dòng / row order.")


# ---------------------------------------------------------------------------------------------------- responses

class ErrorDetail(BaseModel):
    message: str = Field(description="Thông báo lỗi (tiếng Việt) / what is wrong.")
    position: int | None = Field(None, description="Vị trí lỗi trong truy vấn (ký tự, từ 0) / 0-based offset in q.")
    query: str | None = Field(None, description="Truy vấn đã gửi / the query as received.")


class ErrorResponse(BaseModel):
    detail: ErrorDetail


class SearchHit(BaseModel):
    id: str
    score: float | None = Field(description="Điểm liên quan (chỉ khi sort=relevance) / relevance score.")
    created_at: datetime = Field(description="Thời điểm đăng (UTC).")
    created_at_local: datetime = Field(description="Thời điểm đăng theo giờ Việt Nam (+07:00).")
    source: Source
    url: str | None
    title: str | None
    text: str
    author: Author
    province: Province | None
    reach: Reach
    reach_total: int = Field(description="reactions + shares + comments.")
    labels: Labels
    claims: list[ClaimMatch]
    cluster_id: str | None
    parent_id: str | None
    highlights: dict[str, str] | None = Field(
        None, description="title / text với từ khớp trong <em></em> (khi highlight=true).")

    @classmethod
    def of(cls, mention: ClassifiedMention, score: float | None, highlights: dict[str, str] | None) -> "SearchHit":
        return cls(id=mention.id, score=score, created_at=mention.created_at,
                   created_at_local=mention.created_at.astimezone(VN_TZ), source=mention.source, url=mention.url,
                   title=mention.title, text=mention.text, author=mention.author, province=mention.province,
                   reach=mention.reach, reach_total=FIELDS["reach"].getter(mention), labels=mention.labels,
                   claims=mention.claims, cluster_id=mention.cluster_id, parent_id=mention.parent_id,
                   highlights=highlights)


class SearchResponse(BaseModel):
    total: int = Field(description="Tổng số kết quả khớp / every match, not just this page.")
    hits: list[SearchHit]
    next: str | None = Field(description="Con trỏ trang sau (gửi lại qua `cursor`), null ở trang cuối / cursor of "
                                         "the next page, null after the last one.")


class CountResponse(BaseModel):
    total: int


class FacetBucket(BaseModel):
    value: str
    count: int


class FacetsResponse(BaseModel):
    facets: dict[str, list[FacetBucket]] = Field(description="{trường: [{value, count}]}, nhiều nhất trước.")


class HistogramBucket(BaseModel):
    start: datetime = Field(description="Đầu khoảng, giờ Việt Nam (+07:00) / bucket start.")
    count: int


class HistogramResponse(BaseModel):
    interval: Interval
    timezone: Literal["Asia/Ho_Chi_Minh"] = "Asia/Ho_Chi_Minh"
    buckets: list[HistogramBucket] = Field(description="Tăng dần, gồm cả khoảng rỗng ở giữa / ascending, empty "
                                                       "buckets between the first and last included.")


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Truy vấn sai cú pháp (kèm vị trí) hoặc con trỏ hỏng / bad query "
                                                 "(with position) or broken cursor."},
    422: {"description": "Tham số không hợp lệ / invalid parameters (FastAPI validation format)."},
    503: {"model": ErrorResponse, "description": "Chỉ mục tìm kiếm không sẵn sàng / search index unavailable."},
}


# ---------------------------------------------------------------------------------------------------- cursor

class CursorError(ValueError):
    """A cursor that is not one this API issued for the same query, filters and sort."""


def _fingerprint(request: SearchRequest) -> str:
    key = json.dumps([request.query, request.filters.model_dump(mode="json"), request.sort.value], sort_keys=True,
                     ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def encode_cursor(request: SearchRequest, search_after: list[Any]) -> str:
    """Opaque, URL-safe: the backend's search_after bound to the query, filters and sort that produced it."""
    raw = json.dumps({"k": _fingerprint(request), "a": search_after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(request: SearchRequest, cursor: str) -> list[Any]:
    """The search_after of `cursor`; `CursorError` when it is malformed or belongs to another search."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise CursorError("con trỏ trang không hợp lệ (hãy dùng đúng giá trị `next` của trang trước)") from error
    after = data.get("a") if isinstance(data, dict) else None
    if (not isinstance(after, list) or not 1 <= len(after) <= 4
            or not all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in after)):
        raise CursorError("con trỏ trang không hợp lệ (hãy dùng đúng giá trị `next` của trang trước)")
    if data.get("k") != _fingerprint(request):
        raise CursorError("con trỏ trang thuộc về một tìm kiếm khác (truy vấn, bộ lọc hoặc thứ tự đã đổi): "
                          "bắt đầu lại từ trang đầu")
    return after


# ---------------------------------------------------------------------------------------------------- errors

_POSITION = re.compile(r"position (\d+)")


def _fail(status: int, message: str, *, position: int | None = None, query: str | None = None) -> NoReturn:
    raise HTTPException(status, detail={"message": message, "position": position, "query": query})


def _unavailable(error: BaseException) -> bool:
    """Errors that mean "the index cannot answer now", not "the request is wrong"."""
    if isinstance(error, ApiError):
        return error.meta.status >= 500 or error.meta.status == 429
    return isinstance(error, TransportError | OSError)


def _run(call: Callable[[], Any], query: str, *, cursor: bool = False) -> Any:
    """`call()` with backend errors mapped to 400 (the query or the cursor) / 503 (the index)."""
    try:
        return call()
    except QuerySyntaxError as error:
        _fail(400, f"Truy vấn sai cú pháp tại vị trí {error.position} (cột {error.column}): {error.message}",
              position=error.position, query=query)
    except UnsupportedQueryError as error:
        where = _POSITION.search(str(error))
        _fail(400, f"Chỉ mục không chạy được truy vấn này: {error}", position=int(where[1]) if where else None,
              query=query)
    except Exception as error:
        if _unavailable(error):
            log.warning("search backend unavailable: %s", error)
            _fail(503, f"Chỉ mục tìm kiếm tạm thời không sẵn sàng, hãy thử lại sau ({type(error).__name__}).")
        if cursor and isinstance(error, ValueError | TypeError | ApiError):  # a forged cursor the backend refused
            _fail(400, "con trỏ trang không hợp lệ (hãy dùng đúng giá trị `next` của trang trước)", query=query)
        raise


# ---------------------------------------------------------------------------------------------------- endpoints

def _search(backend: SearchBackend, params: SearchParams) -> SearchResponse:
    request = params.request(sort=params.sort, size=params.size, highlight=params.highlight)
    if params.cursor:
        try:
            request = request.model_copy(update={"search_after": decode_cursor(request, params.cursor)})
        except CursorError as error:
            _fail(400, str(error), query=params.q)
    result: SearchResult = _run(lambda: backend.search(request), params.q, cursor=bool(params.cursor))
    return SearchResponse(
        total=result.total,
        hits=[SearchHit.of(h.mention, h.score, h.highlights) for h in result.hits],
        next=None if result.search_after is None else encode_cursor(request, result.search_after))


def _csv_chunks(mentions: Iterator[ClassifiedMention], rows_per_chunk: int = 200) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    first = True
    for m in mentions:
        writer.writerow([column(m) for column in CSV_COLUMNS.values()])
        rows += 1
        if rows % rows_per_chunk == 0:
            yield (("\ufeff" if first else "") + buffer.getvalue()).encode()
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield (("\ufeff" if first else "") + buffer.getvalue()).encode()


def _jsonl_chunks(mentions: Iterator[ClassifiedMention]) -> Iterator[bytes]:
    for m in mentions:
        yield (json.dumps(m.model_dump(mode="json"), ensure_ascii=False) + "\n").encode()


def _guarded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Headers are sent already: a failure mid-stream can only be logged and end the download early."""
    try:
        yield from chunks
    except Exception:
        log.exception("export stream aborted")


def search_router(get_backend: Callable[[], SearchBackend]) -> APIRouter:
    """The search endpoints under ``/api/search``; `get_backend` is called per request (may raise → 503)."""
    router = APIRouter(prefix="/api/search", tags=[TAG], responses=_ERRORS)

    def backend() -> SearchBackend:
        try:
            return get_backend()
        except Exception as error:
            log.warning("cannot open the search backend: %s", error)
            _fail(503, f"Không mở được chỉ mục tìm kiếm, hãy thử lại sau ({type(error).__name__}: {error}).")

    Backend = Annotated[SearchBackend, Depends(backend)]

    @router.get("", response_model=SearchResponse, summary="Tìm kiếm đề cập / Search mentions",
                description="Một trang kết quả của truy vấn và bộ lọc, kèm nhãn, mức lan truyền và đoạn đánh dấu; "
                            "`next` mở trang sau. / One page of hits with labels, reach and highlights; pass `next` "
                            "back as `cursor` for the next page.")
    def search_get(params: Annotated[SearchParams, Query()], b: Backend) -> SearchResponse:
        return _search(b, params)

    @router.post("", response_model=SearchResponse, summary="Tìm kiếm (thân JSON) / Search with a JSON body",
                 description="Như GET /api/search, tham số trong thân JSON (cho truy vấn dài). / Same as GET, "
                             "parameters as a JSON body (long queries).")
    def search_post(params: Annotated[SearchParams, Body()], b: Backend) -> SearchResponse:
        return _search(b, params)

    @router.get("/count", response_model=CountResponse, summary="Đếm kết quả / Count matches",
                description="Số đề cập khớp truy vấn và bộ lọc. / Number of mentions matching q and the filters.")
    def count(params: Annotated[QueryParams, Query()], b: Backend) -> CountResponse:
        request = params.request()
        return CountResponse(total=_run(lambda: b.count(request), params.q))

    @router.get("/facets", response_model=FacetsResponse, summary="Thống kê theo trường / Facets",
                description="Số kết quả theo từng giá trị của các trường (nguồn, sắc thái, chủ đề, tỉnh mới, tác "
                            "giả, cụm, tin đồn), nhiều nhất trước. / Terms counts over the hits, count descending.")
    def facets(params: Annotated[FacetParams, Query()], b: Backend) -> FacetsResponse:
        request = params.request()
        fields = list(dict.fromkeys(params.field))
        found = _run(lambda: b.facets(request, fields, params.size), params.q)
        return FacetsResponse(facets={f: [FacetBucket(value=v, count=c) for v, c in buckets]
                                      for f, buckets in found.items()})

    @router.get("/histogram", response_model=HistogramResponse, summary="Biểu đồ theo thời gian / Date histogram",
                description="Số kết quả theo giờ / ngày / tuần (giờ Việt Nam, tuần bắt đầu thứ Hai). / Hits per "
                            "hour, day or week in Vietnam time.")
    def histogram(params: Annotated[HistogramParams, Query()], b: Backend) -> HistogramResponse:
        request = params.request()
        found = _run(lambda: b.date_histogram(request, params.interval), params.q)
        return HistogramResponse(interval=params.interval,
                                 buckets=[HistogramBucket(start=start, count=n) for start, n in found])

    @router.get("/export", summary="Xuất toàn bộ kết quả / Export every hit",
                description="Tải về mọi kết quả (truyền dần, không giới hạn): CSV UTF-8 có BOM (Excel hiển thị đúng "
                            "tiếng Việt, giờ Việt Nam) hoặc JSON Lines (đầy đủ đề cập). / Streams every hit as CSV "
                            "(UTF-8 BOM) or JSON Lines.",
                response_class=StreamingResponse,
                responses={200: {"description": "Tệp CSV hoặc JSONL / the file",
                                 "content": {"text/csv": {}, "application/x-ndjson": {}}}})
    def export(params: Annotated[ExportParams, Query()], b: Backend) -> StreamingResponse:
        request = params.request(sort=params.sort)
        _run(lambda: b.count(request), params.q)  # bad query / index down: a proper status before streaming
        stamp = datetime.now(VN_TZ).strftime("%Y%m%d-%H%M")
        filename = f"crisiswatch-{stamp}.{params.format.value}"
        mentions = b.export(request)
        if params.format is ExportFormat.csv:
            body, media = _csv_chunks(mentions), "text/csv; charset=utf-8"
        else:
            body, media = _jsonl_chunks(mentions), "application/x-ndjson; charset=utf-8"
        return StreamingResponse(_guarded(body), media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return router


# ---------------------------------------------------------------------------------------------------- app

def lazy_backend(opener: Callable[[], SearchBackend]) -> Callable[[], SearchBackend]:
    """A getter that opens the backend on first use and retries on the next request if opening failed (so the
    API starts, and answers 503, while Elasticsearch is down)."""
    lock = threading.Lock()
    opened: list[SearchBackend] = []

    def get() -> SearchBackend:
        with lock:
            if not opened:
                opened.append(opener())
            return opened[0]

    return get


def create_app(backend: SearchBackend | Callable[[], SearchBackend]) -> FastAPI:
    """The stand-alone search API over `backend` (an instance, or a getter such as `lazy_backend(...)`)."""
    get_backend = (lambda: backend) if isinstance(backend, SearchBackend) else backend
    app = FastAPI(
        title="crisiswatch — API tìm kiếm / Search API",
        description="Tìm kiếm, thống kê và xuất các đề cập về BHXH Việt Nam đã được phân loại. Truy vấn gõ không "
                    "dấu được (\"bao hiem\" khớp \"bảo hiểm\"); lỗi truy vấn trả 400 kèm vị trí. / Search, facets, "
                    "histograms and exports over classified mentions of Vietnam Social Security. See "
                    "docs/search-api.md and docs/query-language.md.",
        version=API_VERSION,
        openapi_tags=[{"name": TAG, "description": "Tìm kiếm đề cập / mention search"}],
    )
    app.include_router(search_router(get_backend))
    return app
