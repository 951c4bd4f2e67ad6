"""The fixture server that replays recorded source responses: timeline, times, ETag, templating."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawlers.replay import ReplayServer, load_manifests


def write_recordings(root: Path) -> Path:
    (root / "site").mkdir(parents=True)
    (root / "site" / "feed-1.xml").write_text("<rss>one {{base}}/a</rss>", encoding="utf-8")
    (root / "site" / "feed-2.xml").write_text("<rss>two</rss>", encoding="utf-8")
    (root / "manifest.yaml").write_text("""
- {path: /site/feed.xml, body: site/feed-1.xml, headers: {Content-Type: application/rss+xml}}
- {path: /site/feed.xml, body: site/feed-2.xml, release_s: 30}
- {path: /api/items, query: {page: "2"}, status: 503, times: 1}
- {path: /api/items, query: {page: "2"}, body: site/feed-2.xml}
""", encoding="utf-8")
    return root


def get(url: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_serves_recordings_with_base_url_and_timeline(tmp_path):
    with ReplayServer(write_recordings(tmp_path), speed=100.0) as server:
        status, body, headers = get(server.base_url + "/site/feed.xml")
        assert status == 200 and body.decode() == f"<rss>one {server.base_url}/a</rss>"
        assert headers["Content-Type"] == "application/rss+xml"
        time.sleep(0.35)  # 35 timeline seconds at speed 100
        assert get(server.base_url + "/site/feed.xml")[1] == b"<rss>two</rss>"


def test_times_then_next_entry_and_query_matching(tmp_path):
    with ReplayServer(write_recordings(tmp_path)) as server:
        assert get(server.base_url + "/api/items?page=2&limit=10")[0] == 503
        assert get(server.base_url + "/api/items?page=2")[0] == 200
        assert get(server.base_url + "/api/items?page=3")[0] == 404


def test_etag_revalidation_and_default_robots(tmp_path):
    with ReplayServer(write_recordings(tmp_path)) as server:
        status, _, headers = get(server.base_url + "/site/feed.xml")
        assert get(server.base_url + "/site/feed.xml", **{"If-None-Match": headers["ETag"]})[0] == 304
        assert server.not_modified == ["/site/feed.xml"]
        status, body, _ = get(server.base_url + "/robots.txt")
        assert status == 200 and b"Allow: /" in body


def test_bad_manifest_names_the_file_and_entry(tmp_path):
    (tmp_path / "manifest.yaml").write_text("- {path: /x, stauts: 200}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)manifest.yaml: entry 1: .*stauts"):
        load_manifests([tmp_path])
