"""End-to-end crawl rate against the local replay server: `crisiswatch crawl --once` (news + Facebook recordings,
every pipeline, into the embedded broker), with the polite production settings (one request at a time per site,
AutoThrottle) beside the demo settings (8 at a time). Every replayed site shares one host, so the polite run is
what one real site costs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import Figure
from common.bus import EmbeddedBroker
from crawlers.replay import RECORDINGS, ReplayServer, render_sources
from crawlers.scheduler import read_health
from common.settings import Settings


def _crawl_once(name: str, concurrency: int, autothrottle: bool) -> Figure:
    with tempfile.TemporaryDirectory() as state, EmbeddedBroker(port=0) as broker, \
            ReplayServer(speed=1000.0) as replay:  # the whole recorded timeline is released at once
        sources = render_sources(RECORDINGS / "demo-sources.yaml", replay.base_url, Path(state) / "sources.yaml")
        env = {**os.environ, "CRISISWATCH_STATE_DIR": state, "CRISISWATCH_SOURCES_FILE": str(sources),
               "CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "CRISISWATCH_FACEBOOK_GRAPH_URL": replay.base_url, "CRISISWATCH_FACEBOOK_ACCESS_TOKEN": "bench",
               "CRISISWATCH_CRAWL_CONCURRENCY_PER_DOMAIN": str(concurrency),
               "CRISISWATCH_CRAWL_DOWNLOAD_TIMEOUT_S": "3",
               "CRISISWATCH_CRAWL_SCRAPY_SETTINGS": json.dumps({
                   "FACEBOOK_BACKFILL_DAYS": 0, "FACEBOOK_BACKOFF_SCALE": 0.001,
                   "AUTOTHROTTLE_ENABLED": autothrottle, "HTTPCACHE_ENABLED": False})}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "crisiswatch", "crawl", "--once"], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        delivered = sum(h.total_items for h in read_health(Settings(state_dir=Path(state))))
        return Figure(name, delivered, elapsed, baseline=concurrency == 1)


def run() -> list[Figure]:
    return [_crawl_once("crawl end to end: 8 requests at a time (demo)", 8, False),
            _crawl_once("crawl end to end: polite, 1 at a time + AutoThrottle", 1, True)]
