"""News parsing: pure functions from a downloaded page to an `Article`, a `Feed` or a `Listing`.

No network, no Scrapy engine: each function takes a `scrapy.http.Response` (or, for articles, a parsel `Selector`
and its URL) and returns a value or raises a `ParseError` whose `reason` becomes the stats key
`crisiswatch/news/<reason>` and whose message says what is missing and where.

Article fields are taken, field by field, from the first source that has them:
1. JSON-LD (`NewsArticle` and friends: headline, description, datePublished, author, url);
2. the outlet's selector set (`SELECTOR_SETS[parser]`, `parser` as named in sources.yaml);
3. meta fallbacks (`article:published_time`, `og:title`, `og:description`, `og:url`, `<title>`).
The body is the exception: the selector set first, JSON-LD `articleBody` only as a fallback (outlets truncate it).
Times without an offset are Asia/Ho_Chi_Minh; every time returned is aware and in UTC.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

__all__ = [
    "Article", "ArticleParseError", "Feed", "FeedItem", "FeedParseError", "Listing", "ListingItem",
    "ListingParseError", "ParseError", "SELECTOR_SETS", "SelectorSet", "canonical_url", "fix_encoding",
    "parse_article", "parse_datetime", "parse_listing", "parse_rss",
]


# -- errors ----------------------------------------------------------------------------------------------------------


class ParseError(ValueError):
    """A page that cannot be used. `reason` is a short stats key (no_date, bad_date, no_title, no_body, not_html,
    bad_encoding, malformed_feed, not_a_feed, empty_feed, bad_listing); the message names what and where."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArticleParseError(ParseError):
    pass


class FeedParseError(ParseError):
    pass


class ListingParseError(ParseError):
    pass


# -- results ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    url: str  # canonical, tracking parameters removed
    title: str
    lead: str  # sapo; "" when the page has none
    body: str  # paragraphs joined by "\n"
    author: str | None
    published: datetime  # aware, UTC
    outlet: str | None = None
    source_id: str = ""  # the mention's stable id at the source: canonical URL, or host/ItemID/<n> (SharePoint)

    @property
    def text(self) -> str:
        return f"{self.lead}\n{self.body}" if self.lead else self.body


@dataclass(frozen=True)
class FeedItem:
    link: str  # tracking parameters removed
    title: str
    description: str  # HTML stripped
    published: datetime | None  # UTC; None when the item has no (parseable) date
    guid: str | None = None


@dataclass(frozen=True)
class Feed:
    items: list[FeedItem]
    skipped: int = 0  # items without a usable link
    recovered: str | None = None  # the XML error when the feed was malformed and items were recovered


@dataclass(frozen=True)
class ListingItem:
    url: str
    item_id: str
    title: str
    published: datetime | None  # local midnight of the listed day, in UTC (listings show the date only)


@dataclass(frozen=True)
class Listing:
    items: list[ListingItem]
    page: int
    next_page: str | None


# -- URLs ------------------------------------------------------------------------------------------------------------

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "zarsrc", "gidzl", "zacc", "zcid",
    "vn_source", "vn_medium", "vn_campaign", "vnecomment", "cmpid", "ref_src", "s_cid", "spm",
})
TRACKING_PREFIXES = ("utm_", "vn_", "pk_", "mtm_", "itm_")


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """`url` made absolute against `base`, scheme and host lower-cased, fragment and tracking parameters (utm_*,
    fbclid, gclid, zarsrc, gidzl, …) removed; the remaining parameters keep their order (ItemID, CateID matter)."""
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    netloc = parts.netloc.lower()
    if parts.scheme == "https" and netloc.endswith(":443") or parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query, safe="/:,"), ""))


# -- dates -----------------------------------------------------------------------------------------------------------

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?)?", re.I)
_DMY = re.compile(
    r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)"
    r"(?:[^\d]{0,6}?(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?:\s*(AM|PM|SA|CH)\b)?)?"
    r"(?:[^\d+-]{0,4}(?:GMT|UTC)\s*([+-]\s*\d{1,2}(?::?\d{2})?))?", re.I)
