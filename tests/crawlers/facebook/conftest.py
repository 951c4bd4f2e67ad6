"""Fixtures of the Facebook crawler tests.

- `replay`: a `crawlers.replay.ReplayServer` over crawlers/recordings/facebook (fresh per test: one-off error
  entries are consumed as they are served).
- `crawl`: runs `FacebookSpider` in a subprocess (`spider_proc`) against `replay` and returns a `Run` (items, stats,
  log, the requests the server saw). A subprocess per run because Twisted's reactor cannot be restarted in one
  process and Scrapy configures process-wide logging; it is also how the spider runs in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.replay import ReplayServer

REPO = Path(__file__).resolve().parents[3]
RECORDINGS = REPO / "crawlers" / "recordings" / "facebook"
TOKEN = "EAAtestSECRETt0ken9f8e7d6c5b4aZDZD"  # the configured token: must appear in no log, stat or state file
PII_KEY = "test-pii-key-0123456789abcdef0123456789"


def recorded_pages() -> dict[str, str | None]:
    pages: dict[str, str | None] = {}
    for name in ("sources.yaml", "sources-errors.yaml"):
        for page in yaml.safe_load((RECORDINGS / name).read_text(encoding="utf-8"))["facebook"]["pages"]:
            pages[page["id"]] = page.get("name")
    return pages


MAIN_PAGES = [p["id"] for p in yaml.safe_load((RECORDINGS / "sources.yaml").read_text())["facebook"]["pages"]]


@dataclass
class Run:
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    reason: str | None
    log: str
    requests: list[str]  # paths with query, in the order the replay server saw them
    state_dir: Path
    returncode: int
    stderr: str

    def stat(self, key: str) -> Any:
        return self.stats.get(f"crisiswatch/facebook/{key}", 0)

    def of_page(self, page_id: str) -> list[dict[str, Any]]:
        return [item for item in self.items if item["extra"]["page_id"] == page_id]

    def watermarks(self) -> dict[str, Any]:
        path = self.state_dir / "watermarks" / "facebook.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


Crawl = Callable[..., Run]


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s] %(levelname)s: %(message)s"


def run_spider(workdir: Path, replay: ReplayServer, pages: list[str] | None = None, *,
               settings: dict[str, Any] | None = None, scrapy: dict[str, Any] | None = None,
               timeout: float = 120) -> Run:
    """One spider run in a subprocess against `replay`; files of run N go to `workdir` (state in workdir/state)."""
    workdir.mkdir(parents=True, exist_ok=True)
    number = len(list(workdir.glob("run-*.config.json"))) + 1
    names = recorded_pages()
    sources = workdir / f"run-{number}.sources.yaml"
    sources.write_text(yaml.safe_dump({"facebook": {"pages": [
        {"id": page, "name": names.get(page)} for page in (pages or MAIN_PAGES)]}}, allow_unicode=True),
        encoding="utf-8")
    app: dict[str, Any] = {
        "state_dir": str(workdir / "state"),
        "facebook_graph_url": replay.base_url,
        "facebook_access_token": TOKEN,
        "sources_file": str(sources),
        "pii_hash_key": PII_KEY,
        **(settings or {}),
    }
    log_file = workdir / f"run-{number}.log"
    overrides: dict[str, Any] = {
        "ITEM_PIPELINES": {},
        "FACEBOOK_BACKOFF_SCALE": 0.001,
        "FACEBOOK_BACKFILL_DAYS": 0,  # the recordings are from July 2025: read them all
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "DEBUG",
        "LOG_FILE": str(log_file),
        "LOG_FORMAT": LOG_FORMAT,
        "DOWNLOAD_TIMEOUT": 10,
        **(scrapy or {}),
    }
    out = workdir / f"run-{number}.json"
    config = workdir / f"run-{number}.config.json"
    config.write_text(json.dumps({"settings": app, "scrapy": overrides, "out": str(out)}), encoding="utf-8")
    first = len(replay.requests)
    proc = subprocess.run([sys.executable, "-m", "tests.crawlers.facebook.spider_proc", str(config)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    log = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    if proc.returncode != 0 or not result:
        raise AssertionError(f"spider process failed ({proc.returncode}):\n{proc.stderr[-4000:]}\n{log[-4000:]}")
    return Run(result.get("items", []), result.get("stats", {}), result.get("reason"), log,
               [path for _, path in replay.requests[first:]], Path(app["state_dir"]), proc.returncode,
               proc.stderr)


@pytest.fixture
def crawl(tmp_path: Path, replay: ReplayServer) -> Crawl:
    def run(pages: list[str] | None = None, **kwargs: Any) -> Run:
        return run_spider(tmp_path, replay, pages, **kwargs)

    return run
