"""The `zalo` backfill spider against the recorded pull API (replay server), through the real item pipelines and
Kafka: paging, HTTP-200 error bodies (-216 → one refresh; -216 again → stop; others counted), dedupe with the
webhook path, the watermark, and no secret in the logs. Each crawl runs in its own process (Twisted reactor)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.bus import read_topic
from common.schema import Mention, mention_id
from common.settings import Settings
from crawlers.replay import ReplayServer
from crawlers.zalo.forwarder import Forwarder
from crawlers.zalo.send_events import load_events
from crawlers.zalo.spool import Spool, spool_dir
from crawlers.zalo.token import TokenStore
from tests.crawlers.zalo.helpers import APP_SECRET, OA_ID, OA_SECRET, ROOT, child_env

pytestmark = pytest.mark.integration

RECORDINGS = ROOT / "crawlers" / "recordings" / "zalo"
BACKFILL_PROC = Path(__file__).with_name("backfill_proc.py")
OLD_ACCESS = "old-access-token-7Yt5Rk2Pq9Ws"
OLD_REFRESH = "old-refresh-token-3Lm8Vb6Nc1Xz"
NEW_ACCESS = "demo-access-token-2f8e1c9a7b6d5e4f3a2b1c0d9e8f7a6b"  # the recorded refresh answer
NEW_REFRESH = "demo-refresh-token-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"


def recorded_conversations() -> list[dict[str, Any]]:
    messages = []
    for path in sorted((RECORDINGS / "api").glob("conversation-*.json")):
        messages.extend(json.loads(path.read_text(encoding="utf-8"))["data"])
    return messages


def expected_backfill_ids() -> set[str]:
    return {m["message_id"] for m in recorded_conversations()
            if m["src"] == 1 and m["type"] == "text" and m["message"].strip()}


def scenario(tmp_path: Path, *first_entries: dict[str, Any]) -> Path:
    """A copy of the recordings with `first_entries` served before the recorded ones (same path: first wins)."""
    root = tmp_path / "recordings"
    shutil.copytree(RECORDINGS / "api", root / "api")
    entries = yaml.safe_load((RECORDINGS / "manifest.yaml").read_text(encoding="utf-8"))
    (root / "manifest.yaml").write_text(yaml.safe_dump([*first_entries, *entries], allow_unicode=True),
                                        encoding="utf-8")
    return root


def crawl(settings: Settings, base_url: str, tmp_path: Path, **spider: Any) -> tuple[dict[str, Any], str]:
    """Run the spider in a child process against `base_url`; (stats, the DEBUG log)."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"zalo: {{oa_id: '{OA_ID}'}}\n", encoding="utf-8")
    fields = settings.model_dump(mode="json", include={"state_dir", "kafka_bootstrap_servers", "topic_raw",
                                                       "topic_classified", "topic_dlq", "zalo_app_id"})
    config = {
        "settings": {**fields, "zalo_openapi_url": base_url, "zalo_oauth_url": base_url,
                     "zalo_app_secret_key": APP_SECRET, "zalo_oa_secret_key": OA_SECRET,
                     "sources_file": str(sources)},
        "spider": spider,
        "stats": str(tmp_path / "stats.json"),
        "log": str(tmp_path / "crawl.log"),
    }
    (tmp_path / "crawl.log").unlink(missing_ok=True)
    subprocess.run([sys.executable, str(BACKFILL_PROC), json.dumps(config)], check=True, cwd=ROOT,
                   env=child_env(settings), timeout=120)
    return (json.loads((tmp_path / "stats.json").read_text()),
            (tmp_path / "crawl.log").read_text(encoding="utf-8"))


def seed(settings: Settings, expires_in: int = 86400) -> None:
    TokenStore(settings).seed(OLD_REFRESH, access_token=OLD_ACCESS, expires_in=str(expires_in))


def topic_ids(settings: Settings, expected: int) -> list[str]:
    return [Mention.model_validate_json(r.value).source_id
            for r in read_topic(settings, settings.topic_raw, min_records=expected)]


