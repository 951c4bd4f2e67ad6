"""Throughput of Graph JSON → `RawMention` (what the spider does with each response, without Scrapy and the
network): `python -m crawlers.facebook.bench [rounds]` from the repository root, or `run()` from `python -m bench`.

Input: every recorded feed and comments page of the three recorded pages (crawlers/recordings/facebook), as Graph
sends them (compact JSON, \\u-escaped Vietnamese). Each round classifies every body (status, error, shape), parses
it and builds the mentions. The baseline is ``json.loads`` alone on the same bodies: the floor of any parser.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench import Figure
from crawlers.facebook.graph import Outcome, Page, classify, parse_comments, parse_feed

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "facebook"
PAGES = {"bhxh-nghe-an": "100064813572468", "tin-nhanh-lao-dong": "100083921456710",
         "hoi-cong-nhan-song-than": "100090876543210"}
HEADERS = {"Content-Type": "application/json; charset=UTF-8"}


def corpus() -> list[tuple[Page, str | None, bytes]]:
    """(page, post id for a comments page or None for a feed page, body) of every recorded page of data."""
    out: list[tuple[Page, str | None, bytes]] = []
    for folder, page_id in PAGES.items():
        page = Page(page_id, folder)
        for path in sorted((RECORDINGS / folder).glob("*.json")):
            if "truncated" in path.name or "since" in path.name:
                continue
            body = path.read_bytes().replace(b"{{base}}", b"https://graph.facebook.com")
            post = f"{page_id}_{path.stem.split('-')[1]}" if path.name.startswith("comments-") else None
            out.append((page, post, body))
    return out


def parse_all(bodies: list[tuple[Page, str | None, bytes]]) -> int:
    items = 0
    for page, post, body in bodies:
        result = classify(200, body, HEADERS)
        assert result.outcome is Outcome.ok and result.payload is not None
        if post is None:
            items += len(parse_feed(result.payload, page).posts)
        else:
            items += len(parse_comments(result.payload, post, page).comments)
    return items


def run(rounds: int = 300) -> list[Figure]:
    bodies = corpus()
    parse_all(bodies)  # warm up
    start = time.perf_counter()
    items = sum(parse_all(bodies) for _ in range(rounds))
    parsed = Figure("facebook: Graph JSON → RawMention (classify + parse)", items, time.perf_counter() - start)
    per_round = items // rounds
    start = time.perf_counter()
    for _ in range(rounds):
        for _, _, body in bodies:
            json.loads(body)
    floor = Figure("facebook: json.loads only (floor)", per_round * rounds, time.perf_counter() - start,
                   baseline=True)
    return [parsed, floor]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for figure in run(rounds):
        print(f"{figure.name}: {figure.count:,} items in {figure.seconds:.2f} s = {figure.rate:,.0f} items/s")


if __name__ == "__main__":
    main()
