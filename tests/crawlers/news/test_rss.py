"""RSS/Atom feeds (each outlet's dialect, malformed XML, HTML where a feed was expected) and the SharePoint
listing pages of baohiemxahoi.gov.vn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.news.build_recordings import OUTLETS
from crawlers.news.parsers import FeedParseError, ListingParseError, parse_listing, parse_rss
from tests.crawlers.news.helpers import BASE, articles, published_utc, recorded, response

FEED_URL = f"{BASE}/feed.rss"


def _feed(name: str, content_type: str = "application/rss+xml; charset=utf-8"):
    return parse_rss(response(FEED_URL, recorded(name), content_type))


@pytest.mark.parametrize("outlet", sorted(OUTLETS))
def test_recorded_feed_of_each_outlet(outlet):
    feed = _feed(f"{outlet}/rss-1.xml", OUTLETS[outlet].content_type)
    listed = [a for a in articles() if a["outlet"] == outlet and a.get("release_s", 0) == 0]
    assert len(feed.items) == len(listed) and feed.skipped == 0
    by_link = {item.link: item for item in feed.items}
    for article in listed:
        link = f"{BASE}/{OUTLETS[outlet].host}{article['path']}"  # tracking parameters (Dân Trí's utm_*) removed
        item = by_link[link]
        assert item.title == article["title"]
        assert article["lead"][:40] in item.description and "<" not in item.description
        if article.get("published") and not article.get("bad_date") and not article.get("no_date"):
            assert item.published == published_utc(article)
        else:
            assert item.published is None
    assert (feed.recovered is not None) == (outlet == "nld")  # the NLĐ feed is malformed (&nbsp;, bare &)


def test_feed_dialect_dates():
    """Tuổi Trẻ writes "GMT+7" in CDATA, VietnamNet GMT, Lao Động dd/MM/yyyy, the others RFC 822 +0700."""
    expected = published_utc(next(a for a in articles() if a["id"] == "tt-1"))
    assert _feed("tuoitre/rss-1.xml").items[0].published == expected
    assert b"GMT+7]]></pubDate>" in recorded("tuoitre/rss-1.xml")
    assert b"<pubDate>20/11/2026" in recorded("laodong/rss-1.xml") or b"<pubDate>21/11/2026" in recorded(
        "laodong/rss-1.xml")


def test_malformed_feed_is_recovered_and_says_so():
    feed = _feed("nld/rss-1.xml")
    assert "nbsp" in feed.recovered or "EntityRef" in feed.recovered
    assert [i.title for i in feed.items][:1] == ['TP HCM - Người lao động bức xúc vì công ty "ôm" tiền BHXH']


def test_a_feed_served_as_text_html_is_still_a_feed():
    assert len(_feed("vnexpress/rss-1.xml", "text/html; charset=utf-8").items) == 6


def test_html_where_a_feed_was_expected():
    with pytest.raises(FeedParseError) as caught:
        _feed("vnexpress/not-a-feed.html", "text/html; charset=utf-8")
    assert caught.value.reason == "not_a_feed" and "HTML page where a feed was expected" in str(caught.value)
    # also when the server claims XML
    with pytest.raises(FeedParseError, match="HTML page"):
        _feed("vnexpress/not-a-feed.html", "application/rss+xml")


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "empty_feed"),
    (b"   \n", "empty_feed"),
    (b"\x00\x01\x02 binary garbage \xff\xfe", "malformed_feed"),
    (b'<?xml version="1.0"?><rss><channel><title>Thanh Ni\xc3\xaan', "malformed_feed"),
    (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>', "not_a_feed"),
    (b'{"items": []}', "malformed_feed"),
])
def test_broken_feeds_raise_a_clear_error(body, reason):
    with pytest.raises(FeedParseError) as caught:
        parse_rss(response(FEED_URL, body, "application/xml"))
    assert caught.value.reason == reason and FEED_URL in str(caught.value)


def test_truncated_feed_keeps_the_complete_items():
    body = recorded("vnexpress/rss-1.xml")
    cut = body[: body.index(b"<item>", body.index(b"<item>") + 10) + 30]  # inside the second item
    feed = parse_rss(response(FEED_URL, cut, "application/rss+xml"))
    assert feed.recovered and len(feed.items) >= 1
    assert feed.items[0].title.startswith("BHXH Việt Nam bác tin")


def test_atom_rdf_links_and_legacy_declared_encoding():
    atom = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
    <entry><title>Tin 1</title><link rel="alternate" href="/a-1.htm?utm_source=atom"/><id>urn:1</id>
    <published>2026-11-21T08:30:00+07:00</published><summary>&lt;b&gt;Sapo&lt;/b&gt;</summary></entry>
    <entry><title>Không link</title><id>urn:2</id></entry></feed>""".encode()
    feed = parse_rss(response("https://site.vn/atom.xml", atom, "application/atom+xml"))
    assert [(i.link, i.title, i.description) for i in feed.items] == [("https://site.vn/a-1.htm", "Tin 1", "Sapo")]
    assert feed.items[0].published == datetime(2026, 11, 21, 1, 30, tzinfo=UTC) and feed.skipped == 1
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><item><title>R</title>
    <link>https://site.vn/r.htm</link><dc:date>2026-11-21T08:30:00+07:00</dc:date></item></rdf:RDF>"""
    assert parse_rss(response(FEED_URL, rdf, "text/xml")).items[0].link == "https://site.vn/r.htm"
    # declared ISO-8859-1 in the XML declaration, bytes really UTF-8
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item><title>Bảo hiểm xã hội</title>' \
            "<link>https://site.vn/b.htm</link></item></channel></rss>"
    assert parse_rss(response(FEED_URL, latin.encode(), "text/xml")).items[0].title == "Bảo hiểm xã hội"


def test_external_entities_are_not_resolved():
    xxe = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <rss><channel><item><title>a&x;b</title><link>https://site.vn/x.htm</link></item></channel></rss>"""
    feed = parse_rss(response(FEED_URL, xxe, "text/xml"))
    assert "root:" not in feed.items[0].title


# -- SharePoint listings -----------------------------------------------------------------------------------------

LISTING = f"{BASE}/baohiemxahoi.gov.vn/tintuc/Pages/hoat-dong-he-thong-bhxh.aspx?CateID=52"


def test_listing_page_one_links_articles_by_item_id_and_the_next_page():
    listing = parse_listing(response(LISTING, recorded("baohiemxahoi/listing-p1-v1.html")))
    assert listing.page == 1 and listing.next_page == LISTING + "&Page=2"
    assert [i.item_id for i in listing.items] == ["26431", "26418", "26402"]
    first = listing.items[0]
    assert first.url == LISTING + "&ItemID=26431"
    assert first.title == "BHXH Việt Nam thông tin về việc giả mạo văn bản của ngành"
    assert first.published == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 21/11/2026, local midnight


def test_listing_last_page_and_new_version():
    page2 = parse_listing(response(LISTING + "&Page=2", recorded("baohiemxahoi/listing-p2-v1.html")))
    assert page2.page == 2 and page2.next_page is None and len(page2.items) == 3
    newer = parse_listing(response(LISTING, recorded("baohiemxahoi/listing-p1-v2.html")))
    assert newer.items[0].item_id == "26397" and len(newer.items) == 4


def test_listing_errors():
    with pytest.raises(ListingParseError) as caught:
        parse_listing(response(LISTING, b"plain text, no markup", "text/plain"))
    assert caught.value.reason == "bad_listing"
    empty = parse_listing(response(LISTING, b"<html><body><ul class='list-news'></ul></body></html>"))
    assert empty.items == [] and empty.next_page is None
