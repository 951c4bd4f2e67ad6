"""Run `NewsSpider` once in this (fresh) process — Twisted's reactor cannot be restarted, so every crawl in the tests
is its own process: ``python -m tests.crawlers.news.spider_proc CONFIG.json``.

CONFIG: ``{"settings": {Settings fields}, "scrapy": {Scrapy setting overrides}, "out": "<result.json>"}``. The
result holds what passed every pipeline (the delivered mentions), the final stats and the close reason; the log
goes where ``LOG_FILE`` says.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from common.settings import Settings
from crawlers.settings import scrapy_settings
from crawlers.spiders.news import NewsSpider


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    settings = Settings(**config["settings"])
    process = CrawlerProcess(scrapy_settings(settings, **config.get("scrapy", {})))
    crawler = process.create_crawler(NewsSpider)
    items: list[dict[str, Any]] = []
    result: dict[str, Any] = {}

    def scraped(item: Any, response: Any, spider: Any) -> None:
        items.append(json.loads(item.mention.model_dump_json()))

    def closed(spider: object, reason: str) -> None:
        result.update(reason=reason, stats=dict(crawler.stats.get_stats()))

    # signal receivers are weak references: keep them named until the end
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler)
    process.start()
    if "reason" not in result:
        sys.exit("the spider did not run (see the log)")
    result["items"] = items
    Path(config["out"]).write_text(json.dumps(result, default=str, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
