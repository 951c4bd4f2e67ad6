"""Facebook Graph API: request URLs, response classification and Graph JSON → `RawMention`, free of Scrapy.

Shapes (Graph API v23.0, ARCHITECTURE.md §3):

- page feed: ``{"data": [post…], "paging": {"cursors": {"before", "after"}, "previous", "next"}}``; a post is
  ``{"id": "<page>_<post>", "message", "created_time": "2025-07-15T02:31:07+0000", "updated_time", "permalink_url",
  "from": {"name", "id"}, "shares": {"count"}, "reactions": {"data": [], "summary": {"total_count",
  "viewer_reaction"}}, "comments": {"data": [], "summary": {"order", "total_count", "can_comment"}}}``; ``message``,
  ``from`` and ``shares`` may be missing.
- comments (``filter=stream``: comments and replies in one list): ``{"data": [{"id", "message", "created_time",
  "from", "like_count", "comment_count", "parent": {"id"}, "permalink_url"}], "paging": …, "summary": {"order",
  "total_count", "can_comment"}}``. With the Page Public Content Access feature (pages we do not moderate) Graph
  leaves out comment ``id`` and ``from``: such comments get a stable content-derived id (see `comment_source_id`).
- errors: ``{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`` (HTTP 4xx/5xx),
  classified by ``code``; the usage headers ``X-App-Usage`` (``{"call_count", "total_cputime", "total_time"}``, %)
  and ``X-Business-Use-Case-Usage`` (``{"<object id>": [{"type", "call_count", "total_cputime", "total_time",
  "estimated_time_to_regain_access"}]}``, the last in minutes) say how long to back off.

Paging stops only when ``paging.next`` is absent: a page may be empty and still have ``next``. ``next`` URLs carry
the ``access_token`` Graph echoes back: it is stripped (`strip_credentials`) before the URL is used or logged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from common.schema import Source
from crawlers.items import RawMention

FEED_FIELDS = ("id,message,created_time,updated_time,permalink_url,from,shares,"
               "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)")
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,parent{id},permalink_url"
CREDENTIAL_PARAMS = frozenset({"access_token", "appsecret_proof", "appsecret_time"})

# Graph error codes (developers.facebook.com/docs/graph-api/guides/error-handling, /overview/rate-limiting).
RATE_LIMIT_APP_CODES = frozenset({4, 17, 341, 613})  # app / user / API-wide throttling: every page waits
RATE_LIMIT_PAGE_CODES = frozenset({32})  # page-level throttling (+ 80000–80099: business use case, per object)
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({190, 102})
PERMISSION_CODES = frozenset({3, 10}) | frozenset(range(200, 300))


# -- URLs ----------------------------------------------------------------------------------------------------------


def graph_base(graph_url: str, version: str) -> str:
    return f"{graph_url.rstrip('/')}/{version.strip('/')}"


def feed_url(base: str, page_id: str, *, since: int | None = None, limit: int = 100) -> str:
    params: dict[str, Any] = {"fields": FEED_FIELDS, "limit": limit}
    if since is not None:
        params["since"] = since
    return f"{base}/{quote(page_id, safe='')}/feed?{urlencode(params, safe='(),{}')}"


def comments_url(base: str, post_id: str, *, since: int | None = None, limit: int = 100) -> str:
    params: dict[str, Any] = {"filter": "stream", "order": "reverse_chronological", "summary": "true",
                              "fields": COMMENT_FIELDS, "limit": limit}
    if since is not None:
        params["since"] = since
    return f"{base}/{quote(post_id, safe='')}/comments?{urlencode(params, safe='(),{}')}"


def strip_credentials(url: str) -> str:
    """`url` without ``access_token`` / ``appsecret_proof``: Graph echoes the token in ``paging.next``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in CREDENTIAL_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(kept, safe="(),{}")))


