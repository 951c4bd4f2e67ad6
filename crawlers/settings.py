"""Scrapy settings of every crisiswatch spider (the project layer; spiders add `custom_settings`)."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings as ScrapySettings

from common.settings import Settings

BOT_NAME = "crisiswatch"
SPIDER_MODULES = ["crawlers.spiders"]

# Polite by default: robots.txt, one request at a time per site, AutoThrottle, conditional GETs.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"  # ETag / Last-Modified revalidation
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False
LOG_FORMATTER = "crawlers.logformatter.RedactingLogFormatter"  # items hold unmasked text: never log them
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "crawlers.pipelines.NormalizePipeline": 100,
    "crawlers.pipelines.WatchlistPipeline": 200,
    "crawlers.pipelines.DedupePipeline": 300,
    "crawlers.pipelines.NearDuplicatePipeline": 400,
    "crawlers.pipelines.KafkaPipeline": 500,
}


def scrapy_settings(settings: Settings, **overrides: Any) -> ScrapySettings:
    """This module's settings plus what comes from the crisiswatch settings (user agent, state paths)."""
    scrapy = ScrapySettings()
    scrapy.setmodule(__name__, priority="project")
    scrapy.set("USER_AGENT", settings.crawl_user_agent, priority="project")
    scrapy.set("DOWNLOAD_TIMEOUT", settings.crawl_download_timeout_s, priority="project")
    scrapy.set("CONCURRENT_REQUESTS_PER_DOMAIN", settings.crawl_concurrency_per_domain, priority="project")
    scrapy.set("HTTPCACHE_DIR", str((settings.state_dir / "httpcache").resolve()), priority="project")
    scrapy.set("CRISISWATCH_SETTINGS", settings, priority="project")
    scrapy.setdict(settings.crawl_scrapy_settings, priority="project")
    for name, value in overrides.items():
        scrapy.set(name, value, priority="cmdline")
    return scrapy
