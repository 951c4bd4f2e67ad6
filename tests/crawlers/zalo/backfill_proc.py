"""Run the `zalo` spider once in this process: `python backfill_proc.py '<json config>'`.

Config: settings (fields for `Settings`), spider (spider kwargs), stats (path: the crawl stats as JSON), log (path:
every log record at DEBUG, to check that no secret is ever logged).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from common.settings import Settings  # noqa: E402
from crawlers.spiders.zalo import run_backfill  # noqa: E402


def main() -> None:
    config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.DEBUG, filename=config["log"],
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stats = run_backfill(Settings(**config["settings"]), install_root_handler=False, **config.get("spider", {}))
    Path(config["stats"]).write_text(json.dumps(stats, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
