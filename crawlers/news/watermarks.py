"""Per-outlet watermarks of the news crawler: the latest published time delivered, persisted as JSON.

`state_dir/watermarks/news.json` = `{"<outlet>": "<ISO UTC time>", …}`, replaced atomically (temp file in the
same folder, fsync, `os.replace`), so a crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)


class WatermarkStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, datetime]:
        """The saved watermarks; a missing file is empty, an unreadable one is logged and treated as empty (the
        crawl then re-fetches the feeds' articles and the dedupe stage drops what was already delivered)."""
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            return {str(k): datetime.fromisoformat(v).astimezone(UTC) for k, v in raw.items()}
        except (OSError, ValueError, TypeError) as error:
            log.warning("news watermarks %s unreadable (%s): starting without watermarks", self.path, error)
            return {}

    def save(self, marks: dict[str, datetime]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {k: v.astimezone(UTC).isoformat() for k, v in sorted(marks.items())}
        fd, tmp = tempfile.mkstemp(prefix=".news-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
