"""Bad input, one case at a time, through the spider's own callbacks: each problem is ONE log line and ONE counter
`crisiswatch/news/<reason>`, nothing half-parsed is yielded, the watermark stays correct."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadTimeoutError
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from common.settings import Settings
from crawlers.config import Listing, Outlet
from crawlers.items import RawMention
from crawlers.news.parsers import ArticleParseError, fix_encoding, parse_article
from crawlers.news.watermarks import WatermarkStore
from crawlers.spiders.news import NewsSpider, classify_failure
from tests.crawlers.news.helpers import BASE, RECORDINGS, article_response, by_id, published_utc, recorded, response

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


@pytest.fixture
def spider(tmp_path: Path) -> NewsSpider:
    sources = tmp_path / "sources.yaml"
    sources.write_text((RECORDINGS / "sources.yaml").read_text(encoding="utf-8").replace("{{base}}", BASE),
                       encoding="utf-8")
    settings = Settings(state_dir=tmp_path / "state", sources_file=sources)
    crawler = get_crawler(NewsSpider, {"CRISISWATCH_SETTINGS": settings})
    return NewsSpider.from_crawler(crawler)


def stats(spider: NewsSpider) -> dict[str, object]:
    return {k.removeprefix("crisiswatch/news/"): v for k, v in spider.crawler.stats.get_stats().items()
            if k.startswith("crisiswatch/news/")}


def outlet(spider: NewsSpider, name: str) -> Outlet:
    return next(o for o in spider.sources.outlets if o.name == name)


def news_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "news" and r.levelno >= logging.WARNING]


# -- encodings -------------------------------------------------------------------------------------------------------


def test_page_declared_iso_8859_1_but_utf8_is_decoded_as_utf8():
    article = by_id("dt-3")
    served = article_response(article)
    assert served.encoding == "cp1252" and "Cán bộ" not in served.text  # as declared: mojibake
    fixed, note = fix_encoding(served)
    assert note == "declared ISO-8859-1 (HTTP header), body is UTF-8"
    assert parse_article(fixed, "dantri").title == article["title"]


def test_correctly_declared_legacy_encoding_is_left_alone():
    page = "<html><body><h1 class='detail-title'>Thông báo</h1></body></html>".encode("latin-1")  # not UTF-8
    served = response(f"{BASE}/x.htm", page, "text/html; charset=ISO-8859-1")
    fixed, note = fix_encoding(served)
    assert note is None and fixed is served and "Thông báo" in served.text


def test_invalid_utf8_is_rejected_not_guessed():
    page = article_response(by_id("tt-1")).body.replace("Lương hưu tháng 12".encode(), b"L\xff\xfeong h\xc6u")
    with pytest.raises(ArticleParseError) as caught:
        parse_article(response(f"{BASE}/tuoitre.vn/x.htm", page), "detail")
    assert caught.value.reason == "bad_encoding" and "U+FFFD" in str(caught.value)


def test_json_served_as_an_article_is_not_html():
    with pytest.raises(ArticleParseError) as caught:
        parse_article(response(f"{BASE}/x.htm", b'{"error": "rate limited"}', "application/json"), "vnexpress")
    assert caught.value.reason == "not_html"


# -- one line, one counter, nothing yielded --------------------------------------------------------------------------


@pytest.mark.parametrize(("article_id", "reason"), [("tt-nodate", "no_date"), ("ld-baddate", "bad_date")])
def test_article_without_a_usable_date(spider, caplog, article_id, reason):
    article = by_id(article_id)
    with caplog.at_level(logging.INFO):
        out = list(spider.parse_article_page(article_response(article), source=article["outlet"], parser="detail"
                                             if article["outlet"] == "tuoitre" else "laodong"))
    assert out == [] and stats(spider) == {reason: 1}
    assert len(news_lines(caplog)) == 1 and f"[{reason}]" in news_lines(caplog)[0]
    assert spider.latest == {}


def test_mis_declared_encoding_page_is_yielded_correctly(spider, caplog):
    article = by_id("dt-3")
    with caplog.at_level(logging.INFO):
        (item,) = spider.parse_article_page(article_response(article), source="dantri", parser="dantri")
    assert isinstance(item, RawMention) and item.title == article["title"] and "Krông Ana" in item.text
    assert item.created_at == published_utc(article) and item.extra == {"outlet": "dantri"}
    assert stats(spider) == {"encoding_fixed": 1, "articles": 1}
    assert len(news_lines(caplog)) == 1 and "ISO-8859-1" in news_lines(caplog)[0]


def test_good_article_becomes_a_raw_mention(spider):
    article = by_id("vne-3")
    (item,) = spider.parse_article_page(article_response(article), source="vnexpress", parser="vnexpress")
    assert item.source == "news" and item.source_id == item.url == f"https://vnexpress.net{article['path']}"
    assert item.text.startswith(article["lead"] + "\n") and "0912 345 678" in item.text  # masked later, not here
    assert item.author_name == "Đức Hùng" and spider.latest == {"vnexpress": published_utc(article)}


@pytest.mark.parametrize(("name", "body", "content_type", "reason"), [
    ("vnexpress/not-a-feed.html", None, "text/html; charset=utf-8", "not_a_feed"),
    (None, b"", "application/rss+xml", "empty_feed"),
    (None, b'<?xml version="1.0"?><rss><channel><title>cut', "application/rss+xml", "malformed_feed"),
])
def test_feed_problems(spider, caplog, name, body, content_type, reason):
    data = recorded(name) if name else body
    with caplog.at_level(logging.INFO):
        out = list(spider.parse_feed(response(f"{BASE}/vnexpress.net/rss/x.rss", data, content_type),
                                     outlet(spider, "vnexpress")))
    assert out == [] and stats(spider) == {reason: 1}
    assert len(news_lines(caplog)) == 1


def test_malformed_but_recoverable_feed_is_used_and_reported(spider, caplog):
    with caplog.at_level(logging.INFO):
        requests = list(spider.parse_feed(response(f"{BASE}/nld.com.vn/rss/home.rss", recorded("nld/rss-1.xml")),
                                          outlet(spider, "nld")))
    assert len(requests) == 5 and stats(spider) == {"feeds": 1, "malformed_feed": 1}
    assert len(news_lines(caplog)) == 1 and "5 item(s) recovered" in news_lines(caplog)[0]


def _failure(exception: Exception, request: Request) -> Failure:
    failure = Failure(exception)
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy sets it before calling the errback
    return failure


def test_download_failures_are_classified_counted_and_hold_the_watermark(spider, caplog):
    published = T0 - timedelta(hours=2)
    request = spider._article_request(f"{BASE}/vietnamnet.vn/a.html", "vietnamnet", "vietnamnet", published)
    request.meta.update(retry_times=3, download_timeout=30)
    answer = response(request.url, b"busy", "text/html")
    with caplog.at_level(logging.INFO):
        spider.failed(_failure(HttpError(answer.replace(status=429), "Ignoring"), request))
        spider.failed(_failure(DownloadTimeoutError("took longer than 30 s"), request))
    assert stats(spider) == {"http_429": 1, "timeout": 1}
    lines = news_lines(caplog)
    assert len(lines) == 2 and "HTTP 429 after 4 attempts" in lines[0] and "no answer within 30 s" in lines[1]
    assert spider.held == {"vietnamnet": published}


@pytest.mark.parametrize(("exception", "reason"), [
    (CannotResolveHostError("x"), "dns_error"),
    (DownloadConnectionRefusedError("x"), "connection_error"),
    (ValueError("odd"), "download_error"),
])
def test_classify_failure(exception, reason):
    failure = _failure(exception, Request("http://x/"))
    assert classify_failure(failure)[0] == reason


def test_permanent_failures_do_not_hold_the_watermark(spider):
    request = spider._article_request(f"{BASE}/a.html", "dantri", "dantri", T0)
    spider.failed(_failure(HttpError(response(request.url, b"", "text/html").replace(status=404), "x"), request))
    assert stats(spider) == {"http_404": 1} and spider.held == {}


# -- watermarks ------------------------------------------------------------------------------------------------------


def test_watermark_skips_strictly_older_items(spider):
    spider.watermarks = {"vnexpress": T0}
    feed = recorded("vnexpress/rss-1.xml")
    requests = list(spider.parse_feed(response(f"{BASE}/vnexpress.net/rss/tin-moi-nhat.rss", feed),
                                      outlet(spider, "vnexpress")))
    newest = published_utc(by_id("vne-1"))
    assert newest > T0
    assert [r.meta["news_published"] for r in requests] == [newest]  # the others are older
    assert stats(spider)["skipped_old"] == 5
    spider.watermarks = {"vnexpress": newest}  # same minute: fetched again (dedupe decides)
    again = list(spider.parse_feed(response(f"{BASE}/vnexpress.net/rss/tin-moi-nhat.rss", feed),
                                   outlet(spider, "vnexpress")))
    assert len(again) == 1


def test_next_watermarks(spider):
    spider.watermarks = {"a": T0, "b": T0}
    spider.latest = {"a": T0 + timedelta(hours=3), "b": T0 - timedelta(hours=1), "c": T0}
    spider.held = {"a": T0 + timedelta(hours=1)}
    assert spider.next_watermarks() == {"a": T0 + timedelta(hours=1), "b": T0, "c": T0}


def test_watermarks_saved_atomically_only_after_a_clean_run(spider):
    path = spider.store.path
    spider.latest = {"vnexpress": T0}
    spider.crawler.stats.set_value("crisiswatch/undelivered", 2)
    spider.closed("finished")
    assert not path.exists()  # Kafka did not acknowledge everything: next run re-fetches
    spider.crawler.stats.set_value("crisiswatch/undelivered", 0)
    spider.closed("shutdown")
    assert not path.exists()
    spider.closed("finished")
    assert json.loads(path.read_text()) == {"vnexpress": T0.isoformat()}
    assert [p.name for p in path.parent.iterdir()] == ["news.json"]  # no temp file left behind
    assert WatermarkStore(path).load() == {"vnexpress": T0}


def test_unreadable_watermark_file_starts_empty(tmp_path, caplog):
    path = tmp_path / "news.json"
    path.write_text("{half a file")
    with caplog.at_level(logging.WARNING):
        assert WatermarkStore(path).load() == {}
    assert "unreadable" in caplog.text


def test_listing_paging_stops_at_old_items_and_at_the_page_limit(spider):
    listing = Listing(name="baohiemxahoi", pages=["x"], parser="baohiemxahoi")
    page1 = response(f"{BASE}/baohiemxahoi.gov.vn/tintuc/Pages/hoat-dong-he-thong-bhxh.aspx?CateID=52",
                     recorded("baohiemxahoi/listing-p1-v1.html"))
    out = list(spider.parse_listing_page(page1, listing))
    assert [r.callback.__name__ for r in out] == ["parse_article_page"] * 3 + ["parse_listing_page"]
    spider.watermarks = {"baohiemxahoi": datetime(2026, 11, 22, tzinfo=UTC)}  # everything listed is older
    assert list(spider.parse_listing_page(page1, listing)) == []
    spider.watermarks = {}
    spider.max_listing_pages = 1
    assert all(r.callback.__name__ == "parse_article_page" for r in spider.parse_listing_page(page1, listing))


def test_unknown_parser_in_sources_is_a_config_error(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text("news: {outlets: [{name: x, feeds: ['http://x/rss'], parser: nope}]}", encoding="utf-8")
    crawler = get_crawler(NewsSpider, {"CRISISWATCH_SETTINGS": Settings(state_dir=tmp_path, sources_file=sources)})
    with pytest.raises(ValueError, match="unknown parser 'nope'"):
        NewsSpider.from_crawler(crawler)
