"""`news`: Vietnamese outlets' RSS feeds and baohiemxahoi.gov.vn's SharePoint listings → `RawMention`s.

Built from the sources file (`news.outlets`: RSS feeds; `news.listings`: listing pages). Each feed item / listing
link newer than the outlet's watermark is fetched and parsed by `crawlers.news.parsers.parse_article` with the
outlet's selector set; an article becomes one `RawMention(source="news")`.

Bad input never stops the crawl and never yields anything half-parsed: each problem is ONE log line and one
counter `crisiswatch/news/<reason>` (http_503, http_429, timeout, connection_error, not_a_feed, malformed_feed,
no_date, bad_date, no_body, not_html, bad_encoding, …). A page whose declared encoding is not UTF-8 but whose bytes
are is decoded as UTF-8 (counter `encoding_fixed`, a warning) and used.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure

from common.schema import Source
from common.settings import Settings
from crawlers.config import Listing, NewsSources, Outlet, load_sources
from crawlers.items import RawMention
from crawlers.news.parsers import (
    SELECTOR_SETS,
    Article,
    ParseError,
    canonical_url,
    fix_encoding,
    parse_article,
    parse_listing,
    parse_rss,
)
from crawlers.news.watermarks import WatermarkStore

STATS = "crisiswatch/news"
# Failures after which the same article may well succeed next run: they hold the watermark back.
TRANSIENT = ("http_408", "http_429", "http_5", "timeout", "connection_error", "dns_error", "download_error",
             "data_loss")


class NewsSpider(scrapy.Spider):
    name = "news"
    # Retries (429/5xx/timeouts, RETRY_TIMES) are Scrapy's; their give-up line is demoted to DEBUG per request
    # because the errback logs the one line that names the outlet and the reason.
    custom_settings = {"RETRY_GIVE_UP_LOG_LEVEL": "DEBUG"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources: NewsSources = NewsSources()
        self.store: WatermarkStore | None = None
        self.watermarks: dict[str, datetime] = {}
        self.latest: dict[str, datetime] = {}  # outlet → latest published time yielded this run
        self.held: dict[str, datetime] = {}  # outlet → earliest candidate that failed transiently this run
        self.max_listing_pages = 3

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings: Settings = crawler.settings["CRISISWATCH_SETTINGS"]
        spider.sources = load_sources(settings).news
        for source in [*spider.sources.outlets, *spider.sources.listings]:
            if source.parser not in SELECTOR_SETS:
                raise ValueError(f"news source {source.name!r}: unknown parser {source.parser!r}; "
                                 f"known: {sorted(SELECTOR_SETS)}")
        spider.store = WatermarkStore(settings.state_dir / "watermarks" / "news.json")
        spider.watermarks = spider.store.load()
        spider.max_listing_pages = crawler.settings.getint("CRISISWATCH_NEWS_MAX_LISTING_PAGES", 3)
        return spider

    # -- requests --------------------------------------------------------------------------------------------------

    def _count(self, reason: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(f"{STATS}/{reason}", value)

    def _problem(self, reason: str, source: str, message: str, level: int = logging.ERROR) -> None:
        self._count(reason)
        self.logger.log(level, "news %s: %s [%s]", source, message, reason)

    async def start(self) -> AsyncIterator[Request]:
        for outlet in self.sources.outlets:
            for feed in outlet.feeds:
                yield Request(feed, callback=self.parse_feed, errback=self.failed, dont_filter=True,
                              cb_kwargs={"outlet": outlet}, meta={"news_source": outlet.name, "news_kind": "feed"})
        for listing in self.sources.listings:
            for page in listing.pages:
                yield Request(page, callback=self.parse_listing_page, errback=self.failed, dont_filter=True,
                              cb_kwargs={"listing": listing},
                              meta={"news_source": listing.name, "news_kind": "listing"})

    def _is_old(self, source: str, published: datetime | None, span: timedelta = timedelta(0)) -> bool:
        """Older than the watermark: strictly (an article published the same minute as the last one delivered is
        fetched again and left to the dedupe stage). `span`: the item's time is only known to this precision."""
        mark = self.watermarks.get(source)
        return mark is not None and published is not None and published + span < mark

    def _article_request(self, url: str, source: str, parser: str, published: datetime | None) -> Request:
        return Request(url, callback=self.parse_article_page, errback=self.failed,
                       cb_kwargs={"source": source, "parser": parser},
                       meta={"news_source": source, "news_kind": "article", "news_published": published})

    def parse_feed(self, response: Response, outlet: Outlet) -> Iterator[Request]:
        try:
            feed = parse_rss(response)
        except ParseError as error:
            self._problem(error.reason, outlet.name, str(error))
            return
        self._count("feeds")
        if feed.recovered:
            self._problem("malformed_feed", outlet.name,
                          f"malformed XML at {response.url} ({feed.recovered}); {len(feed.items)} item(s) recovered",
                          logging.WARNING)
        if feed.skipped:
            self._problem("feed_item_without_link", outlet.name,
                          f"{feed.skipped} item(s) without a usable link in {response.url}", logging.WARNING)
        for item in feed.items:
            if self._is_old(outlet.name, item.published):
                self._count("skipped_old")
                continue
            yield self._article_request(item.link, outlet.name, outlet.parser, item.published)

    def parse_listing_page(self, response: Response, listing: Listing) -> Iterator[Request]:
        try:
            page = parse_listing(response)
        except ParseError as error:
            self._problem(error.reason, listing.name, str(error))
            return
        self._count("listing_pages")
        fresh = 0
        for item in page.items:
            # A listing shows the day only: an item is old when its whole day is before the watermark.
            if self._is_old(listing.name, item.published, timedelta(days=1)):
                self._count("skipped_old")
                continue
            fresh += 1
            yield self._article_request(item.url, listing.name, listing.parser, item.published)
        if page.next_page and fresh and page.page < self.max_listing_pages:
            yield Request(page.next_page, callback=self.parse_listing_page, errback=self.failed,
                          cb_kwargs={"listing": listing}, meta={"news_source": listing.name, "news_kind": "listing"})

    def parse_article_page(self, response: Response, source: str, parser: str) -> Iterator[RawMention]:
        if isinstance(response, TextResponse):
            response, note = fix_encoding(response)
            if note:
                self._problem("encoding_fixed", source, f"{note}: decoded as UTF-8 ({response.url})", logging.WARNING)
        try:
            article = parse_article(response, parser, outlet=source)
        except ParseError as error:
            self._problem(error.reason, source, str(error))
            return
        self._count("articles")
        if source not in self.latest or article.published > self.latest[source]:
            self.latest[source] = article.published
        yield to_raw_mention(article, source)

    # -- failures --------------------------------------------------------------------------------------------------

    def failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        source = request.meta.get("news_source", "?")
        kind = request.meta.get("news_kind", "page")
        reason, detail = classify_failure(failure)
        level = logging.INFO if reason == "forbidden_by_robots" else logging.ERROR
        retries = request.meta.get("retry_times", 0)
        tried = f" after {retries + 1} attempts" if retries else ""
        self._problem(reason, source, f"{kind} {request.url}: {detail}{tried}", level)
        published = request.meta.get("news_published")
        if kind == "article" and published is not None and reason.startswith(TRANSIENT):
            if source not in self.held or published < self.held[source]:
                self.held[source] = published

    # -- watermarks ------------------------------------------------------------------------------------------------

    def next_watermarks(self) -> dict[str, datetime]:
        """Each source's watermark after this run: the latest published time yielded, but never past a candidate
        that failed transiently (so it is fetched again next run), never moving backwards."""
        marks = dict(self.watermarks)
        for source, latest in self.latest.items():
            held = self.held.get(source)
            candidate = min(latest, held) if held is not None else latest
            if source not in marks or candidate > marks[source]:
                marks[source] = candidate
        return marks

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        undelivered = stats.get_value("crisiswatch/undelivered", 0)
        if reason != "finished" or undelivered:
            self.logger.warning("news: watermarks not advanced (run %s, %s undelivered): the next run re-fetches",
                                reason, undelivered)
            return
        marks = self.next_watermarks()
        if marks != self.watermarks and self.store is not None:
            self.store.save(marks)
        for source, mark in marks.items():
            stats.set_value(f"{STATS}/watermark/{source}", mark.isoformat())