# "08:30 07/07/2025" (time first, as Lao Động and some RSS feeds write it)
_HM_DMY = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:,|-|ngày)?\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)",
                     re.I)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")


def _offset(text: str | None) -> timedelta | None:
    if not text:
        return None
    text = re.sub(r"(?i)GMT|UTC|\s", "", text)
    if text.upper() == "Z":
        return timedelta(0)
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if not match:
        return None
    delta = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
    return -delta if match[1] == "-" else delta


def _aware(year: int, month: int, day: int, hour: int, minute: int, second: int,
           offset: timedelta | None) -> datetime:
    naive = datetime(year, month, day, hour, minute, second)
    if offset is None:
        return naive.replace(tzinfo=VN_TZ).astimezone(UTC)
    return (naive - offset).replace(tzinfo=UTC)


def parse_datetime(text: str | None) -> datetime | None:
    """A published time as written by Vietnamese outlets, in UTC; None when `text` holds no date.

    Accepts ISO 8601 (with or without offset, `T` or space), RFC 822 (RSS pubDate), "dd/MM/yyyy HH:mm" with
    surrounding words ("Thứ hai, 7/7/2025, 08:30 (GMT+7)", "07/07/2025 - 08:30", "7/7/2025 8:30:00 AM"),
    "HH:mm dd/MM/yyyy" and Unix epochs. Times without an offset are Asia/Ho_Chi_Minh; a date without a time is
    local midnight."""
    if not text:
        return None
    text = html.unescape(text).strip()
    if not text:
        return None
    try:
        if _EPOCH.match(text):
            value = int(text[:10])
            return datetime.fromtimestamp(value, UTC)
        match = _ISO.search(text)
        if match:
            y, mo, d, h, mi, s, off = match.groups()
            return _aware(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), _offset(off))
        match = _HM_DMY.search(text)
        if match:
            h, mi, s, d, mo, y = match.groups()
            return _aware(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), _offset(_gmt(text)))
        match = _DMY.search(text)
        if match:
            d, mo, y, h, mi, s, ampm, off = match.groups()
            hour = int(h or 0)
            if ampm and ampm.upper() in ("PM", "CH") and hour < 12:
                hour += 12
            elif ampm and ampm.upper() in ("AM", "SA") and hour == 12:
                hour = 0
            return _aware(int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0), _offset(off))
        if re.search(r"\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
            offset = _offset(_gmt(text))  # "Sat, 21 Nov 2026 09:30:00 GMT+7" (Tuổi Trẻ) is not RFC 822
            if offset is not None:
                text = re.sub(r"(?i)(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?", "", text).strip()
            parsed = parsedate_to_datetime(text)
            if offset is not None:
                return (parsed.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=VN_TZ)
            return parsed.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return None


def _gmt(text: str) -> str | None:
    match = re.search(r"(?:GMT|UTC)\s*([+-]\s*\d{1,2}(?::?\d{2})?)", text, re.I)
    return match[1] if match else None


# -- encodings -------------------------------------------------------------------------------------------------------


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def fix_encoding(response: Any) -> tuple[Any, str | None]:
    """A text response whose declared encoding (HTTP header or meta) is not UTF-8 while its bytes are valid UTF-8
    with non-ASCII characters is really UTF-8 (Vietnamese text cannot be ISO-8859-1, and legacy-encoded text is
    almost never valid UTF-8 by chance). Returns the response re-decoded as UTF-8 and a note saying what was
    declared, or the response unchanged and None."""
    declared = getattr(response, "encoding", None)
    if declared is None or _codec(declared) == "utf-8":
        return response, None
    body: bytes = response.body
    if not any(byte >= 0x80 for byte in body[:1_000_000]):
        return response, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return response, None
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    source = f"{match[1]} (HTTP header)" if match else declared
    return response.replace(encoding="utf-8"), f"declared {source}, body is UTF-8"


# -- HTML text -------------------------------------------------------------------------------------------------------

_WS = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tr", "td", "th", "figure",
    "figcaption", "br", "hr", "main", "address", "center",
})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "button", "form", "select",
                        "input", "video", "audio", "object", "embed", "canvas"})


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _inline_text(sel: Selector) -> str:
    """An element's visible text on one line (text nodes joined by spaces: "Hà Nội" + "Bộ…" → "Hà Nội Bộ…")."""
    parts = sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")
    return _squash(" ".join(parts.getall()))


