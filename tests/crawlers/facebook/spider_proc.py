"""Run `FacebookSpider` once in this (fresh) process — Twisted's reactor cannot be restarted, so every test run is
its own process: ``python -m tests.crawlers.facebook.spider_proc CONFIG.json``.

CONFIG: ``{"settings": {Settings fields}, "scrapy": {Scrapy setting overrides}, "out": "<result.json>"}``. The
result holds the scraped items (what passed every pipeline), the final stats and the close reason; the log goes
where ``LOG_FILE`` says.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from common.settings import Settings
from crawlers.settings import scrapy_settings
from crawlers.spiders.facebook import FacebookSpider


def _plain(item: Any) -> dict[str, Any]:
    if hasattr(item, "mention"):  # PreparedMention, after the pipelines
        return {"mention": json.loads(item.mention.model_dump_json())}
    return dataclasses.asdict(item)


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    settings = Settings(**config["settings"])
    process = CrawlerProcess(scrapy_settings(settings, **config.get("scrapy", {})))
    crawler = process.create_crawler(FacebookSpider)
    items: list[dict[str, Any]] = []
    result: dict[str, Any] = {}

    def scraped(item: Any, response: Any, spider: Any) -> None:
        items.append(_plain(item))

    crawler.signals.connect(scraped, signal=signals.item_scraped)  # receivers are weak references: keep them named


    def closed(spider: object, reason: str) -> None:
        result["reason"] = reason

    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler)
    process.start()
    if "reason" not in result:
        sys.exit("the spider did not run (see the log)")
    result["items"] = items
    result["stats"] = dict(crawler.stats.get_stats())  # after every spider_closed handler (the spider's too)
    Path(config["out"]).write_text(json.dumps(result, default=str, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
