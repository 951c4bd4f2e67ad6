"""Scrapy's item log lines must never carry the unmasked text of a raw item (Decree 13/2023)."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from common.settings import Settings
from crawlers.items import RawMention
from crawlers.logformatter import RedactingLogFormatter
from crawlers.spiders.news import NewsSpider

SECRET = "Gọi ngay 0912 345 678, CCCD 079123456789 để cập nhật"


def test_dropped_scraped_and_error_lines_name_the_item_without_its_text(tmp_path):
    crawler = get_crawler(NewsSpider, {"CRISISWATCH_SETTINGS": Settings(state_dir=tmp_path),
                                       "LOG_FORMATTER": "crawlers.logformatter.RedactingLogFormatter"})
    spider = NewsSpider.from_crawler(crawler)
    formatter = RedactingLogFormatter.from_crawler(crawler)
    item = RawMention(source="news", source_id="https://vnexpress.net/a-1.html", text=SECRET,
                      created_at=datetime(2025, 7, 1, tzinfo=UTC))
    lines = [formatter.dropped(item, DropItem("not relevant"), None, spider),
             formatter.scraped(item, None, spider),
             formatter.item_error(item, ValueError("boom"), None, spider)]
    for line in lines:
        text = line["msg"] % line["args"]
        assert "0912 345 678" not in text and "079123456789" not in text
        assert "news:https://vnexpress.net/a-1.html" in text
