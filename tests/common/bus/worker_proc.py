"""A worker process for the tests: validates `Mention` JSON and forwards it (key = mention id).

Run as `python worker_proc.py CONFIG_JSON`. After every commit (and at exit) it writes its stats to
`progress` atomically, so the test can wait on real progress instead of sleeping.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from common.bus import Worker
from common.schema import Mention
from common.settings import Settings


def main() -> int:
    cfg = json.loads(sys.argv[1])
    settings = Settings(**cfg["settings"])
    progress = Path(cfg["progress"])
    delay = cfg.get("delay_per_record_s", 0.0)

    def handler(value: bytes, record: object) -> list[tuple[str, bytes]]:
        mention = Mention.model_validate_json(value)
        if delay:
            time.sleep(delay)
        return [(mention.id, value)]

    def report(worker: Worker) -> None:
        tmp = progress.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), **worker.status()}))
        os.replace(tmp, progress)

    worker = Worker(settings, cfg["group_id"], settings.topic_raw, handler, out_topic=settings.topic_classified,
                    worker_id=cfg.get("worker_id"), on_commit=report, poll_timeout_ms=200)
    worker.install_signal_handlers()
    worker.run(max_idle_s=cfg.get("max_idle_s"))
    report(worker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
