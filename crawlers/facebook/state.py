"""Per-page crawl state in ``state_dir/watermarks/facebook.json``, written atomically (temp file, fsync, rename).

    {"version": 1,
     "pages": {"<page id>": {"since": 1752546667, "since_iso": "2025-07-15T02:31:07+00:00"}},
     "paused_until": {"<page id>" | "*": 1752550000}}

``since`` is the newest created/updated time of the posts of the last complete run of that page: the next run asks
Graph for ``since=<it>``. ``paused_until`` (epoch seconds) parks a page (``*``: every page) that Graph rate-limited
for longer than the spider is willing to wait; later runs skip it until then. Cursors are never stored.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

VERSION = 1
ALL_PAGES = "*"


def state_path(state_dir: Path) -> Path:
    return state_dir / "watermarks" / "facebook.json"


@dataclass
class FacebookState:
    since: dict[str, int] = field(default_factory=dict)
    paused_until: dict[str, int] = field(default_factory=dict)

    def pause_of(self, page_id: str, now: float) -> int | None:
        """Epoch second until which `page_id` is parked (by itself or by an app-wide pause), if in the future."""
        until = max(self.paused_until.get(page_id, 0), self.paused_until.get(ALL_PAGES, 0))
        return until if until > now else None


def load_state(path: Path) -> FacebookState:
    """The saved state; a missing file is a first run. An unreadable file is moved aside (``.corrupt``) with a
    warning and the crawl starts over without watermarks: re-fetched mentions are dropped by the dedupe stage."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or raw.get("version") != VERSION:
            raise ValueError(f"unknown format (version {raw.get('version') if isinstance(raw, dict) else None!r})")
        since = {str(k): int(v["since"]) for k, v in (raw.get("pages") or {}).items()}
        paused = {str(k): int(v) for k, v in (raw.get("paused_until") or {}).items()}
        return FacebookState(since, paused)
    except FileNotFoundError:
        return FacebookState()
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        aside = path.with_name(path.name + ".corrupt")
        os.replace(path, aside)
        log.warning("facebook: watermark file %s is unreadable (%s); moved to %s, starting without watermarks",
                    path, error, aside.name)
        return FacebookState()


def save_state(path: Path, state: FacebookState, now: float | None = None) -> None:
    now = datetime.now(UTC).timestamp() if now is None else now
    data = {
        "version": VERSION,
        "pages": {page: {"since": since, "since_iso": datetime.fromtimestamp(since, UTC).isoformat()}
                  for page, since in sorted(state.since.items())},
        "paused_until": {page: until for page, until in sorted(state.paused_until.items()) if until > now},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
