"""Article parsing from the recorded pages of each outlet's CMS: JSON-LD first, then the outlet's selectors, then
meta fallbacks; UTC times; canonical URLs without tracking parameters; clear errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from parsel import Selector

from crawlers.news.parsers import (
    SELECTOR_SETS,
    ArticleParseError,
    canonical_url,
    fix_encoding,
    jsonld_article,
    parse_article,
    parse_datetime,
)
from tests.crawlers.news.helpers import (
    PARSERS,
    article_response,
    articles,
    body_paragraphs,
    by_id,
    published_utc,
    real_url,
    source_id,
)

GOOD = [a for a in articles() if a["kind"] != "broken" or a.get("fail_status") or a.get("delay_s")]
OUTLETS = sorted({a["outlet"] for a in GOOD})
JSONLD = re.compile(rb'<script type="application/ld\+json">.*?</script>', re.S)


def _parse(article, body=None):
    response, _ = fix_encoding(article_response(article, body))
    return parse_article(response, PARSERS[article["outlet"]], outlet=article["outlet"])


def _check(article, parsed, lead=None):
    where = article["id"]
    assert parsed.title == article["title"], where
    assert parsed.lead == (lead if lead is not None else article["lead"]), where
    assert parsed.body == body_paragraphs(article), where  # no ads, related boxes, captions or signature line
    assert parsed.author == article.get("author"), where
    assert parsed.published == published_utc(article) and parsed.published.tzinfo is UTC, where
    assert parsed.url == real_url(article), where  # the real address, not the replay server's
    assert parsed.source_id == source_id(article), where
    assert parsed.outlet == article["outlet"]
    assert parsed.text == f"{parsed.lead}\n{parsed.body}"


@pytest.mark.parametrize("outlet", OUTLETS)
def test_recorded_pages_of_each_outlet(outlet):
    pages = [a for a in GOOD if a["outlet"] == outlet]
    assert pages
    for article in pages:
        _check(article, _parse(article))


@pytest.mark.parametrize("outlet", OUTLETS)
def test_outlet_selectors_alone_give_the_same_article(outlet):
    """Without any JSON-LD block, the outlet's selector set finds every field (VnExpress's sapo then starts with
    its location stamp, as on the page)."""
    for article in (a for a in GOOD if a["outlet"] == outlet):
        page = JSONLD.sub(b"", article_response(article).body)
        parsed = _parse(article, page)
        lead = f"{article['location']} {article['lead']}" if outlet == "vnexpress" and article.get("location") else None
        _check(article, parsed, lead)


def test_meta_fallbacks_when_neither_jsonld_nor_selectors_have_the_date():
    article = by_id("vne-1")
    page = JSONLD.sub(b"", article_response(article).body)
    page = re.sub(rb'<span class="date">[^<]*</span>', b"", page)
    parsed = _parse(article, page)
    assert parsed.published == published_utc(article)  # from meta[property=article:published_time]


def test_jsonld_wins_over_selectors():
    article = by_id("tt-1")
    page = article_response(article).body.replace(b'"headline": "', b'"headline": "[JSON-LD] ')
    assert _parse(article, page).title == "[JSON-LD] " + article["title"]


def test_canonical_url_drops_tracking_parameters():
    article = by_id("tt-3")  # its canonical link carries ?zarsrc=31&utm_source=zalo…
    assert b"zarsrc=31" in article_response(article).body
    assert _parse(article).url == real_url(article)
    assert canonical_url("https://VnExpress.net/a-1.html?utm_source=rss&fbclid=x&gclid=y&zarsrc=30&gidzl=z#box") \
        == "https://vnexpress.net/a-1.html"
    assert canonical_url("/tintuc/Pages/x.aspx?CateID=52&ItemID=7&utm_medium=fb", "https://baohiemxahoi.gov.vn/a") \
        == "https://baohiemxahoi.gov.vn/tintuc/Pages/x.aspx?CateID=52&ItemID=7"
    assert canonical_url("https://nld.com.vn:443/a.htm?id=3&vn_source=home") == "https://nld.com.vn/a.htm?id=3"


def test_sharepoint_article_is_keyed_by_item_id():
    article = by_id("bh-1")
    parsed = _parse(article)
    assert parsed.source_id == "baohiemxahoi.gov.vn/ItemID/26431"
    # the same article reached under another category or slug keeps its id
    page = article_response(article).body.replace(b'property="og:url"', b'property="og:x"')
    other = article_response(article, page).replace(
        url="http://127.0.0.1:8999/baohiemxahoi.gov.vn/tintuc/Pages/chinh-sach.aspx?ItemID=26431&CateID=9")
    assert parse_article(other, "baohiemxahoi").source_id == parsed.source_id


def test_selector_input_and_unknown_parser():
    article = by_id("dt-1")
    selector = Selector(text=article_response(article).text)
    parsed = parse_article(selector, "dantri", url="https://dantri.com.vn/x.htm")
    assert parsed.title == article["title"] and parsed.url == real_url(article)
    with pytest.raises(ValueError, match="unknown news parser 'nope'"):
        parse_article(selector, "nope")
    assert {"vnexpress", "dantri", "detail", "vietnamnet", "laodong", "baohiemxahoi"} <= set(SELECTOR_SETS)


@pytest.mark.parametrize(("text", "expected"), [
    ("Thứ hai, 7/7/2025, 08:30 (GMT+7)", "2025-07-07T01:30"),  # VnExpress span.date
    ("2025-05-09 11:04", "2025-05-09T04:04"),  # Dân Trí time[datetime], naive = Asia/Ho_Chi_Minh
    ("07/07/2025 08:30 GMT+7", "2025-07-07T01:30"),  # Tuổi Trẻ / Thanh Niên publishdate
    ("07/07/2025 08:30", "2025-07-07T01:30"),  # NLĐ, naive
    ("Thứ Hai, 07/07/2025 - 08:30", "2025-07-07T01:30"),  # VietnamNet
    ("Mon, 07 Jul 2025 08:30:00 +0700", "2025-07-07T01:30"),  # RFC 822
    ("Mon, 07 Jul 2025 01:30:00 GMT", "2025-07-07T01:30"),
    ("Mon, 07 Jul 2025 08:30:00 GMT+7", "2025-07-07T01:30"),  # Tuổi Trẻ RSS (not RFC 822)
    ("Mon, 07 Jul 2025 10:30:00 GMT+9", "2025-07-07T01:30"),
    ("2025-07-07T08:30:00+07:00", "2025-07-07T01:30"),
    ("2025-07-07T01:30:00Z", "2025-07-07T01:30"),
    ("2025-07-07T08:30:00.000+0700", "2025-07-07T01:30"),
    ("7/7/2025 8:30:00 PM", "2025-07-07T13:30"),
    ("08:30 07/07/2025", "2025-07-07T01:30"),
    ("Ngày đăng: 07/07/2025", "2025-07-06T17:00"),  # a date alone is local midnight
    ("1751851800", "2025-07-07T01:30"),
])
def test_parse_datetime(text, expected):
    value = parse_datetime(text)
    assert value is not None and value.tzinfo is UTC
    assert value.strftime("%Y-%m-%dT%H:%M") == expected


@pytest.mark.parametrize("text", [None, "", "Đang cập nhật", "32/13/2025 10:00", "hôm qua"])
def test_parse_datetime_rejects(text):
    assert parse_datetime(text) is None


def test_jsonld_variants():
    html = """<html><head>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "WebSite", "name": "x"}</script>
    <script type="application/ld+json">{not json at all</script>
    <script type="application/ld+json">{"@graph": [{"@type": "BreadcrumbList"},
        {"@type": ["NewsArticle"], "headline": "Tiêu đề &amp; tin", "datePublished": "2026-11-21T08:30:00+07:00",
         "author": [{"@type": "Person", "name": "A"}, {"@type": "Person", "name": "B"}], "description": "Sapo",
         "mainEntityOfPage": {"@id": "https://tuoitre.vn/a-1.htm"},}]}</script>
    </head><body><div class="detail-content"><p>Nội dung</p></div></body></html>"""
    selector = Selector(text=html)
    assert jsonld_article(selector)["headline"] == "Tiêu đề &amp; tin"
    parsed = parse_article(selector, "detail", url="http://127.0.0.1/tuoitre.vn/a-1.htm?utm_source=x")
    assert (parsed.title, parsed.author, parsed.lead, parsed.body) == ("Tiêu đề & tin", "A, B", "Sapo", "Nội dung")
    assert parsed.published == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    assert parsed.url == "https://tuoitre.vn/a-1.htm"


@pytest.mark.parametrize(("html", "reason", "says"), [
    ("<html><body><div class='detail-content'><p>x</p></div></body></html>", "no_title", "no title"),
    ("<html><body><h1 class='detail-title'>T</h1><div data-role='publishdate'>07/07/2025 08:30</div></body></html>",
     "no_body", "no article body"),
    ("<html><body><h1 class='detail-title'>T</h1><div class='detail-content'><p>x</p></div></body></html>",
     "no_date", "no published date"),
    ("<html><body><h1 class='detail-title'>T</h1><div data-role='publishdate'>sắp đăng</div>"
     "<div class='detail-content'><p>x</p></div></body></html>", "bad_date", "unparseable published date 'sắp đăng'"),
])
def test_errors_say_what_is_missing_and_where(html, reason, says):
    with pytest.raises(ArticleParseError) as caught:
        parse_article(Selector(text=html), "detail", url="https://tuoitre.vn/x.htm")
    assert caught.value.reason == reason
    assert says in str(caught.value) and "at https://tuoitre.vn/x.htm" in str(caught.value)


def test_recordings_are_rendered_from_articles_yaml():
    """The committed pages, feeds and manifest are what `python -m crawlers.news.build_recordings` writes."""
    from crawlers.news.build_recordings import main

    assert main(["--check"]) == 0