def test_backfill_pages_and_yields_user_messages(zalo_bus_settings: Settings, tmp_path: Path) -> None:
    settings = zalo_bus_settings
    seed(settings)
    expected = expected_backfill_ids()
    with ReplayServer(RECORDINGS) as server:
        stats, log = crawl(settings, server.base_url, tmp_path)
        requests = [path for _method, path in server.requests]
    assert stats["finish_reason"] == "finished"
    # paging: the second listrecentchat page and the second page of the long conversation were fetched
    assert any("listrecentchat" in p and "%22offset%22%3A10" in p for p in requests)
    assert any("conversation" in p and "5812340918273645003" in p and "%22offset%22%3A10" in p for p in requests)
    assert not any("%22offset%22%3A20" in p for p in requests)  # stopped at the partial page
    assert stats["crisiswatch/zalo/conversations"] == 14
    assert stats["crisiswatch/zalo/own_messages_skipped"] > 0  # the OA's replies (src 0)
    # the photo and the sticker; the sticker twice (also the conversation's last message in listrecentchat)
    assert stats["crisiswatch/zalo/non_text_skipped"] == 3
    ids = topic_ids(settings, len(expected))
    assert sorted(ids) == sorted(expected)  # each message once, although listrecentchat repeats the last ones
    assert stats.get("crisiswatch/watchlist_dropped", 0) == 0  # skip_watchlist: relevant by definition
    newest = max(m["time"] for m in recorded_conversations() if m["message_id"] in expected)
    watermark = json.loads((settings.state_dir / "watermarks" / "zalo.json").read_text())
    assert watermark == {"newest_ms": newest}
    assert OLD_ACCESS not in log and APP_SECRET not in log

    # a second run reads back only to the watermark (minus an hour) and delivers nothing new
    with ReplayServer(RECORDINGS) as server:
        stats, _log = crawl(settings, server.base_url, tmp_path)
    assert stats["finish_reason"] == "finished"
    assert stats.get("crisiswatch/delivered", 0) == 0
    assert len(topic_ids(settings, len(expected))) == len(expected)


def test_webhook_and_backfill_copies_are_one_mention(zalo_bus_settings: Settings, tmp_path: Path) -> None:
    settings = zalo_bus_settings
    with Spool(spool_dir(settings.state_dir)) as spool:
        for event in load_events():
            spool.append(event.body)
    with Forwarder(settings, oa_id=OA_ID, send_timeout_s=10) as forwarder:
        forwarder.run(until_empty=True)
        from_webhook = forwarder.stats.sent
    webhook_ids = {json.loads(e.body)["message"]["msg_id"] for e in load_events()
                   if json.loads(e.body)["event_name"].startswith("user_send_") and
                   json.loads(e.body)["message"].get("text")}
    seed(settings)
    with ReplayServer(RECORDINGS) as server:
        stats, _log = crawl(settings, server.base_url, tmp_path)
    backfill_only = expected_backfill_ids() - webhook_ids
    assert backfill_only and stats["crisiswatch/delivered"] == len(backfill_only)
    assert stats["crisiswatch/duplicates_dropped"] == len(expected_backfill_ids() & webhook_ids)
    ids = topic_ids(settings, from_webhook + len(backfill_only))
    assert len(ids) == len(set(ids)) == from_webhook + len(backfill_only)
    keys = {r.key.decode() for r in read_topic(settings, settings.topic_raw)}
    assert keys == {mention_id("zalo", i) for i in webhook_ids | backfill_only}


