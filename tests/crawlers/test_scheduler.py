"""`crisiswatch crawl --once` end to end: every recorded source through the pipelines into the embedded broker,
per-source health, persistent dedupe across runs, and one failing source not stopping the others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from common.bus import free_port, read_topic
from common.schema import Mention
from common.settings import Settings
from crawlers.replay import RECORDINGS, ReplayServer, render_sources
from crawlers.scheduler import read_health
from crawlers.zalo.token import TokenStore


def crawl_once(settings: Settings, replay: ReplayServer, graph_url: str | None = None) -> subprocess.CompletedProcess:
    sources = render_sources(RECORDINGS / "demo-sources.yaml", replay.base_url, settings.state_dir / "sources.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")}
    env.update({
        "CRISISWATCH_STATE_DIR": str(settings.state_dir), "CRISISWATCH_SOURCES_FILE": str(sources),
        "CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "CRISISWATCH_TOPIC_RAW": settings.topic_raw, "CRISISWATCH_TOPIC_DLQ": settings.topic_dlq,
        "CRISISWATCH_PII_HASH_KEY": "test-key",
        "CRISISWATCH_FACEBOOK_GRAPH_URL": graph_url or replay.base_url, "CRISISWATCH_FACEBOOK_ACCESS_TOKEN": "t",
        "CRISISWATCH_ZALO_OPENAPI_URL": replay.base_url, "CRISISWATCH_ZALO_OAUTH_URL": replay.base_url,
        "CRISISWATCH_ZALO_APP_ID": "app", "CRISISWATCH_ZALO_APP_SECRET_KEY": "s",
        "CRISISWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": "8", "CRISISWATCH_CRAWL_DOWNLOAD_TIMEOUT_S": "2",
        "CRISISWATCH_CRAWL_SCRAPY_SETTINGS": json.dumps({
            "FACEBOOK_BACKFILL_DAYS": 0, "FACEBOOK_BACKOFF_SCALE": 0.001, "AUTOTHROTTLE_ENABLED": False,
            "RETRY_TIMES": 1}),
    })
    return subprocess.run([sys.executable, "-m", "crisiswatch", "crawl", "--once"], env=env, capture_output=True,
                          timeout=300)


@pytest.fixture
def crawl_settings(bus_settings: Settings) -> Settings:
    TokenStore(bus_settings.model_copy(update={"zalo_app_id": "app"})).seed("refresh-token")
    return bus_settings


def test_every_source_once_then_nothing_new(crawl_settings: Settings):
    with ReplayServer(speed=1000.0) as replay:  # the whole recorded timeline released at once
        first = crawl_once(crawl_settings, replay)
        assert first.returncode == 0, first.stderr.decode()[-3000:]
        health = {h.source: h for h in read_health(crawl_settings)}
        assert set(health) == {"news", "facebook", "zalo"}
        assert all(h.status == "ok" and h.last_items > 0 for h in health.values()), health
        records = read_topic(crawl_settings, crawl_settings.topic_raw, min_records=1)
        mentions = [Mention.model_validate_json(r.value) for r in records]
        assert len(mentions) == sum(h.last_items for h in health.values())
        assert Counter(m.source.value for m in mentions).keys() == {"news", "facebook", "zalo"}
        assert max(Counter(r.key for r in records).values()) == 1  # key = mention id, each once
        assert health["news"].last_dropped > 0  # distractors dropped by the watchlist

        second = crawl_once(crawl_settings, replay)
        assert second.returncode == 0, second.stderr.decode()[-3000:]
        again = {h.source: h.last_items for h in read_health(crawl_settings)}
        # Only what failed transiently in run 1 arrives now: the recorded article that times out 4 times.
        assert again == {"news": again["news"], "facebook": 0, "zalo": 0} and again["news"] <= 1
        after = read_topic(crawl_settings, crawl_settings.topic_raw, min_records=len(records))
        assert len(after) == len(records) + again["news"]
        assert max(Counter(r.key for r in after).values()) == 1  # nothing delivered twice across runs

        # Polite: robots.txt asked for, and unchanged feeds revalidated (ETag) instead of downloaded again.
        assert ("GET", "/robots.txt") in replay.requests
        assert "/vnexpress.net/rss/tin-moi-nhat.rss" in replay.not_modified


def test_a_failing_source_does_not_stop_the_others(crawl_settings: Settings):
    dead = f"http://127.0.0.1:{free_port('127.0.0.1')}"  # nothing listens: every Graph request fails
    with ReplayServer(speed=1000.0) as replay:
        result = crawl_once(crawl_settings, replay, graph_url=dead)
    health = {h.source: h for h in read_health(crawl_settings)}
    assert health["news"].status == "ok" and health["news"].last_items > 0
    assert health["zalo"].status == "ok"
    assert health["facebook"].last_items == 0
    assert health["facebook"].status == "failing", health["facebook"]
    assert result.returncode == 1
