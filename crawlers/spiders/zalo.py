"""`zalo`: backfill of the messages people sent to the agency's Zalo Official Account, through the OA pull API.

The webhook (`crawlers.zalo.webhook`) is the primary, real-time path; this spider is the safety net for a webhook
outage (Zalo gives up on a failing webhook after hours). It yields the SAME `RawMention` as the webhook for a
message (id = hash("zalo", msg_id), `skip_watchlist=True`), so the pipelines' persistent dedupe keeps one mention.

- ``GET {zalo_openapi_url}/v2.0/oa/listrecentchat?data={"offset":N,"count":10}`` (count ≤ 10), header
  ``access_token``: the last message of each recent conversation, newest first; paged by offset while a page is
  full, newer than the watermark and within `max_conversations`.
- ``GET /v2.0/oa/conversation?data={"user_id":U,"offset":N,"count":10}`` for each user seen: that user's messages,
  newest first, paged the same way up to `max_messages_per_user`.
- Messages with ``src`` 1 (from the user) and ``type`` text become mentions; the OA's own (``src`` 0) are skipped.
- Errors come as HTTP 200 with ``{"error": <code>, "message": …}``. -216 (invalid/expired access token): refresh the
  token once (`crawlers.zalo.token.TokenStore`) and retry the request; -216 again → the crawl stops with
  ``finish_reason = zalo_token_invalid`` and a clear log line. Any other code: one log line, counter
  ``crisiswatch/zalo/api_error_<code>``, and the crawl goes on.
- Watermark: the newest message time delivered, in ``state_dir/watermarks/zalo.json``; a run reads back to one hour
  before it (first run: no time limit, or `first_run_lookback_days` if > 0; always bounded by `max_conversations`
  and `max_messages_per_user`). It moves only when the run finished with everything
  acknowledged by Kafka.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response

from common.settings import Settings
from crawlers.config import load_sources
from crawlers.zalo.events import EventError, backfill_to_raw_mention, ms_to_datetime
from crawlers.zalo.token import TokenError, TokenStore, write_atomic

log = logging.getLogger(__name__)

STATS = "crisiswatch/zalo"
PAGE_SIZE = 10  # the API's maximum `count`
INVALID_TOKEN = -216
WATERMARK_OVERLAP = timedelta(hours=1)


def api_url(base: str, path: str, data: dict[str, Any]) -> str:
    """``{base}{path}?data=<compact JSON>`` (the form the recordings' manifest matches)."""
    return f"{base.rstrip('/')}{path}?data={quote(json.dumps(data, separators=(',', ':')))}"


def _user_id_param(user_id: str) -> int | str:
    # Zalo's examples send the user id as a JSON number; Python ints are exact, so no precision is lost.
    return int(user_id) if user_id.isdigit() else user_id


class ZaloSpider(scrapy.Spider):
    name = "zalo"
    custom_settings = {
        # An authenticated JSON API, not web pages: robots.txt does not apply, and responses (private messages,
        # per-token) must never be written to the HTTP cache on disk.
        "ROBOTSTXT_OBEY": False,
        "HTTPCACHE_ENABLED": False,
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",
    }

    def __init__(self, *args: Any, max_conversations: int | str = 50, max_messages_per_user: int | str = 50,
                 first_run_lookback_days: int | str = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_conversations = int(max_conversations)
        self.max_messages_per_user = int(max_messages_per_user)
        days = int(first_run_lookback_days)
        self.first_run_lookback = timedelta(days=days) if days > 0 else None
        self.app_settings: Settings | None = None
        self.tokens: TokenStore | None = None
        self.oa_id: str | None = None
        # Messages older than this are not yielded; None (first run, no lookback limit): everything the API
        # returns within max_conversations × max_messages_per_user.
        self.cutoff: datetime | None = (datetime.now(UTC) - self.first_run_lookback) if self.first_run_lookback \
            else None
        self.newest_ms: int | None = None  # newest message time yielded this run
        self.users_seen: set[str] = set()
        self.yielded: set[str] = set()  # message ids yielded this run (listrecentchat repeats each last message)
        self._refresh_lock: asyncio.Lock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ZaloSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings: Settings = crawler.settings["CRISISWATCH_SETTINGS"]
        spider.app_settings = settings
        spider.tokens = TokenStore(settings)
        spider.oa_id = load_sources(settings).zalo.oa_id
        watermark = spider._load_watermark()
        if watermark is not None:
            spider.cutoff = watermark - WATERMARK_OVERLAP
        return spider

    # -- watermark -----------------------------------------------------------------------------------------------

    @property
    def watermark_path(self):  # type: ignore[no-untyped-def]
        assert self.app_settings is not None
        return self.app_settings.state_dir / "watermarks" / "zalo.json"

    def _load_watermark(self) -> datetime | None:
        try:
            data = json.loads(self.watermark_path.read_text(encoding="utf-8"))
            return ms_to_datetime(int(data["newest_ms"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            self.logger.warning("zalo: unreadable watermark %s; reading back as on a first run", self.watermark_path)
            return None

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        if reason != "finished" or stats.get_value("crisiswatch/undelivered") or self.newest_ms is None:
            return
        old = self._load_watermark()
        if old is not None and int(old.timestamp() * 1000) >= self.newest_ms:
            return
        write_atomic(self.watermark_path, json.dumps({"newest_ms": self.newest_ms}).encode(), mode=0o644)

    # -- requests ------------------------------------------------------------------------------------------------

    def _request(self, path: str, data: dict[str, Any], callback: Any, access_token: str,
                 meta: dict[str, Any] | None = None) -> Request:
        assert self.app_settings is not None
        return Request(
            api_url(self.app_settings.zalo_openapi_url, path, data),
            headers={"access_token": access_token, "Accept": "application/json"},
            callback=callback,
            meta={"zalo_path": path, "zalo_data": data, **(meta or {})},
            dont_filter=True,
        )

    def _recent(self, offset: int, access_token: str) -> Request:
        return self._request("/v2.0/oa/listrecentchat", {"offset": offset, "count": PAGE_SIZE}, self.parse_recent,
                             access_token)

    def _conversation(self, user_id: str, offset: int, access_token: str) -> Request:
        return self._request("/v2.0/oa/conversation",
                             {"user_id": _user_id_param(user_id), "offset": offset, "count": PAGE_SIZE},
                             self.parse_conversation, access_token, {"zalo_user": user_id})

    async def start(self) -> AsyncIterator[Any]:
        assert self.tokens is not None
        try:
            token = await asyncio.to_thread(self.tokens.access_token)
        except TokenError as error:
            self.logger.error("zalo backfill cannot start: %s", error)
            self.crawler.stats.inc_value(f"{STATS}/token_error")
            raise CloseSpider("zalo_token_error") from None
        self.logger.info("zalo backfill: messages newer than %s",
                         self.cutoff.isoformat(timespec="seconds") if self.cutoff else "any time (first run)")
        yield self._recent(0, token)

    # -- responses -----------------------------------------------------------------------------------------------

    async def _checked(self, response: Response) -> tuple[list[dict[str, Any]] | None, Request | None]:
        """(messages, None) for a good page; (None, retry request) after a token refresh; (None, None) for an
        error that was counted and logged."""
        stats = self.crawler.stats
        path = response.meta["zalo_path"]
        try:
            body = json.loads(response.body)
        except ValueError:
            stats.inc_value(f"{STATS}/bad_response")
            self.logger.warning("zalo %s: answer is not JSON (HTTP %s)", path, response.status)
            return None, None
        if not isinstance(body, dict):
            stats.inc_value(f"{STATS}/bad_response")
            self.logger.warning("zalo %s: answer is not a JSON object", path)
            return None, None
        code = body.get("error", 0)
        try:
            code = int(code) if code is not None else 0
        except (TypeError, ValueError):
            pass  # an unexpected code is reported as it is
        if code == INVALID_TOKEN:
            return None, await self._after_invalid_token(response, body)
        if code != 0:
            stats.inc_value(f"{STATS}/api_error_{code}")
            self.logger.warning("zalo %s: API error %s: %s (data=%s)", path, code,
                                str(body.get("message", ""))[:200], json.dumps(response.meta["zalo_data"]))
            return None, None
        data = body.get("data")
        if data is None:
            data = []
        if not isinstance(data, list):
            stats.inc_value(f"{STATS}/bad_response")
            self.logger.warning("zalo %s: 'data' is %s, expected a list", path, type(data).__name__)
            return None, None
        stats.inc_value(f"{STATS}/pages")
        return [m for m in data if isinstance(m, dict)], None

    async def _after_invalid_token(self, response: Response, body: dict[str, Any]) -> Request:
        assert self.tokens is not None
        stats = self.crawler.stats
        stats.inc_value(f"{STATS}/api_error_{INVALID_TOKEN}")
        if response.meta.get("zalo_token_refreshed"):
            self.logger.error(
                "zalo: the API still rejects the access token right after a refresh (error %s: %s). Check that "
                "zalo_app_id is the app the OA authorized and that the authorization was not revoked; then store a "
                "new refresh token with `crisiswatch zalo-token --set`. Backfill stopped.",
                INVALID_TOKEN, str(body.get("message", ""))[:200])
            raise CloseSpider("zalo_token_invalid")
        if self._refresh_lock is None:
            self._refresh_lock = asyncio.Lock()
        rejected = (response.request.headers.get("access_token") or b"").decode()
        async with self._refresh_lock:  # concurrent -216s refresh once
            try:
                token = await asyncio.to_thread(self.tokens.refresh, rejected)
            except TokenError as error:
                self.logger.error("zalo: access token rejected (-216) and the refresh failed: %s. Backfill stopped.",
                                  error)
                stats.inc_value(f"{STATS}/token_error")
                raise CloseSpider("zalo_token_error") from None
        stats.inc_value(f"{STATS}/token_refreshed")
        self.logger.info("zalo: access token was rejected (-216); refreshed it, retrying %s", response.meta["zalo_path"])
        headers = response.request.headers.copy()
        headers["access_token"] = token.access_token
        return response.request.replace(headers=headers, meta={**response.meta, "zalo_token_refreshed": True})

    def _is_own(self, message: dict[str, Any]) -> bool:
        return str(message.get("src")) == "0" or (self.oa_id is not None and str(message.get("from_id")) == self.oa_id)

    def _items(self, messages: list[dict[str, Any]]) -> list[Any]:
        stats = self.crawler.stats
        items = []
        for message in messages:
            if self._is_own(message):
                stats.inc_value(f"{STATS}/own_messages_skipped")
                continue
            if message.get("type") != "text" or not str(message.get("message") or "").strip():
                stats.inc_value(f"{STATS}/non_text_skipped")
                continue
            try:
                item = backfill_to_raw_mention(message)
            except EventError as error:
                stats.inc_value(f"{STATS}/bad_message")
                self.logger.warning("zalo: skipped a malformed message: %s", error)
                continue
            if self.cutoff is not None and item.created_at < self.cutoff:
                continue
            if item.source_id in self.yielded:
                continue
            self.yielded.add(item.source_id)
            stamp = int(item.created_at.timestamp() * 1000)
            self.newest_ms = max(self.newest_ms or 0, stamp)
            stats.inc_value(f"{STATS}/messages")
            items.append(item)
        return items

    def _page_continues(self, messages: list[dict[str, Any]]) -> bool:
        """A full page whose oldest message is still newer than the cutoff: there may be more."""
        if len(messages) < PAGE_SIZE:
            return False
        times = [int(m["time"]) for m in messages if str(m.get("time", "")).isdigit()]
        return bool(times) and (self.cutoff is None or ms_to_datetime(min(times)) >= self.cutoff)

    async def parse_recent(self, response: Response) -> AsyncIterator[Any]:
        messages, retry = await self._checked(response)
        if retry is not None:
            yield retry
            return
        if messages is None:
            return
        token = (response.request.headers.get("access_token") or b"").decode()
        for item in self._items(messages):
            yield item
        for message in messages:
            user = message.get("to_id") if self._is_own(message) else message.get("from_id")
            if user is None or isinstance(user, bool):
                continue
            user = str(user)
            when = message.get("time")
            if self.cutoff is not None and str(when).isdigit() and ms_to_datetime(int(when)) < self.cutoff:
                continue  # the conversation's last message is older than the cutoff: nothing new in it
            if user not in self.users_seen:
                self.users_seen.add(user)
                self.crawler.stats.inc_value(f"{STATS}/conversations")
                yield self._conversation(user, 0, token)
        offset = response.meta["zalo_data"]["offset"] + PAGE_SIZE
        if self._page_continues(messages) and offset < self.max_conversations:
            yield self._recent(offset, token)

    async def parse_conversation(self, response: Response) -> AsyncIterator[Any]:
        messages, retry = await self._checked(response)
        if retry is not None:
            yield retry
            return
        if messages is None:
            return
        for item in self._items(messages):
            yield item
        offset = response.meta["zalo_data"]["offset"] + PAGE_SIZE
        if self._page_continues(messages) and offset < self.max_messages_per_user:
            token = (response.request.headers.get("access_token") or b"").decode()
            yield self._conversation(response.meta["zalo_user"], offset, token)


def run_backfill(settings: Settings, *, install_root_handler: bool = True, **spider_kwargs: Any) -> dict[str, Any]:
    """Run the spider once through the crawler pipelines (blocking; starts a Twisted reactor, so call it in a
    process that has not run one; `crisiswatch crawl --source zalo` runs it on its interval instead). Returns the
    crawl stats."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import scrapy_settings

    process = CrawlerProcess(scrapy_settings(settings, LOG_INSTALL_ROOT_HANDLER=install_root_handler))
    crawler = process.create_crawler(ZaloSpider)
    process.crawl(crawler, **spider_kwargs)
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}
