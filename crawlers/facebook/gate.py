"""Rate-limit back-off for Graph requests: a `Gate` of "not before" times (per page, or ``*`` for every page)
and the downloader middleware that holds each Graph request until its page may be called again.

Holding requests in a downloader middleware (instead of sleeping in a callback) also holds the requests that
were already queued when Graph said "slow down", so a rate limit never turns into a burst of failing calls.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import sleep

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

ALL_PAGES = "*"
META_PAGE = "fb_page_id"  # request meta: the page a Graph request belongs to
META_NOT_BEFORE = "fb_not_before"  # request meta: monotonic time before which this request must not go out


class GatePaused(IgnoreRequest):
    """The request's page is parked for longer than the spider waits in one run."""


class Gate:
    def __init__(self, max_wait_s: float) -> None:
        self.max_wait_s = max_wait_s
        self._not_before: dict[str, float] = {}

    def hold(self, key: str, seconds: float) -> None:
        """No request of page `key` (``*``: of any page) before `seconds` from now."""
        until = time.monotonic() + seconds
        self._not_before[key] = max(self._not_before.get(key, 0.0), until)

    def remaining(self, page_id: str, not_before: float = 0.0) -> float:
        until = max(self._not_before.get(ALL_PAGES, 0.0), self._not_before.get(page_id, 0.0), not_before)
        return until - time.monotonic()


class GraphGateMiddleware:
    """Downloader middleware (enabled by `FacebookSpider.custom_settings`): waits out the spider's `Gate`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GraphGateMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        page_id = request.meta.get(META_PAGE)
        gate: Gate | None = getattr(self.crawler.spider, "graph_gate", None)
        if page_id is None or gate is None:
            return None
        while (wait := gate.remaining(page_id, request.meta.get(META_NOT_BEFORE, 0.0))) > 0:
            if wait > gate.max_wait_s:
                raise GatePaused(f"page {page_id} is paused by a Graph rate limit for {wait:.0f} s")
            await sleep(wait)
        return None
