"""Parse throughput of the news parsers on the recorded pages: `python -m crawlers.news.bench [rounds]` from the
repository root, or `run()` from `python -m bench`.

Each round builds a fresh `HtmlResponse` per recorded article page (so lxml parses the page every time, as in a
crawl), fixes its encoding if needed and runs `parse_article` with the outlet's selector set: JSON-LD, selectors,
body walk, dates, canonical URL. Also measured: every recorded RSS feed through `parse_rss`, the SharePoint listing
pages, and a baseline that only parses the HTML with lxml (the floor of any parser of the same pages).
Times are process CPU seconds (one core), so other load on the machine does not skew them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml
from scrapy.http import Headers, HtmlResponse, XmlResponse

from crawlers.news.build_recordings import BHXH_CATE, BHXH_HOST, BHXH_LISTING, OUTLETS
from crawlers.news.parsers import fix_encoding, parse_article, parse_listing, parse_rss

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "news"
BASE = b"http://127.0.0.1:8090"


def pages() -> dict[str, list[tuple[str, str, bytes, str]]]:
    """outlet → [(url, parser, body, content type)] for every recorded article page that parses."""
    data = yaml.safe_load((RECORDINGS / "articles.yaml").read_text(encoding="utf-8"))["articles"]
    out: dict[str, list[tuple[str, str, bytes, str]]] = {}
    for article in data:
        if article["kind"] == "broken" and (article.get("no_date") or article.get("bad_date")):
            continue
        outlet = article["outlet"]
        if outlet == "baohiemxahoi":
            url = f"{BASE.decode()}/{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}&ItemID={article['item_id']}"
            path, parser = RECORDINGS / outlet / f"{article['item_id']}.html", "baohiemxahoi"
        else:
            url = f"{BASE.decode()}/{OUTLETS[outlet].host}{article['path']}"
            path, parser = RECORDINGS / outlet / f"{article['id']}.html", OUTLETS[outlet].parser
        charset = "ISO-8859-1" if article.get("latin1_header") else "utf-8"
        out.setdefault(outlet, []).append((url, parser, path.read_bytes(), f"text/html; charset={charset}"))
    return out


def _articles(items: list[tuple[str, str, bytes, str]]) -> int:
    for url, parser, body, content_type in items:
        response, _ = fix_encoding(HtmlResponse(url, body=body, headers=Headers({"Content-Type": content_type})))
        parse_article(response, parser)
    return len(items)


def _timed(name: str, rounds: int, work) -> tuple[str, int, float]:  # noqa: ANN001 - a callable returning a count
    work()  # warm up (imports, caches)
    start = time.process_time()  # CPU time of this process: other load on the machine does not count
    count = sum(work() for _ in range(rounds))
    return name, count, time.process_time() - start


def run(rounds: int = 20) -> list[tuple[str, int, float]]:
    """[(name, pages, seconds)]: article pages per outlet, feeds, listing pages, and the lxml-only baseline."""
    figures = []
    corpus = pages()
    for outlet, items in corpus.items():
        figures.append(_timed(f"news: parse article ({outlet})", rounds, lambda items=items: _articles(items)))
    every = [item for items in corpus.values() for item in items]
    figures.append(_timed("news: parse article (all outlets)", rounds, lambda: _articles(every)))

    def lxml_only() -> int:
        for url, _parser, body, content_type in every:
            HtmlResponse(url, body=body, headers=Headers({"Content-Type": content_type})).selector.root  # noqa: B018
        return len(every)

    figures.append(_timed("news: lxml parse only, same pages (baseline)", rounds, lxml_only))

    feeds = [(f.read_bytes().replace(b"{{base}}", BASE)) for f in sorted(RECORDINGS.glob("*/rss-*.xml"))]

    def parse_feeds() -> int:
        for body in feeds:
            parse_rss(XmlResponse(f"{BASE.decode()}/feed.rss", body=body,
                                  headers=Headers({"Content-Type": "application/rss+xml"})))
        return len(feeds)

    figures.append(_timed("news: parse RSS feed", rounds * 5, parse_feeds))
    listings = [f.read_bytes().replace(b"{{base}}", BASE) for f in sorted(RECORDINGS.glob("baohiemxahoi/listing-*"))]
    listing_url = f"{BASE.decode()}/{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}"

    def parse_listings() -> int:
        for body in listings:
            parse_listing(HtmlResponse(listing_url, body=body, headers=Headers({"Content-Type": "text/html"})))
        return len(listings)

    figures.append(_timed("news: parse SharePoint listing", rounds * 5, parse_listings))
    return figures


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for name, count, seconds in run(rounds):
        print(f"{name:50} {count:7,} pages {seconds:7.3f} s {count / seconds:9,.0f} pages/s")


if __name__ == "__main__":
    main()
