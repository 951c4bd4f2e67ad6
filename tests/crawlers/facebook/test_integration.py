"""Recorded Graph API → `FacebookSpider` → the crawler pipelines → the embedded broker (`mentions.raw`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from common.bus import read_topic
from common.schema import Mention, mention_id
from common.settings import Settings
from crawlers.replay import ReplayServer
from tests.crawlers.facebook.conftest import TOKEN, run_spider
from tests.crawlers.facebook.make_recordings import EXPECTED_MAIN

pytestmark = pytest.mark.integration

PHONES = ("0987 654 321", "0987654321", "0912.345.678", "0912345678", "0938 111 222", "0938111222")


def test_spider_to_broker(bus_settings: Settings, tmp_path: Path) -> None:
    broker = {name: getattr(bus_settings, name) for name in (
        "kafka_bootstrap_servers", "topic_raw", "topic_classified", "topic_dlq")}
    pipelines = {"ITEM_PIPELINES": {
        "crawlers.pipelines.NormalizePipeline": 100, "crawlers.pipelines.WatchlistPipeline": 200,
        "crawlers.pipelines.DedupePipeline": 300, "crawlers.pipelines.NearDuplicatePipeline": 400,
        "crawlers.pipelines.KafkaPipeline": 500}}
    kept = [e for e in EXPECTED_MAIN if e.kept]
    with ReplayServer(Path(__file__).resolve().parents[3] / "crawlers" / "recordings" / "facebook") as server:
        run = run_spider(tmp_path, server, settings={**broker, "state_dir": str(bus_settings.state_dir)},
                         scrapy=pipelines)
        records = read_topic(bus_settings, bus_settings.topic_raw, min_records=len(kept), timeout_s=20)

        assert run.reason == "finished"
        assert run.stats["crisiswatch/delivered"] == len(kept) == 55
        assert run.stats["crisiswatch/watchlist_dropped"] == len(EXPECTED_MAIN) - len(kept) == 21
        mentions = [Mention.model_validate_json(record.value) for record in records]
        assert all(record.key.decode() == m.id for record, m in zip(records, mentions, strict=True))
        ids = Counter(m.source_id for m in mentions)
        assert max(ids.values()) == 1  # every relevant post and comment arrives once
        assert set(ids) == {e.source_id for e in kept}  # …and nothing the watchlist should drop
        by_id = {m.source_id: m for m in mentions}
        for expected in kept:
            mention = by_id[expected.source_id]
            assert mention.source == "facebook"
            assert mention.parent_id == (mention_id("facebook", expected.parent_source_id)
                                         if expected.parent_source_id else None)
        # personal data is masked before it leaves the crawler; the hotline 1900 9068 is not personal
        texts = " ".join(m.text + " " + m.text_normalized for m in mentions)
        assert not any(phone in texts for phone in PHONES)
        scam = by_id["122190456781231_1184039281746553"]
        assert "[SĐT#" in scam.text and "vssid-capnhat.com" in scam.text
        assert "1900 9068" in by_id["100064813572468_122190456781230"].text
        assert by_id["100083921456710_1290345612778845"].province is not None  # "Bình Dương" in the text
        assert TOKEN not in run.log

        # a second run: asked since the watermarks, nothing new reaches the topic
        again = run_spider(tmp_path, server, settings={**broker, "state_dir": str(bus_settings.state_dir)},
                           scrapy=pipelines)
    assert again.items == [] and again.stats.get("crisiswatch/delivered", 0) == 0
    assert len(read_topic(bus_settings, bus_settings.topic_raw)) == len(kept)