def test_invalid_token_is_refreshed_once_and_the_request_retried(zalo_bus_settings: Settings,
                                                                 tmp_path: Path) -> None:
    settings = zalo_bus_settings
    seed(settings)
    root = scenario(tmp_path, {"path": "/v2.0/oa/listrecentchat", "query": {"data": '{"offset":0,"count":10}'},
                               "body": "api/error-invalid-token.json", "times": 1})
    with ReplayServer(root) as server:
        stats, log = crawl(settings, server.base_url, tmp_path)
        refreshes = [p for m, p in server.requests if m == "POST" and p == "/v4/oa/access_token"]
    assert stats["finish_reason"] == "finished"
    assert stats["crisiswatch/zalo/api_error_-216"] == 1 and stats["crisiswatch/zalo/token_refreshed"] == 1
    assert len(refreshes) == 1
    assert len(topic_ids(settings, len(expected_backfill_ids()))) == len(expected_backfill_ids())
    stored = json.loads((settings.state_dir / "zalo-token.json").read_text())
    assert stored["refresh_token"] == NEW_REFRESH and stored["access_token"] == NEW_ACCESS
    for secret in (OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, APP_SECRET, OA_SECRET):
        assert secret not in log, "a secret was logged"
    assert "refreshed it, retrying" in log


def test_invalid_token_after_refresh_stops_with_a_clear_message(zalo_bus_settings: Settings,
                                                                tmp_path: Path) -> None:
    settings = zalo_bus_settings
    seed(settings)
    root = scenario(tmp_path, {"path": "/v2.0/oa/listrecentchat", "body": "api/error-invalid-token.json"})
    with ReplayServer(root) as server:
        stats, log = crawl(settings, server.base_url, tmp_path)
        refreshes = [p for m, p in server.requests if m == "POST"]
    assert stats["finish_reason"] == "zalo_token_invalid"
    assert len(refreshes) == 1  # refreshed once, not in a loop
    assert stats["crisiswatch/zalo/api_error_-216"] == 2
    assert "still rejects the access token right after a refresh" in log
    assert not (settings.state_dir / "watermarks" / "zalo.json").exists()
    assert read_topic(settings, settings.topic_raw) == []


def test_other_api_errors_are_counted_and_the_crawl_goes_on(zalo_bus_settings: Settings, tmp_path: Path) -> None:
    settings = zalo_bus_settings
    seed(settings)
    user = "5812340918273645006"
    root = scenario(tmp_path, {"path": "/v2.0/oa/conversation",
                               "query": {"data": f'{{"user_id":{user},"offset":0,"count":10}}'},
                               "body": "api/error-invalid-params.json"})
    with ReplayServer(root) as server:
        stats, log = crawl(settings, server.base_url, tmp_path)
    assert stats["finish_reason"] == "finished"
    assert stats["crisiswatch/zalo/api_error_-201"] == 1
    assert "API error -201: Parameters are invalid" in log
    lost = {m["message_id"] for m in json.loads(
        (RECORDINGS / "api" / f"conversation-{user}-offset0.json").read_text())["data"] if m["src"] == 1}
    # the user's last message still came from listrecentchat; the rest of that conversation is missing this run
    assert sorted(topic_ids(settings, 1)) == sorted(expected_backfill_ids() - lost | (lost & {
        m["message_id"] for m in json.loads((RECORDINGS / "api" / "listrecentchat-offset0.json").read_text())["data"]
        + json.loads((RECORDINGS / "api" / "listrecentchat-offset10.json").read_text())["data"]}))


def test_expired_token_is_refreshed_before_the_first_request(zalo_bus_settings: Settings, tmp_path: Path) -> None:
    settings = zalo_bus_settings
    seed(settings, expires_in=60)  # within the refresh margin
    with ReplayServer(RECORDINGS) as server:
        stats, log = crawl(settings, server.base_url, tmp_path)
        first = server.requests[0]
    assert first == ("POST", "/v4/oa/access_token")
    assert stats["finish_reason"] == "finished" and "crisiswatch/zalo/api_error_-216" not in stats
    assert json.loads((settings.state_dir / "zalo-token.json").read_text())["refresh_token"] == NEW_REFRESH


def test_without_a_token_the_crawl_stops_with_a_clear_message(zalo_bus_settings: Settings, tmp_path: Path) -> None:
    with ReplayServer(RECORDINGS) as server:
        stats, log = crawl(zalo_bus_settings, server.base_url, tmp_path)
        assert server.requests == []
    assert stats["finish_reason"] == "zalo_token_error"
    assert "crisiswatch zalo-token --set" in log