def _block_text(root: Any, drop: set[Any]) -> list[str]:
    """Paragraphs of an lxml element as a browser would break them (block elements, <br>), leaving out scripts,
    styles, forms and every element in `drop` (ads, related-article boxes, photo captions)."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _squash("".join(buffer))
        buffer.clear()
        if text:
            paragraphs.append(text)

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None:  # comment or processing instruction: only its tail is text
            return
        tag = tag.lower()
        if element in drop or tag in _SKIP_TAGS:
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if element.text:
            buffer.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return paragraphs


# -- selector sets ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectorSet:
    """Where one CMS puts each field. Every field is a tuple of CSS selectors tried in order; a selector ending in
    `::attr(name)` or `::text` yields that value, otherwise the element's visible text. `body` selects the article
    container; `drop` elements inside it (ads, related boxes, captions, the signature line) are left out.
    `source_id_param`: the query parameter that identifies an article when its URL is not stable (SharePoint: the
    same ItemID is reachable under several categories and slugs); the source id is then
    `<source_id_site>/<param>/<value>`, whatever URL the page was fetched from."""

    title: tuple[str, ...]
    lead: tuple[str, ...]
    body: tuple[str, ...]
    published: tuple[str, ...]
    author: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    source_id_param: str | None = None
    source_id_site: str | None = None


_COMMON_DROP = ("script", "style", "figure", "figcaption", ".ads", ".banner", "[class*=banner-ads]",
                "[id^=admzone]", "[id^=adm-slot]", ".box-ads", "[class*=advertis]")

SELECTOR_SETS: dict[str, SelectorSet] = {
    # VnExpress (FPT CMS): the signature is the last right-aligned p.Normal.
    "vnexpress": SelectorSet(
        title=("h1.title-detail",),
        lead=("p.description",),
        body=("article.fck_detail",),
        published=("span.date",),
        author=("p.author_mail strong", "article.fck_detail p.Normal[style*=right] strong",
                "article.fck_detail p.author strong"),
        drop=_COMMON_DROP + ("p.Normal[style*=right]", "p.author_mail", "p.author", ".box_embed_video",
                             ".box-tinlienquanv2", ".list-news", "table.tplCaption", ".box_brief_info"),
    ),
    # Dân Trí
    "dantri": SelectorSet(
        title=("h1.title-page.detail", "h1.e-magazine__title", "h1.title-page"),
        lead=("h2.singular-sapo", "h2.e-magazine__sapo"),
        body=("div.singular-content", "div.e-magazine__body"),
        published=("time.author-time::attr(datetime)", "time.author-time"),
        author=("div.author-name b", "div.author-name a", "div.author-name"),
        drop=_COMMON_DROP + (".singular-relate", "article.article-item", ".dt-news__related", "[data-module=related]",
                             ".image-caption"),
    ),
    # Tuổi Trẻ, Thanh Niên, Người Lao Động (one CMS family, the "detail-" classes)
    "detail": SelectorSet(
        title=("h1.detail-title", "h1.detail__title", "h1[data-role=title]"),
        lead=("h2.detail-sapo", "h2[data-role=sapo]", "div.detail-sapo"),
        body=("div.detail-content", "div[data-role=content]", "div.detail__content"),
        published=("[data-role=publishdate]", "div.detail-time", "div.detail__time"),
        author=("div.detail-author a.name", "div.author-info a.name", "div.detail-author .name",
                "div.detail-author .author-name", "p.author"),
        drop=_COMMON_DROP + ("[type=RelatedOneNews]", "[type=RelatedNews]", "[type=Photo]", "[type=VideoStream]",
                             ".VCSortableInPreviewMode[type]", ".kbwscwl-relatedbox", ".box-relate",
                             ".detail-related", "[data-role=related]"),
    ),
    # VietnamNet
    "vietnamnet": SelectorSet(
        title=("h1.content-detail-title", "h1.newsFeature__header-title"),
        lead=("h2.content-detail-sapo", "div.newFeature__main-textBold"),
        body=("div.maincontent", "div#maincontent", "div.newsFeature__main"),
        published=("div.bread-crumb-detail__time", "div.breadcrumb-box__time", "span.publish-date"),
        author=("span.name a", ".article-detail-author__info .name", "p.article-detail-author__info"),
        drop=_COMMON_DROP + ("p[style*=right]", ".article-relate", ".insert-wiki-content", ".vnn-template-noneditable",
                             "[class*=related]"),
    ),
    # Lao Động
    "laodong": SelectorSet(
        title=("div.article-detail h1", "h1.title", "h1"),
        lead=("div.chappeau p", "div.chappeau"),
        body=("div.art-body",),
        published=("time.f-datetime::attr(datetime)", "time.f-datetime", "span.time"),
        author=("div.art-authors span.author", ".author-info .author-name", "div.art-author"),
        drop=_COMMON_DROP + (".art-author", ".art-authors", ".insert-center-image", ".related-news", ".box-tinlq"),
    ),
    # baohiemxahoi.gov.vn (SharePoint 2013 publishing pages; articles are keyed by ItemID)
    "baohiemxahoi": SelectorSet(
        title=("div.news-detail h1.title-news-detail", "h1.title-news-detail", ".news-detail h1", "h1"),
        lead=("div.sapo-news-detail", "div.news-detail .sapo"),
        body=("div.content-news-detail", "div.ms-rtestate-field", "div.news-detail .content"),
        published=("div.date-news-detail", "span.date-news-detail", ".news-detail .date"),
        author=("div.author-news-detail", ".news-detail .author"),
        drop=_COMMON_DROP + (".author-news-detail", ".attach-file", ".share-news", ".related-news"),
        source_id_param="ItemID",
        source_id_site="baohiemxahoi.gov.vn",
    ),
}


def _values(sel: Selector, css: str) -> list[str]:
    if "::" in css:
        return [_squash(v) for v in sel.css(css).getall() if _squash(v)]
    return [t for t in (_inline_text(node) for node in sel.css(css)) if t]


def _first(sel: Selector, selectors: Iterable[str]) -> str | None:
    for css in selectors:
        values = _values(sel, css)
        if values:
            return values[0]
    return None


# -- JSON-LD ---------------------------------------------------------------------------------------------------------

_ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
                            "LiveBlogPosting", "OpinionNewsArticle", "BackgroundNewsArticle", "WebPage"})
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _json_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _json_objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _json_objects(value["@graph"])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def jsonld_article(sel: Selector) -> dict[str, Any]:
    """The first JSON-LD object typed as a news article (NewsArticle, Article, …), or {}. Blocks that are not valid
    JSON are tolerated: control characters in strings and trailing commas are accepted, anything worse is skipped."""
    fallback: dict[str, Any] = {}
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(_TRAILING_COMMA.sub(r"\1", raw), strict=False)
            except ValueError:
                continue
        for obj in _json_objects(data):
            kinds = _types(obj)
            if kinds & (_ARTICLE_TYPES - {"WebPage"}):
                return obj
            if "WebPage" in kinds and "headline" in obj and not fallback:
                fallback = obj
    return fallback


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, str):
        text = _squash(html.unescape(value))
        return text or None
    return None


def _ld_author(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = _ld_text(item.get("name") if isinstance(item, dict) else item)
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _ld_url(obj: dict[str, Any]) -> str | None:
    url = obj.get("url")
    if isinstance(url, str) and url.strip():
        return url.strip()
    page = obj.get("mainEntityOfPage")
    if isinstance(page, dict):
        page = page.get("@id") or page.get("url")
    return page.strip() if isinstance(page, str) and page.strip() else None


# -- articles --------------------------------------------------------------------------------------------------------

_META_DATES = ('meta[property="article:published_time"]::attr(content)',
               'meta[itemprop="datePublished"]::attr(content)', 'meta[name="pubdate"]::attr(content)',
               'meta[name="publishdate"]::attr(content)', 'meta[property="og:published_time"]::attr(content)',
               'meta[name="article:published_time"]::attr(content)', 'meta[name="dc.date"]::attr(content)')
_META_TITLES = ('meta[property="og:title"]::attr(content)', 'meta[name="title"]::attr(content)', "title::text")
_META_LEADS = ('meta[property="og:description"]::attr(content)', 'meta[name="description"]::attr(content)')
_META_AUTHORS = ('meta[property="article:author"]::attr(content)', 'meta[name="author"]::attr(content)',
                 'meta[property="dable:author"]::attr(content)')
_META_URLS = ('link[rel="canonical"]::attr(href)', 'meta[property="og:url"]::attr(content)')


def _selector_of(page: Any) -> tuple[Selector, str]:
    if isinstance(page, Selector):
        return page, ""
    if not hasattr(page, "text"):
        raise ArticleParseError("not_html", f"not an HTML page ({type(page).__name__}) at {getattr(page, 'url', '?')}")
    return page.selector, page.url


def parse_article(page: Any, parser: str, outlet: str | None = None, url: str | None = None) -> Article:
    """The article in `page` (an HtmlResponse, or a parsel Selector with `url`) using the selector set `parser`.
    Raises `ArticleParseError` naming what is missing (title, body, published date) and the URL."""
    try:
        rules = SELECTOR_SETS[parser]
    except KeyError:
        raise ValueError(f"unknown news parser {parser!r}; known: {sorted(SELECTOR_SETS)}") from None
    if not isinstance(page, Selector):
        content_type = (page.headers.get(b"Content-Type") or b"").lower()
        if content_type and b"html" not in content_type and b"xml" not in content_type:
            raise ArticleParseError("not_html", f"not an HTML page (Content-Type {content_type.decode(errors='replace')})"
                                                f" at {page.url}")
    sel, page_url = _selector_of(page)
    page_url = url or page_url
    where = f"at {page_url or '(no URL)'}"
    if not sel.css("body, h1, p"):
        raise ArticleParseError("not_html", f"no HTML content {where}")
    ld = jsonld_article(sel)

    title = _ld_text(ld.get("headline")) or _first(sel, rules.title) or _first(sel, _META_TITLES)
    if not title:
        raise ArticleParseError("no_title", f"no title (JSON-LD headline, {', '.join(rules.title)}, og:title) {where}")
    lead = _ld_text(ld.get("description")) or _first(sel, rules.lead) or _first(sel, _META_LEADS) or ""
    body = _body(sel, rules) or _ld_text(ld.get("articleBody")) or ""
    if not body:
        raise ArticleParseError("no_body", f"no article body ({', '.join(rules.body)}, JSON-LD articleBody) {where}")
    if "\ufffd" in title + lead + body:
        raise ArticleParseError("bad_encoding", f"text contains undecodable bytes (U+FFFD) {where}")

    published = None
    raw_dates: list[str] = []
    candidates = chain([_ld_text(ld.get("datePublished"))],
                       (_first(sel, [css]) for css in (*rules.published, *_META_DATES)))
    for raw in candidates:  # lazy: the meta fallbacks are only looked up when nothing before them parsed
        if raw:
            raw_dates.append(raw)
            published = parse_datetime(raw)
            if published is not None:
                break
    if published is None:
        if raw_dates:
            shown = "; ".join(repr(d[:60]) for d in raw_dates[:3])
            raise ArticleParseError("bad_date", f"unparseable published date {shown} {where}")
        raise ArticleParseError(
            "no_date", f"no published date (JSON-LD datePublished, {', '.join(rules.published)}, "
                       f"article:published_time) {where}")

    author = _ld_author(ld.get("author")) or _first(sel, rules.author) or _first(sel, _META_AUTHORS)
    if author and author.lower().startswith(("http://", "https://")):
        author = None
    raw_url = next((u for u in [_first(sel, _META_URLS[:1]), _ld_url(ld), _first(sel, _META_URLS[1:])] if u),
                   page_url)
    if not raw_url:
        raise ArticleParseError("no_url", f"no canonical URL and no page URL for {title!r}")
    canonical = canonical_url(raw_url, page_url or None)

    source_id = canonical
    if rules.source_id_param:
        item_id = _query_param(canonical, rules.source_id_param) or _query_param(page_url, rules.source_id_param)
        if not item_id:
            raise ArticleParseError("no_item_id", f"no {rules.source_id_param} in the article URL {where}")
        site = rules.source_id_site or urlsplit(canonical).netloc
        source_id = f"{site}/{rules.source_id_param}/{item_id}"
    return Article(url=canonical, title=title, lead=lead, body=body, author=author, published=published,
                   outlet=outlet, source_id=source_id)


def _body(sel: Selector, rules: SelectorSet) -> str:
    for css in rules.body:
        containers = sel.css(css)
        if not containers:
            continue
        container = containers[0]
        drop = {node.root for node in container.css(", ".join(rules.drop))} if rules.drop else set()
        drop.discard(container.root)
        paragraphs = _block_text(container.root, drop)
        if paragraphs:
            return "\n".join(paragraphs)
    return ""


def _query_param(url: str | None, name: str) -> str | None:
    if not url:
        return None
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() == name.lower() and value.strip():
            return value.strip()
    return None


# -- RSS -------------------------------------------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S)


def _xml_bytes(body: bytes) -> bytes:
    """Feed bytes whose XML declaration names a legacy encoding while the bytes are UTF-8: re-declared as UTF-8."""
    body = body.removeprefix(codecs.BOM_UTF8)
    match = _XML_DECL.match(body)
    if match and _codec(match[1].decode("ascii")) != "utf-8" and any(b >= 0x80 for b in body):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        body = body[:match.start(1)] + b"utf-8" + body[match.end(1):]
    return body


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(item: Any, *names: str) -> str | None:
    for child in item:
        if _local(child.tag) in names:
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")


def _strip_html(fragment: str) -> str:
    """Text of a feed description (HTML in CDATA or escaped): tags and scripts dropped, entities decoded."""
    if "<" in fragment:
        fragment = _TAG.sub(" ", _SCRIPT.sub(" ", fragment))
    return _squash(html.unescape(fragment))


def parse_rss(response: Any) -> Feed:
    """The items of an RSS 2.0 / RSS 1.0 (RDF) / Atom feed: link (tracking parameters removed), title,
    description (HTML stripped), published (UTC or None).

    Malformed XML (unescaped "&", HTML entities, a truncated end) is read with lxml's recovering parser; `recovered`
    then carries the XML error. Raises `FeedParseError` for an empty body (empty_feed), HTML or any other document
    served where a feed was expected (not_a_feed), and XML nothing can be recovered from (malformed_feed)."""
    url = getattr(response, "url", "")
    body: bytes = response.body
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if not body.strip():
        raise FeedParseError("empty_feed", f"empty feed body at {url}")
    # Decided by the bytes, not the Content-Type: outlets serve real feeds as text/html and HTML as XML.
    if _HTML_START.match(body.removeprefix(codecs.BOM_UTF8)[:2048]):
        title = ""
        try:
            title = _squash(Selector(text=response.text).css("title::text").get() or "")[:80]
        except Exception:  # noqa: BLE001 - only for the message
            pass
        raise FeedParseError("not_a_feed", f"HTML page where a feed was expected (Content-Type {content_type or '?'}"
                                           f"{', title ' + repr(title) if title else ''}) at {url}")
    data = _xml_bytes(body)
    recovered: str | None = None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        recovered = str(error)
        rparser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(data, parser=rparser)
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise FeedParseError("malformed_feed", f"malformed XML ({recovered}), nothing recoverable, at {url}") \
                from None
    kind = _local(root.tag)
    if kind == "rss":
        entries = [e for channel in root if _local(channel.tag) == "channel" for e in channel if _local(e.tag) == "item"]
    elif kind == "rdf":
        entries = [e for e in root.iter() if _local(e.tag) == "item"]
    elif kind == "feed":
        entries = [e for e in root if _local(e.tag) == "entry"]
    else:
        raise FeedParseError("not_a_feed", f"XML document <{kind}> where an RSS/Atom feed was expected at {url}")
    if recovered is not None and not entries:
        raise FeedParseError("malformed_feed", f"malformed XML ({recovered}), no item recoverable, at {url}")

    items: list[FeedItem] = []
    skipped = 0
    for entry in entries:
        link = _child_text(entry, "link")
        if not link:
            for child in entry:
                if _local(child.tag) == "link" and child.get("href") and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
        guid = _child_text(entry, "guid", "id")
        if not link and guid and guid.startswith(("http://", "https://")):
            link = guid
        if not link or not urlsplit(urljoin(url, link.strip())).scheme.startswith("http"):
            skipped += 1
            continue
        title = _strip_html(_child_text(entry, "title") or "")
        description = _strip_html(_child_text(entry, "description", "summary", "content", "encoded") or "")
        published = parse_datetime(_child_text(entry, "pubdate", "date", "published", "updated", "issued"))
        items.append(FeedItem(link=canonical_url(link, url), title=title, description=description,
                              published=published, guid=guid))
    return Feed(items=items, skipped=skipped, recovered=recovered)


# -- SharePoint listings (baohiemxahoi.gov.vn) -------------------------------------------------------------------------

_ARTICLE_PATH = re.compile(r"/tintuc/Pages/[^/?#]+\.aspx$", re.I)
_DATE_ONLY = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")


def _page_number(url: str) -> int:
    value = _query_param(url, "Page")
    return int(value) if value and value.isdigit() else 1


def parse_listing(response: Any) -> Listing:
    """Article links of a baohiemxahoi.gov.vn SharePoint listing page: every link to
    `/tintuc/Pages/<slug>.aspx?CateID=<n>&ItemID=<id>` (one per ItemID, first title wins), the date shown next to
    it (dd/MM/yyyy, local midnight → UTC) and the URL of the next page (`Page=<k+1>`) when the pager links it."""
    url = response.url
    if not hasattr(response, "text"):
        raise ListingParseError("bad_listing", f"not an HTML listing page at {url}")
    sel = response.selector
    items: dict[str, ListingItem] = {}
    for anchor in sel.css("a[href]"):
        href = anchor.attrib.get("href", "")
        link = canonical_url(href, url)
        if not _ARTICLE_PATH.search(urlsplit(link).path):
            continue
        item_id = _query_param(link, "ItemID")
        if not item_id:
            continue
        title = anchor.attrib.get("title") or _inline_text(anchor)
        if item_id in items:
            if not items[item_id].title and title:
                items[item_id] = ListingItem(items[item_id].url, item_id, _squash(title), items[item_id].published)
            continue
        published = None
        for container in anchor.xpath("ancestor::*[self::li or self::tr or contains(@class,'item')][1]"):
            match = _DATE_ONLY.search(" ".join(container.css(".date::text, .time::text, span::text").getall()))
            if match:
                d, m, y = (int(g) for g in match.groups())
                try:
                    published = datetime(y, m, d, tzinfo=VN_TZ).astimezone(UTC)
                except ValueError:
                    published = None
        items[item_id] = ListingItem(url=link, item_id=item_id, title=_squash(title), published=published)
    page = _page_number(url)
    next_page = None
    for anchor in sel.css("a[href]"):
        href = anchor.attrib.get("href", "")
        if "page=" not in href.lower():
            continue
        candidate = canonical_url(href, url)
        if _page_number(candidate) == page + 1 and _query_param(candidate, "ItemID") is None:
            next_page = candidate
            break
    if not items and not sel.css("ul, table, div"):
        raise ListingParseError("bad_listing", f"no article links and no page structure at {url}")
    return Listing(items=list(items.values()), page=page, next_page=next_page)

