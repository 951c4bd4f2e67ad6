"""The real news spider, end to end: replay server (recorded outlets) → NewsSpider → pipelines → embedded Kafka.

Each crawl runs in its own process (`spider_proc`, Scrapy's `CrawlerProcess`): Twisted's reactor cannot be
restarted, and four crawls are needed (first run; a rerun that delivers only the article that timed out; a rerun that
delivers nothing; a run after the feeds gained items).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from common.bus import read_topic
from common.schema import Mention
from common.settings import Settings
from crawlers.replay import ReplayServer, render_sources
from tests.crawlers.news.helpers import RECORDINGS, ROOT, articles, by_id, published_utc, source_id

pytestmark = pytest.mark.integration

FAST = {  # one replay host stands in for eight sites: no politeness delay, short timeouts
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 3, "LOG_LEVEL": "INFO",  # 4 attempts: the slow page's 4 slow answers
}
SCAM_PHONES = ["0912 345 678", "0868.123.456", "0868 123 456", "0397 888 999", "0901 234 567", "024 3936 1234",
               "+84 912 000 111", "0333 456 789", "0799 555 888", "0799 123 456", "225 3842 111"]
BROKEN_COUNTERS = ["not_a_feed", "malformed_feed", "no_date", "bad_date", "http_429", "timeout", "encoding_fixed"]


def crawl(settings: Settings, sources: Path, tmp_path: Path, run: str) -> dict[str, Any]:
    fields = {"kafka_bootstrap_servers": settings.kafka_bootstrap_servers, "state_dir": str(settings.state_dir),
              "topic_raw": settings.topic_raw, "topic_classified": settings.topic_classified,
              "topic_dlq": settings.topic_dlq, "sources_file": str(sources)}
    log = tmp_path / f"{run}.log"
    config = {"settings": fields, "scrapy": {**FAST, "LOG_FILE": str(log)}, "out": str(tmp_path / f"{run}.json")}
    config_path = tmp_path / f"{run}-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "tests.crawlers.news.spider_proc", str(config_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:] + (log.read_text()[-3000:] if log.exists() else "")
    result = json.loads((tmp_path / f"{run}.json").read_text(encoding="utf-8"))
    result["seconds"] = time.monotonic() - started
    result["log"] = log.read_text(encoding="utf-8")
    return result


def news_stats(result: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix("crisiswatch/"): v for k, v in result["stats"].items() if k.startswith("crisiswatch/")}


def delivered(settings: Settings, at_least: int) -> list[Mention]:
    records = read_topic(settings, settings.topic_raw, min_records=at_least, timeout_s=20)
    mentions = [Mention.model_validate_json(r.value) for r in records]
    assert [r.key.decode() for r in records] == [m.id for m in mentions]  # keyed by mention id
    return mentions


def expect(release_max: float, release_min: float = 0) -> set[str]:
    return {source_id(a) for a in articles()
            if a["kind"] == "bhxh" and release_min <= a.get("release_s", 0) <= release_max}


def test_news_crawl_end_to_end(bus_settings: Settings, tmp_path: Path) -> None:
    slow = source_id(by_id("ld-slow"))  # answers too late to every attempt of the first crawl, then at once
    first_wave = expect(0) - {slow}
    assert len(first_wave) == 34 and len(expect(300)) == 42

    with ReplayServer(RECORDINGS) as server:  # speed 1: the later feed versions (120 s, 300 s) are not out yet
        sources = render_sources(RECORDINGS / "sources.yaml", server.base_url, tmp_path / "sources-1.yaml")

        # -- run 1: every BHXH article once, distractors dropped, broken cases logged + counted ------------------
        result = crawl(bus_settings, sources, tmp_path, "run1")
        assert result["reason"] == "finished"
        stats = news_stats(result)
        mentions = delivered(bus_settings, len(first_wave))
        assert {m.source_id for m in mentions} == first_wave and len(mentions) == len(first_wave)
        assert stats["delivered"] == len(first_wave)
        assert stats["watchlist_dropped"] == len([a for a in articles()
                                                  if a["kind"] == "distractor" and not a.get("release_s")]) == 8
        for reason in BROKEN_COUNTERS:
            assert stats[f"news/{reason}"] == 1, reason
        assert result["stats"]["retry/reason_count/503 Service Unavailable"] == 2  # vnn-3: two 503s, then delivered
        for mention in mentions:
            assert mention.source == "news" and mention.province is not None, mention.source_id
            assert mention.url == mention.source_id or mention.source_id.startswith("baohiemxahoi.gov.vn/ItemID/")
            for phone in SCAM_PHONES:
                assert phone not in mention.text and phone not in (mention.title or ""), (phone, mention.source_id)
        by_source = {m.source_id: m for m in mentions}
        scam = by_source[source_id(by_id("vne-3"))]
        assert len(re.findall(r"\[SĐT#[0-9a-f]{10}\]", scam.text)) == 2
        assert scam.created_at == published_utc(by_id("vne-3")) and scam.author.name == "Đức Hùng"
        assert scam.province.new == "Nghệ An"
        fixed = by_source[source_id(by_id("dt-3"))]  # the page declared ISO-8859-1
        assert fixed.title == by_id("dt-3")["title"] and "Krông Ana" in fixed.text
        merged = by_source[source_id(by_id("vne-2"))]  # an old province name, mapped to the new unit
        assert (merged.province.old, merged.province.new) == ("Bình Dương", "TP. Hồ Chí Minh")
        # one clear line per problem (Scrapy's own retry give-up line is demoted)
        problem_lines = [line for line in result["log"].splitlines() if re.search(r"\[news\] (ERROR|WARNING)", line)]
        assert len(problem_lines) == len(BROKEN_COUNTERS)
        assert "Gave up retrying" not in result["log"]
        watermarks = json.loads((bus_settings.state_dir / "watermarks" / "news.json").read_text())
        assert set(watermarks) == {"vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "laodong", "nld",
                                   "baohiemxahoi"}
        # the timed-out Lao Động page holds its outlet's watermark back so it is tried again
        assert watermarks["laodong"] == published_utc(by_id("ld-slow")).isoformat()

        # -- run 2: same feeds → nothing new but the article that timed out, old items not even fetched ------------
        again = crawl(bus_settings, sources, tmp_path, "run2")
        assert again["reason"] == "finished"
        stats2 = news_stats(again)
        assert stats2["delivered"] == 1 and stats2["news/skipped_old"] >= 25
        assert stats2["duplicates_dropped"] >= 1  # the same-minute / held-back items fetched again are not resent
        mentions = delivered(bus_settings, len(first_wave) + 1)
        assert len(mentions) == len(first_wave) + 1 and {m.source_id for m in mentions} == first_wave | {slow}

        # -- run 2b: really nothing new ------------------------------------------------------------------------------
        third = crawl(bus_settings, sources, tmp_path, "run2b")
        assert news_stats(third).get("delivered", 0) == 0
        assert len(delivered(bus_settings, 0)) == len(first_wave) + 1

    # -- run 3: the feeds gained items (later releases, served at once) → exactly the new ones ------------------------
    with ReplayServer(RECORDINGS, speed=10_000) as server:
        time.sleep(0.1)  # 1000 timeline seconds: every release is out
        sources = render_sources(RECORDINGS / "sources.yaml", server.base_url, tmp_path / "sources-3.yaml")
        later = crawl(bus_settings, sources, tmp_path, "run3")
    assert later["reason"] == "finished"
    mentions = delivered(bus_settings, len(expect(300)))
    assert len(mentions) == len({m.id for m in mentions}) == 42  # every BHXH article exactly once
    assert {m.source_id for m in mentions} == expect(300)
    assert news_stats(later)["delivered"] == len(expect(300, release_min=1)) == 7
