"""A forwarder process for the recovery tests: `python forwarder_proc.py '<json config>'`.

Config: settings (fields for `Settings`), batch_size, pause_s (sleep after every batch, so a test can kill it
mid-stream), send_timeout_s, backoff_max_s. SIGTERM / SIGINT: finish the current batch and exit 0.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from common.settings import Settings  # noqa: E402
from crawlers.zalo.forwarder import BatchResult, Forwarder  # noqa: E402


class SlowForwarder(Forwarder):
    pause_s = 0.0

    def run_once(self) -> BatchResult:
        result = super().run_once()
        if result.read:
            time.sleep(self.pause_s)
        return result


def main() -> None:
    config = json.loads(sys.argv[1])
    settings = Settings(**config["settings"])
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    SlowForwarder.pause_s = config.get("pause_s", 0.0)
    with SlowForwarder(settings, batch_size=config.get("batch_size", 200), poll_interval_s=0.05,
                       backoff_initial_s=0.1, backoff_max_s=config.get("backoff_max_s", 1.0),
                       send_timeout_s=config.get("send_timeout_s", 5.0), oa_id=config.get("oa_id")) as forwarder:
        forwarder.run(stop)


if __name__ == "__main__":
    main()