def classify_failure(failure: Failure) -> tuple[str, str]:
    """(stats reason, one-line detail) of a failed request."""
    value = failure.value
    if isinstance(value, HttpError):
        status = value.response.status
        return f"http_{status}", f"HTTP {status}"
    if failure.check(DownloadTimeoutError, twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError):
        limit = getattr(failure, "request", None) and failure.request.meta.get("download_timeout")  # type: ignore[attr-defined]
        return "timeout", f"no answer within {limit:g} s" if limit else f"timed out ({value})"
    if failure.check(CannotResolveHostError, twisted_errors.DNSLookupError):
        return "dns_error", f"cannot resolve host ({value})"
    if failure.check(DownloadConnectionRefusedError, twisted_errors.ConnectError, twisted_errors.ConnectionLost,
                     twisted_errors.ConnectionDone):
        return "connection_error", f"connection failed ({value.__class__.__name__}: {value})"
    if failure.check(ResponseDataLossError):
        return "data_loss", f"response truncated ({value})"
    if failure.check(IgnoreRequest):
        return "forbidden_by_robots", f"not fetched ({value or 'forbidden by robots.txt'})"
    return "download_error", f"{value.__class__.__name__}: {value}"


def to_raw_mention(article: Article, outlet: str) -> RawMention:
    return RawMention(
        source=Source.news,
        source_id=article.source_id or canonical_url(article.url),
        url=article.url,
        title=article.title,
        text=article.text,
        created_at=article.published,
        author_name=article.author,
        extra={"outlet": outlet},
    )
