"""Item pipelines, in order (see `crawlers.settings.ITEM_PIPELINES`):

normalize (PII masked) → relevance watchlist → dedupe by mention id (persistent) → near-duplicate cluster → Kafka.

Every pipeline is built `from_crawler` and counts what it does in the crawl stats (`crisiswatch/...`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from common.bus import BusProducer, UndeliveredError
from common.schema import Mention
from common.settings import Settings
from crawlers.config import load_sources
from crawlers.items import RawMention
from crawlers.processing import CrawlState, MentionBuilder, Watchlist

log = logging.getLogger(__name__)


@dataclass
class PreparedMention:
    """A mention ready to leave the crawler, with the analyzer tokens the watchlist and clustering use."""

    mention: Mention
    tokens: tuple[str, ...]
    skip_watchlist: bool = False


def app_settings(crawler: Crawler) -> Settings:
    return crawler.settings["CRISISWATCH_SETTINGS"]


def crawl_state(crawler: Crawler) -> CrawlState:
    """One `CrawlState` per crawler process, shared by the dedupe, cluster and Kafka pipelines."""
    settings = app_settings(crawler)
    state = _STATES.get(settings.state_dir)
    if state is None:
        state = _STATES[settings.state_dir] = CrawlState(settings.state_dir / "crawl.sqlite")
    return state


_STATES: dict[object, CrawlState] = {}


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.builder = MentionBuilder(app_settings(crawler).pii_key())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(crawler)

    def process_item(self, item: RawMention) -> PreparedMention:
        mention, tokens = self.builder.build(item)
        self.stats.inc_value("crisiswatch/normalized")
        return PreparedMention(mention, tokens, item.skip_watchlist)


class WatchlistPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.watchlist = Watchlist(load_sources(app_settings(crawler)).watchlist)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WatchlistPipeline:
        return cls(crawler)

    def process_item(self, item: PreparedMention) -> PreparedMention:
        if item.skip_watchlist or self.watchlist.matches(item.tokens):
            return item
        self.stats.inc_value("crisiswatch/watchlist_dropped")
        raise DropItem(f"not relevant (watchlist): {item.mention.url or item.mention.source_id}")


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.state = crawl_state(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: PreparedMention) -> PreparedMention:
        if self.state.is_news(item.mention):
            return item
        self.stats.inc_value("crisiswatch/duplicates_dropped")
        raise DropItem(f"already delivered: {item.mention.id}")


class NearDuplicatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.state = crawl_state(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicatePipeline:
        return cls(crawler)

    def process_item(self, item: PreparedMention) -> PreparedMention:
        cluster_id = self.state.cluster_of(item.mention.id, item.tokens)
        if cluster_id != item.mention.id:
            self.stats.inc_value("crisiswatch/near_duplicates")
        item.mention = item.mention.model_copy(update={"cluster_id": cluster_id})
        return item


class KafkaPipeline:
    """Produce to `mentions.raw` (key = mention id). Delivered mentions are recorded for dedupe only once the
    broker acknowledged them; on close everything is flushed and the crawl fails loudly if anything was not."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.settings = app_settings(crawler)
        self.state = crawl_state(crawler)
        self.producer: BusProducer | None = None
        self._acked: list[Mention] = []
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KafkaPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.producer = BusProducer(self.settings, client_id=f"crawler-{self.crawler.spider.name}")

    def _on_ack(self, mention: Mention) -> None:
        with self._lock:
            self._acked.append(mention)

    def _record_acked(self) -> None:
        with self._lock:
            acked, self._acked = self._acked, []
        if acked:
            self.state.mark_delivered(acked)
            self.stats.inc_value("crisiswatch/delivered", len(acked))

    def process_item(self, item: PreparedMention) -> PreparedMention:
        assert self.producer is not None
        mention = item.mention
        future = self.producer.send(self.settings.topic_raw, mention.id, mention.model_dump_json().encode())
        future.add_callback(lambda _metadata: self._on_ack(mention))
        self.stats.inc_value("crisiswatch/sent")
        if len(self._acked) >= 500:
            self._record_acked()
        return item

    def close_spider(self) -> None:
        assert self.producer is not None
        try:
            self.producer.close()
        except UndeliveredError as error:
            self.stats.set_value("crisiswatch/undelivered", len(error.failed) + error.pending)
            log.error("crawl %s FAILED: %s", self.crawler.spider.name, error)
            raise
        finally:
            self._record_acked()