# -- classification ------------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    ok = "ok"
    rate_limited = "rate_limited"  # back off (usage headers), then retry
    transient = "transient"  # Graph error 1 / 2 (or is_transient): retry a few times
    token = "token"  # 190: the access token was rejected: stop the page
    permission = "permission"  # 10, 200–299: stop the page
    graph_error = "graph_error"  # any other Graph error (100 unknown object, …): not retried
    bad_response = "bad_response"  # truncated JSON, HTML, 5xx without a Graph error, unexpected shape: retry


@dataclass(frozen=True)
class GraphResult:
    outcome: Outcome
    status: int
    payload: dict[str, Any] | None = None
    code: int | None = None
    subcode: int | None = None
    message: str = ""
    fbtrace_id: str | None = None
    kind: str = ""  # bad_response: truncated_json | html | http_5xx | unexpected_shape | empty | not_json
    size: int = 0  # body bytes
    scope: str = ""  # rate_limited: "app" (every page waits) or "page"
    wait_s: float | None = None  # rate_limited: what the usage headers say, in seconds
    wait_source: str = ""  # which header said so
    usage_pct: int | None = None  # highest call_count / total_cputime / total_time in the usage headers

    def describe(self) -> str:
        if self.outcome is Outcome.bad_response:
            what = {"truncated_json": "truncated JSON", "html": "an HTML page instead of JSON",
                    "http_5xx": "a server error without a Graph error body", "empty": "an empty body",
                    "not_json": "a body that is not JSON", "unexpected_shape": "JSON without a data list"}
            return f"{what.get(self.kind, self.kind)} (HTTP {self.status}, {self.size} bytes)"
        sub = f"/{self.subcode}" if self.subcode else ""
        trace = f", fbtrace_id {self.fbtrace_id}" if self.fbtrace_id else ""
        return f"Graph error {self.code}{sub} (HTTP {self.status}{trace}): {self.message}"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == name.lower():
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            return value
    return None


