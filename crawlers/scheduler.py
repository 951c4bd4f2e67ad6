"""`crisiswatch crawl`: every source on its own interval in one Scrapy process, health per source.

A source that fails (an exception, undelivered records, a closed-by-error spider) is logged and tried again at its
next interval; the others go on. Health (last start, last success, items delivered, errors) is written to
`state_dir/crawl-health.json` after every run so `crisiswatch crawl --status` and the dashboard can show it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from scrapy.utils.reactor import install_reactor

from common.settings import Settings
from crawlers.config import Sources, load_sources
from crawlers.settings import scrapy_settings

log = logging.getLogger(__name__)

SPIDERS = {
    "news": "crawlers.spiders.news.NewsSpider",
    "facebook": "crawlers.spiders.facebook.FacebookSpider",
    "zalo": "crawlers.spiders.zalo.ZaloSpider",
}


@dataclass
class SourceHealth:
    source: str
    interval_s: int
    runs: int = 0
    failures: int = 0
    last_start: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_items: int = 0
    total_items: int = 0
    last_dropped: int = 0

    @property
    def status(self) -> str:
        if self.runs == 0:
            return "waiting"
        return "ok" if self.last_error is None else "failing"


def enabled_sources(sources: Sources, settings: Settings) -> dict[str, int]:
    """source → interval (s) for every source that is configured."""
    enabled: dict[str, int] = {}
    if sources.news.outlets or sources.news.listings:
        enabled["news"] = sources.news.interval_s
    if sources.facebook.pages and settings.facebook_access_token is not None:
        enabled["facebook"] = sources.facebook.interval_s
    if sources.zalo.oa_id and settings.zalo_app_id:
        enabled["zalo"] = sources.zalo.backfill_interval_s
    return enabled


def health_path(settings: Settings) -> Path:
    return settings.state_dir / "crawl-health.json"


def read_health(settings: Settings) -> list[SourceHealth]:
    path = health_path(settings)
    if not path.exists():
        return []
    return [SourceHealth(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def _write_health(settings: Settings, health: dict[str, SourceHealth]) -> None:
    path = health_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as handle:
        json.dump([asdict(h) for h in health.values()], handle, ensure_ascii=False, indent=1)
    os.replace(handle.name, path)


def _spider_class(source: str) -> type:
    module, _, name = SPIDERS[source].rpartition(".")
    return getattr(import_module(module), name)


def run_crawls(settings: Settings, only: list[str] | None = None, once: bool = False,
               on_update: Any = None) -> dict[str, SourceHealth]:
    """Run the configured sources (all, or `only`) until stopped (Ctrl-C / SIGTERM), or each once with `once`.
    Returns the health of each source."""
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor
    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.log import configure_logging

    sources = load_sources(settings)
    intervals = enabled_sources(sources, settings)
    if only:
        unknown = set(only) - set(SPIDERS)
        if unknown:
            raise ValueError(f"unknown source(s) {sorted(unknown)}; known: {sorted(SPIDERS)}")
        intervals = {name: interval for name, interval in intervals.items() if name in only}
    if not intervals:
        raise ValueError("no source is configured (see the sources file and the Facebook/Zalo settings)")
    configure_logging(install_root_handler=True)
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    runner = CrawlerRunner(scrapy_settings(settings))
    health = {name: SourceHealth(name, interval) for name, interval in intervals.items()}
    remaining = set(intervals)

    def finished(name: str, crawler: Any, error: Exception | None) -> None:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        state = health[name]
        state.runs += 1
        undelivered = stats.get("crisiswatch/undelivered", 0)
        reason = stats.get("finish_reason")
        if error is None and undelivered:
            error = RuntimeError(f"{undelivered} mention(s) not acknowledged by Kafka")
        if error is None and reason not in (None, "finished"):
            error = RuntimeError(f"spider closed: {reason}")
        requests, responses = stats.get("downloader/request_count", 0), stats.get("downloader/response_count", 0)
        if error is None and requests and not responses:
            exceptions = sorted(k.rpartition("/")[2] for k in stats if k.startswith("downloader/exception_type_count/"))
            error = RuntimeError(f"source unreachable: {requests} request(s), no answer ({', '.join(exceptions)})")
        state.last_items = stats.get("crisiswatch/delivered", 0)
        state.total_items += state.last_items
        state.last_dropped = stats.get("crisiswatch/watchlist_dropped", 0)
        if error is None:
            state.last_success = datetime.now(UTC).isoformat(timespec="seconds")
            state.last_error = None
        else:
            state.failures += 1
            state.last_error = str(error)[:500]
            log.error("crawl of %s failed: %s", name, error)
        _write_health(settings, health)
        if on_update is not None:
            on_update(list(health.values()))
        if once:
            remaining.discard(name)
            if not remaining:
                reactor.stop()
        else:
            reactor.callLater(intervals[name], start, name)

    def start(name: str) -> None:
        health[name].last_start = datetime.now(UTC).isoformat(timespec="seconds")
        crawler = runner.create_crawler(_spider_class(name))
        deferred = runner.crawl(crawler)
        deferred.addCallbacks(lambda _: finished(name, crawler, None),
                              lambda failure: finished(name, crawler, failure.value))

    def shutdown() -> None:
        # Let running spiders close (their Kafka pipeline flushes) before the reactor stops.
        stopping = runner.stop()
        stopping.addBoth(lambda _: reactor.stop() if reactor.running else None)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping crawls after their current requests", signum)
        reactor.callFromThread(shutdown)

    for name in intervals:
        reactor.callWhenRunning(start, name)
    _write_health(settings, health)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return health
