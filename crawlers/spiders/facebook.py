"""`FacebookSpider` (``facebook``): the configured public pages' feeds, with every post's comments and replies,
from the Graph API; see crawlers/facebook/README.md for the decisions behind it.

Per page: ``GET {graph}/{version}/{page-id}/feed?fields=…&limit=100[&since=<watermark>]``, following
``paging.next`` until it is absent (an empty page with ``next`` is followed); per post with comments:
``GET /{post-id}/comments?filter=stream&order=reverse_chronological&summary=true&fields=…`` with paging. Yields
`RawMention`s (posts without text are skipped and counted). A page's watermark advances only after a complete
run of that page whose mentions were all delivered.

The access token travels only in the ``Authorization: Bearer`` header: it is in no URL (``paging.next`` URLs are
stripped of the ``access_token`` Graph echoes back), so never in Scrapy's logs or stats, and is redacted from
Graph error messages before they are logged.

Scrapy settings (defaults; tests and the demo shorten the waits with ``FACEBOOK_BACKOFF_SCALE``):

- ``FACEBOOK_PAGE_SIZE`` (100): ``limit`` of feed and comments requests.
- ``FACEBOOK_COMMENTS`` (True): fetch comments and replies.
- ``FACEBOOK_MAX_RETRIES`` (3), ``FACEBOOK_RETRY_BASE_S`` (2.0): transient errors (Graph 1/2, 5xx, truncated
  JSON, HTML, timeouts) are retried after 2, 4, 8 s, then the page is left incomplete for this run.
- ``FACEBOOK_MAX_RATE_LIMIT_RETRIES`` (3), ``FACEBOOK_RATE_LIMIT_BASE_S`` (60.0): a rate limit waits
  ``estimated_time_to_regain_access`` minutes when a usage header gives it, else 60, 120, 240 s.
- ``FACEBOOK_MAX_BACKOFF_S`` (600): a longer wait parks the page (``*``: every page, for app-wide limits) until
  then, persisted so later runs skip it instead of calling Graph again.
- ``FACEBOOK_BACKOFF_SCALE`` (1.0): multiplies every wait above (tests: 0.001).
- ``FACEBOOK_LOOKBACK_S`` (0): ask ``since = watermark - lookback`` (re-read recent posts to see reach grow).
- ``FACEBOOK_BACKFILL_DAYS`` (30): a page's first run (no watermark) reads back this many days (0: everything).
- ``FACEBOOK_MAX_FEED_PAGES`` (50), ``FACEBOOK_MAX_COMMENT_PAGES`` (50): pages of 100 read per feed / post and
  run; a repeated ``paging.next`` also ends the paging (loop guard).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from common.settings import Settings, get_settings
from crawlers.config import load_sources
from crawlers.facebook.gate import ALL_PAGES, META_NOT_BEFORE, META_PAGE, Gate, GatePaused
from crawlers.facebook.graph import (
    GraphResult,
    Outcome,
    Page,
    classify,
    comments_url,
    feed_url,
    graph_base,
    parse_comments,
    parse_feed,
    since_filter,
)
from crawlers.facebook.state import FacebookState, load_state, save_state, state_path

STAT = "crisiswatch/facebook"


@dataclass(frozen=True)
class Call:
    """One Graph request of the spider (kept in ``request.meta["fb"]``); the URL never holds the token."""

    page_id: str
    kind: str  # "feed" | "comments"
    url: str
    post_id: str | None = None
    attempt: int = 0  # retries after transient errors / bad responses
    rl_attempt: int = 0  # retries after rate limits
    number: int = 1  # 1 = first page of the feed / of the post's comments

    @property
    def where(self) -> str:
        return f"{self.kind} {urlsplit(self.url).path}"


@dataclass
class PageRun:
    page: Page
    since: int | None  # watermark at the start of the run
    query_since: int | None = None  # what was asked (watermark - lookback, or the backfill horizon)
    seen_next: set[str] = field(default_factory=set)  # feed next URLs already followed (a loop guard)
    pending: int = 0
    feed_done: bool = False  # the last feed page (no paging.next) was read
    failed: bool = False  # a request gave up: incomplete, the watermark stays
    stopped: str | None = None  # "token" | "permission" | "graph_error" | "paused": no more requests this run
    item_errors: int = 0
    skipped_at_start: bool = False  # parked by an earlier run's rate limit
    newest: int | None = None
    posts: int = 0
    comments: int = 0
    skipped: int = 0

    @property
    def complete(self) -> bool:
        return self.feed_done and not self.failed and not self.stopped and not self.item_errors and not self.pending


class FacebookSpider(Spider):
    name = "facebook"
    custom_settings = {
        # An API, not a web site: robots.txt is for crawlers of pages (access is governed by Meta's Platform
        # Terms and the app's permissions); responses are per-token and change on every poll, and a cache would
        # store request headers (the token) on disk.
        "ROBOTSTXT_OBEY": False,
        "HTTPCACHE_ENABLED": False,
        # Graph errors come with 4xx/5xx statuses and a JSON body that says what to do: the spider reads every
        # response and retries by itself (Scrapy's RetryMiddleware would retry rate limits without backing off).
        "HTTPERROR_ALLOW_ALL": True,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
    }

    graph_gate: Gate

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares.setdefault("crawlers.facebook.gate.GraphGateMiddleware", 50)
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FacebookSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        return spider

    def _configure(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.app: Settings = s.get("CRISISWATCH_SETTINGS") or get_settings()
        self.base = graph_base(self.app.facebook_graph_url, self.app.facebook_api_version)
        origin = urlsplit(self.base)
        self._origin = (origin.scheme, origin.netloc)
        token = self.app.facebook_access_token
        self._token = token.get_secret_value() if token is not None else ""
        self.page_size = s.getint("FACEBOOK_PAGE_SIZE", 100)
        self.comments_enabled = s.getbool("FACEBOOK_COMMENTS", True)
        self.max_retries = s.getint("FACEBOOK_MAX_RETRIES", 3)
        self.retry_base_s = s.getfloat("FACEBOOK_RETRY_BASE_S", 2.0)
        self.max_rl_retries = s.getint("FACEBOOK_MAX_RATE_LIMIT_RETRIES", 3)
        self.rl_base_s = s.getfloat("FACEBOOK_RATE_LIMIT_BASE_S", 60.0)
        self.scale = s.getfloat("FACEBOOK_BACKOFF_SCALE", 1.0)
        self.lookback_s = s.getint("FACEBOOK_LOOKBACK_S", 0)
        self.backfill_days = s.getfloat("FACEBOOK_BACKFILL_DAYS", 30)
        self.max_feed_pages = s.getint("FACEBOOK_MAX_FEED_PAGES", 50)
        self.max_comment_pages = s.getint("FACEBOOK_MAX_COMMENT_PAGES", 50)
        self.graph_gate = Gate(max_wait_s=s.getfloat("FACEBOOK_MAX_BACKOFF_S", 600.0))
        self.state_file = state_path(self.app.state_dir)
        self.state: FacebookState | None = None
        self.pages: dict[str, PageRun] = {}
        crawler.signals.connect(self._on_item_error, signal=signals.item_error)

    # -- helpers -----------------------------------------------------------------------------------------------

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def _inc(self, key: str, count: float = 1) -> None:
        self.stats.inc_value(f"{STAT}/{key}", count)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    def _on_origin(self, url: str) -> str:
        """Follow ``paging.next`` on the configured Graph host only: the token is never sent anywhere else."""
        parts = urlsplit(url)
        return urlunsplit(parts._replace(scheme=self._origin[0], netloc=self._origin[1]))

    def _request(self, call: Call, delay_s: float = 0.0) -> Request:
        run = self.pages[call.page_id]
        run.pending += 1
        self._inc(f"requests/{call.kind}")
        meta: dict[str, Any] = {"fb": call, META_PAGE: call.page_id}
        if delay_s > 0:
            meta[META_NOT_BEFORE] = time.monotonic() + delay_s
        return Request(call.url, headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                       callback=self._on_response, errback=self._on_failure, meta=meta, dont_filter=True)

    def _done(self, run: PageRun) -> None:
        run.pending -= 1

    # -- start -------------------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if not self._token:
            self.stats.set_value(f"{STAT}/no_token", 1)
            self.logger.error("facebook: no Graph access token configured (CRISISWATCH_FACEBOOK_ACCESS_TOKEN); "
                              "nothing to crawl")
            return
        pages = load_sources(self.app).facebook.pages
        if not pages:
            self.logger.warning("facebook: no pages configured (facebook.pages in the sources file)")
            return
        self.state = load_state(self.state_file)
        now = time.time()
        for config in pages:
            if config.id in self.pages:
                continue
            run = self.pages[config.id] = PageRun(Page(config.id, config.name, config.own),
                                                        self.state.since.get(config.id))
            paused = self.state.pause_of(config.id, now)
            if paused is not None:
                run.stopped, run.skipped_at_start = "paused", True
                self._inc("pages_paused")
                self.logger.warning("facebook: page %s skipped: Graph rate limit, paused until %s",
                                    run.page.label, _iso(paused))
                continue
            if run.since is not None:
                run.query_since = max(0, run.since - self.lookback_s)
            elif self.backfill_days > 0:
                run.query_since = int(now - self.backfill_days * 86400)
                self.logger.info("facebook: page %s: first run, reading back to %s (FACEBOOK_BACKFILL_DAYS=%g)",
                                 run.page.label, _iso(run.query_since), self.backfill_days)
            yield self._request(Call(config.id, "feed",
                                     feed_url(self.base, config.id, since=run.query_since, limit=self.page_size)))

    # -- responses ---------------------------------------------------------------------------------------------

    def _on_response(self, response: Response) -> Iterator[Any]:
        call: Call = response.meta["fb"]
        run = self.pages[call.page_id]
        try:
            result = classify(response.status, response.body, response.headers)
            if result.outcome is Outcome.ok:
                assert result.payload is not None
                if call.kind == "feed":
                    yield from self._on_feed(call, run, result.payload)
                else:
                    yield from self._on_comments(call, run, result.payload)
            elif not run.stopped:
                yield from self._on_error(call, run, result)
        finally:
            self._done(run)

    def _on_feed(self, call: Call, run: PageRun, payload: dict[str, Any]) -> Iterator[Any]:
        feed = parse_feed(payload, run.page)
        self._count_page(run, len(feed.posts), feed.skipped_no_message, feed.malformed, "posts")
        if feed.newest is not None:
            run.newest = feed.newest if run.newest is None else max(run.newest, feed.newest)
        yield from feed.posts
        if run.stopped:
            return
        if self.comments_enabled:
            for ref in feed.refs:
                if ref.comments == 0:
                    continue
                url = comments_url(self.base, ref.id, since=run.query_since, limit=self.page_size)
                yield self._request(Call(run.page.id, "comments", url, post_id=ref.id))
        if not feed.next_url:
            run.feed_done = True
        elif feed.next_url in run.seen_next:
            run.feed_done = True
            self._inc("paging_loops")
            self.logger.warning("facebook: page %s: %s: paging.next repeats an earlier page; the feed ends here",
                                run.page.label, call.where)
        elif call.number >= self.max_feed_pages:
            run.feed_done = True  # the newest posts were read: the watermark may advance past the rest
            self._inc("feed_page_cap")
            self.logger.warning("facebook: page %s: stopped after %d feed pages (FACEBOOK_MAX_FEED_PAGES); older "
                                "posts are skipped", run.page.label, call.number)
        else:
            run.seen_next.add(feed.next_url)
            self._inc("feed_pages_followed")
            yield self._request(Call(run.page.id, "feed", self._on_origin(feed.next_url), number=call.number + 1))

    def _on_comments(self, call: Call, run: PageRun, payload: dict[str, Any]) -> Iterator[Any]:
        assert call.post_id is not None
        page = parse_comments(payload, call.post_id, run.page)
        # Re-check `since` locally only when it comes from a watermark (the first run's backfill horizon is a bound
        # on the requests, not a filter: a post inside it cannot have older comments).
        comments, older_pages_matter = since_filter(page, run.query_since if run.since is not None else None)
        self._inc("comments_before_since", len(page.comments) - len(comments))
        self._count_page(run, len(comments), page.skipped_no_message, page.malformed, "comments")
        self._inc("replies", sum(1 for c in comments if c.extra.get("kind") == "reply"))
        yield from comments
        if run.stopped or not page.next_url or not older_pages_matter:
            return
        next_url = self._on_origin(page.next_url)
        if next_url == call.url:
            self._inc("paging_loops")
            self.logger.warning("facebook: page %s: %s: paging.next repeats the page; comments end here",
                                run.page.label, call.where)
        elif call.number >= self.max_comment_pages:
            self._inc("comment_page_cap")
            self.logger.warning("facebook: page %s: %s: stopped after %d pages of comments "
                                "(FACEBOOK_MAX_COMMENT_PAGES)", run.page.label, call.where, call.number)
        else:
            self._inc("comment_pages_followed")
            yield self._request(replace(call, url=next_url, attempt=0, rl_attempt=0, number=call.number + 1))

    def _count_page(self, run: PageRun, yielded: int, skipped: int, malformed: int, what: str) -> None:
        if what == "posts":
            run.posts += yielded
        else:
            run.comments += yielded
        run.skipped += skipped
        self._inc(what, yielded)
        self._inc("skipped_no_message", skipped)
        if malformed:
            self._inc("malformed_items", malformed)
            self.logger.warning("facebook: page %s: %d malformed %s (no id or time) skipped",
                                run.page.label, malformed, what)

    # -- errors ------------------------------------------------------------------------------------------------

    def _on_error(self, call: Call, run: PageRun, result: GraphResult) -> Iterator[Request]:
        what = self._redact(result.describe())
        if result.outcome is Outcome.rate_limited:
            yield from self._rate_limited(call, run, result, what)
        elif result.outcome is Outcome.transient:
            self._inc("transient")
            yield from self._retry(call, run, what)
        elif result.outcome is Outcome.bad_response:
            self._inc("bad_response")
            self._inc(f"bad_response/{result.kind}")
            yield from self._retry(call, run, what)
        elif result.outcome is Outcome.token:
            self._stop(run, "token", "token_rejected",
                       f"facebook: page {run.page.label}: Graph rejected the access token ({what}); this page is "
                       f"stopped for this run, other pages go on. Renew CRISISWATCH_FACEBOOK_ACCESS_TOKEN.")
        elif call.kind == "comments":
            # A post whose comments cannot be read (deleted since, restricted) says nothing about the page.
            self._inc("comments_unavailable")
            self.logger.warning("facebook: page %s: %s: comments unavailable (%s); skipped, the page goes on",
                                run.page.label, call.where, what)
        elif result.outcome is Outcome.permission:
            self._stop(run, "permission", "permission_denied",
                       f"facebook: page {run.page.label}: no permission to read this page ({what}); this page is "
                       f"stopped. The app needs pages_read_engagement on a page it manages, or the Page Public "
                       f"Content Access feature for a public page.")
        else:
            self._stop(run, "graph_error", "graph_error",
                       f"facebook: page {run.page.label}: Graph refused the feed request ({what}); this page is "
                       f"stopped. Check the page id in the sources file.")

    def _stop(self, run: PageRun, reason: str, counter: str, message: str) -> None:
        run.stopped = reason
        self._inc(counter)
        self.logger.error(message)

    def _retry(self, call: Call, run: PageRun, what: str) -> Iterator[Request]:
        attempt = call.attempt + 1
        if attempt > self.max_retries:
            run.failed = True
            self._inc("gave_up")
            self.logger.error("facebook: page %s: %s: %s; gave up after %d retries: the page is incomplete for "
                              "this run and keeps its watermark", run.page.label, call.where, what, self.max_retries)
            return
        delay = self.retry_base_s * 2 ** (attempt - 1) * self.scale
        self._inc("retries")
        self.logger.warning("facebook: page %s: %s: %s; retry %d/%d in %.1f s",
                            run.page.label, call.where, what, attempt, self.max_retries, delay)
        yield self._request(replace(call, attempt=attempt), delay_s=delay)

    def _rate_limited(self, call: Call, run: PageRun, result: GraphResult, what: str) -> Iterator[Request]:
        self._inc("rate_limited")
        self._inc(f"rate_limited/{result.code}")
        attempt = call.rl_attempt + 1
        if result.wait_s:
            wait = result.wait_s
            why = f"{result.wait_source} estimated_time_to_regain_access {result.wait_s / 60:g} min"
        else:
            wait = self.rl_base_s * 2 ** (attempt - 1)
            why = f"no estimate in the usage headers, back-off step {attempt}"
        wait *= self.scale
        key = ALL_PAGES if result.scope == "app" else run.page.id
        who = "every page" if key == ALL_PAGES else "this page"
        usage = f", usage {result.usage_pct}%" if result.usage_pct is not None else ""
        self.graph_gate.hold(key, wait)
        if attempt > self.max_rl_retries:
            run.failed = True
            self._inc("gave_up")
            self.logger.error("facebook: page %s: %s: rate limited by Graph (%s%s) %d times in a row; gave up: the "
                              "page is incomplete for this run and keeps its watermark", run.page.label, call.where,
                              what, usage, attempt)
            return
        if wait > self.graph_gate.max_wait_s:
            until = int(time.time() + wait)
            if self.state is not None:
                self.state.paused_until[key] = max(self.state.paused_until.get(key, 0), until)
            for other in self.pages.values() if key == ALL_PAGES else [run]:
                other.stopped = other.stopped or "paused"
            self._inc("pages_paused")
            self.logger.warning("facebook: page %s: %s: rate limited by Graph (%s%s); %s paused until %s (%s): "
                                "skipped for this run", run.page.label, call.where, what, usage, who, _iso(until), why)
            return
        self._inc("backoff_s", round(wait, 3))
        self.logger.warning("facebook: page %s: %s: rate limited by Graph (%s%s); %s waits %.1f s (%s), "
                            "retry %d/%d", run.page.label, call.where, what, usage, who, wait, why, attempt,
                            self.max_rl_retries)
        yield self._request(replace(call, rl_attempt=attempt))

    def _on_failure(self, failure: Failure) -> Iterator[Request]:
        request = failure.request  # type: ignore[attr-defined]
        call: Call | None = request.meta.get("fb")
        if call is None or call.page_id not in self.pages:
            return
        run = self.pages[call.page_id]
        try:
            if failure.check(GatePaused):
                run.stopped = run.stopped or "paused"
                return
            if run.stopped:
                return
            name = type(failure.value).__name__
            kind = "timeout" if "Timeout" in name or "TimedOut" in name else "network"
            self._inc("bad_response")
            self._inc(f"bad_response/{kind}")
            yield from self._retry(call, run, self._redact(f"{kind} ({name}: {failure.getErrorMessage()})"))
        finally:
            self._done(run)

    def _on_item_error(self, item: Any, response: Response | None, spider: Spider, failure: Failure) -> None:
        """A pipeline failed on an item: its page must be fetched again, so its watermark stays."""
        call = response.meta.get("fb") if response is not None else None
        page_id = getattr(item, "extra", {}).get("page_id") or (call.page_id if call else None)
        for run in self.pages.values():
            if page_id is None or run.page.id == page_id:
                run.item_errors += 1

    # -- close -------------------------------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        if self.state is None:
            return
        undelivered = self.stats.get_value("crisiswatch/undelivered") or 0
        advance = reason == "finished" and not undelivered
        if not advance:
            self.logger.warning("facebook: watermarks not advanced (%s)",
                                f"{undelivered} mentions undelivered" if undelivered else f"run {reason}")
        for run in self.pages.values():
            if run.skipped_at_start:
                continue
            why = run.stopped or ("gave up" if run.failed else "pipeline errors" if run.item_errors else "not finished")
            status = f"incomplete ({why}), watermark kept"
            if run.complete:
                self._inc("pages_complete")
                status = "complete"
                if advance and run.newest is not None and (run.since is None or run.newest > run.since):
                    self.state.since[run.page.id] = run.newest
                    status += f", watermark → {_iso(run.newest)}"
                elif run.since is not None:
                    status += f", watermark stays {_iso(run.since)}"
            else:
                self._inc("pages_incomplete")
            self.logger.info("facebook: page %s: %d posts, %d comments and replies, %d without text skipped; %s",
                             run.page.label, run.posts, run.comments, run.skipped, status)
        save_state(self.state_file, self.state)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