def usage_from_headers(headers: Mapping[str, Any]) -> tuple[float | None, str, int | None]:
    """(seconds to wait or None, the header that said so, highest usage %) from the Graph usage headers.

    ``estimated_time_to_regain_access`` is in minutes (business use case header; read from X-App-Usage too when
    present). Unparsable headers are ignored: absence of a header is not headroom, so the caller backs off anyway.
    """
    wait_min: float | None = None
    source = ""
    usage: int | None = None
    for name in ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"):
        raw = _header(headers, name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        entries: list[Any] = []
        if isinstance(data, dict) and any(isinstance(v, list) for v in data.values()):
            for value in data.values():
                entries.extend(value if isinstance(value, list) else [])
        else:
            entries.append(data)
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for key in ("call_count", "total_cputime", "total_time"):
                value = entry.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    usage = max(usage or 0, int(value))
            minutes = entry.get("estimated_time_to_regain_access")
            if isinstance(minutes, (int, float)) and not isinstance(minutes, bool) and minutes > 0:
                if wait_min is None or minutes > wait_min:
                    wait_min, source = float(minutes), name
    return (wait_min * 60 if wait_min is not None else None), source, usage


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<"))


def classify(status: int, body: bytes, headers: Mapping[str, Any] | None = None) -> GraphResult:
    """What a Graph response is: data to parse, or which kind of error (see `Outcome`)."""
    headers = headers or {}
    content_type = _header(headers, "Content-Type") or ""
    try:
        payload = json.loads(body) if body.strip() else None
    except ValueError:
        if _looks_like_html(body, content_type):
            kind = "html"
        elif body.lstrip().startswith((b"{", b"[")):
            kind = "truncated_json"
        else:
            kind = "http_5xx" if status >= 500 else "not_json"
        return GraphResult(Outcome.bad_response, status, kind=kind, size=len(body))
    if payload is None:
        return GraphResult(Outcome.bad_response, status, kind="http_5xx" if status >= 500 else "empty", size=len(body))
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return _classify_error(status, payload["error"], headers)
    if status >= 500:
        return GraphResult(Outcome.bad_response, status, kind="http_5xx", size=len(body))
    if status != 200 or not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return GraphResult(Outcome.bad_response, status, kind="unexpected_shape", size=len(body))
    return GraphResult(Outcome.ok, status, payload=payload)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _classify_error(status: int, error: dict[str, Any], headers: Mapping[str, Any]) -> GraphResult:
    code, subcode = _int(error.get("code")), _int(error.get("error_subcode"))
    common: dict[str, Any] = {
        "code": code, "subcode": subcode, "message": str(error.get("message") or "")[:300],
        "fbtrace_id": str(error["fbtrace_id"]) if error.get("fbtrace_id") else None,
    }
    if code in RATE_LIMIT_APP_CODES or code in RATE_LIMIT_PAGE_CODES or (code is not None and 80000 <= code < 80100):
        wait_s, source, usage = usage_from_headers(headers)
        scope = "app" if code in RATE_LIMIT_APP_CODES else "page"
        return GraphResult(Outcome.rate_limited, status, scope=scope, wait_s=wait_s, wait_source=source,
                           usage_pct=usage, **common)
    if code in TOKEN_CODES:
        return GraphResult(Outcome.token, status, **common)
    if code in TRANSIENT_CODES or error.get("is_transient") is True:
        return GraphResult(Outcome.transient, status, **common)
    if code in PERMISSION_CODES:
        return GraphResult(Outcome.permission, status, **common)
    return GraphResult(Outcome.graph_error, status, **common)


# -- parsing -------------------------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """Graph times look like ``2025-07-15T02:31:07+0000``; returns an aware UTC datetime or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads "+0000" and "Z"; 10× faster than strptime
    except ValueError:
        try:
            parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def _count(node: Any, *path: str) -> int:
    for key in path:
        if not isinstance(node, dict):
            return 0
        node = node.get(key)
    return node if isinstance(node, int) and not isinstance(node, bool) and node >= 0 else 0


def _author(node: dict[str, Any]) -> tuple[str | None, str | None]:
    author = node.get("from")
    if not isinstance(author, dict):
        return None, None
    author_id, name = author.get("id"), author.get("name")
    return (str(author_id) if author_id else None), (str(name) if name else None)


def _text(node: dict[str, Any]) -> str | None:
    message = node.get("message")
    return message if isinstance(message, str) and message.strip() else None


def _next(payload: dict[str, Any]) -> str | None:
    paging = payload.get("paging")
    nxt = paging.get("next") if isinstance(paging, dict) else None
    return strip_credentials(nxt) if isinstance(nxt, str) and nxt else None


@dataclass(frozen=True)
class Page:
    id: str
    name: str | None = None
    own: bool = False  # the agency's own page: what people post there is addressed to BHXH (no watchlist)

    @property
    def label(self) -> str:
        return f"'{self.name}' ({self.id})" if self.name else f"({self.id})"


@dataclass(frozen=True)
class PostRef:
    """A post whose comments are to be fetched (also posts skipped for lack of text: their comments count)."""

    id: str
    comments: int | None  # comments.summary.total_count; None = unknown


@dataclass
class FeedPage:
    posts: list[RawMention] = field(default_factory=list)
    refs: list[PostRef] = field(default_factory=list)
    skipped_no_message: int = 0
    malformed: int = 0
    newest: int | None = None  # max created/updated time (epoch s) of the well-formed posts on this page
    next_url: str | None = None


@dataclass
class CommentsPage:
    comments: list[RawMention] = field(default_factory=list)
    replies: int = 0
    skipped_no_message: int = 0
    malformed: int = 0
    oldest: int | None = None  # min created time (epoch s) of the comments on this page
    next_url: str | None = None


def parse_feed(payload: dict[str, Any], page: Page) -> FeedPage:
    """One page of `/{page-id}/feed` → posts with text (others counted), refs for comments, the next URL.

    Builds everything before returning: a caller never sees half a page."""
    result = FeedPage(next_url=_next(payload))
    for node in payload.get("data") or []:
        post_id = node.get("id") if isinstance(node, dict) else None
        created = parse_time(node.get("created_time")) if post_id else None
        if not isinstance(post_id, str) or created is None:
            result.malformed += 1
            continue
        updated = parse_time(node.get("updated_time")) or created
        stamp = int(max(created, updated).timestamp())
        result.newest = stamp if result.newest is None else max(result.newest, stamp)
        total = node.get("comments", {}).get("summary", {}).get("total_count") \
            if isinstance(node.get("comments"), dict) else None
        result.refs.append(PostRef(post_id, total if isinstance(total, int) else None))
        text = _text(node)
        if text is None:
            result.skipped_no_message += 1
            continue
        author_id, author_name = _author(node)
        url = node.get("permalink_url")
        result.posts.append(RawMention(
            source=Source.facebook,
            source_id=post_id,
            text=text,
            created_at=created,
            url=url if isinstance(url, str) else None,
            author_id=author_id,
            author_name=author_name,
            reactions=_count(node, "reactions", "summary", "total_count"),
            shares=_count(node, "shares", "count"),
            comments=_count(node, "comments", "summary", "total_count"),
            skip_watchlist=page.own,
            extra={"page_id": page.id, "page_name": page.name or "", "kind": "post", "post_id": post_id},
        ))
    return result


def comment_source_id(post_id: str, node: dict[str, Any]) -> str:
    """The comment's Graph id, or — when Graph withholds it (Page Public Content Access) — a stable id derived
    from the post, the time, the author (if any) and the text: the same comment fetched again gets the same id."""
    if isinstance(node.get("id"), str) and node["id"]:
        return node["id"]
    author_id, _ = _author(node)
    digest = hashlib.blake2b(
        "\x1f".join((post_id, str(node.get("created_time")), author_id or "", str(node.get("message")))).encode(),
        digest_size=10).hexdigest()
    return f"{post_id}:c:{digest}"


def parse_comments(payload: dict[str, Any], post_id: str, page: Page) -> CommentsPage:
    """One page of `/{post-id}/comments?filter=stream` → comments and replies (``parent_source_id``: the post for a
    comment, the parent comment for a reply), the next URL."""
    result = CommentsPage(next_url=_next(payload))
    for node in payload.get("data") or []:
        created = parse_time(node.get("created_time")) if isinstance(node, dict) else None
        if created is None:
            result.malformed += 1
            continue
        stamp = int(created.timestamp())
        result.oldest = stamp if result.oldest is None else min(result.oldest, stamp)
        text = _text(node)
        if text is None:
            result.skipped_no_message += 1
            continue
        parent = node.get("parent")
        parent_id = parent.get("id") if isinstance(parent, dict) else None
        is_reply = isinstance(parent_id, str) and bool(parent_id) and parent_id != post_id
        author_id, author_name = _author(node)
        url = node.get("permalink_url")
        result.replies += is_reply
        result.comments.append(RawMention(
            source=Source.facebook,
            source_id=comment_source_id(post_id, node),
            text=text,
            created_at=created,
            url=url if isinstance(url, str) else None,
            author_id=author_id,
            author_name=author_name,
            reactions=_count(node, "like_count"),
            comments=_count(node, "comment_count"),
            parent_source_id=parent_id if is_reply else post_id,
            skip_watchlist=page.own,
            extra={"page_id": page.id, "page_name": page.name or "", "kind": "reply" if is_reply else "comment",
                   "post_id": post_id},
        ))
    return result


def since_filter(page: CommentsPage, since: int | None) -> tuple[list[RawMention], bool]:
    """(comments created at or after `since`, whether older pages may still hold newer comments).

    Graph honours ``since`` on comments, but this re-checks it: with ``order=reverse_chronological`` a page that
    reaches comments older than `since` is the last one worth reading."""
    if since is None:
        return page.comments, True
    fresh = [c for c in page.comments if c.created_at.timestamp() >= since]
    return fresh, page.oldest is None or page.oldest >= since


def iter_mentions(payloads: Iterable[tuple[str, dict[str, Any]]], page: Page) -> Iterable[RawMention]:
    """Parse recorded payloads: ``("feed", payload)`` or ``("<post id>", comments payload)`` (benchmark, tools)."""
    for kind, payload in payloads:
        if kind == "feed":
            yield from parse_feed(payload, page).posts
        else:
            yield from parse_comments(payload, kind, page).comments
