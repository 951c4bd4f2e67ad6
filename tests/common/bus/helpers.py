"""Test helpers for the bus tests (real broker, real processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.schema import Mention, Source
from common.settings import Settings

from tests.support import wait_for  # noqa: F401 - re-exported for the tests of this folder

WORKER_PROC = Path(__file__).with_name("worker_proc.py")

_TEXT = ("Tôi đóng bảo hiểm xã hội 12 năm, giờ muốn rút một lần thì bị từ chối, cơ quan BHXH tỉnh trả lời rất chậm. "
         "Ai biết thủ tục trên VssID thì chỉ giúp với, đã nộp hồ sơ hai tháng mà chưa thấy hồi âm gì. ")


def make_mentions(n: int, prefix: str = "post", text_chars: int = 250) -> list[Mention]:
    """`n` valid mentions of about 1 KB of JSON each (text_chars of Vietnamese text)."""
    text = (_TEXT * (text_chars // len(_TEXT) + 1))[:text_chars]
    created = datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
    return [
        Mention.create(source=Source.facebook, source_id=f"{prefix}-{i}", text=f"{i} {text}",
                       text_normalized=f"{i} {text}".lower(), created_at=created, language="vi")
        for i in range(n)
    ]


def start_worker_proc(settings: Settings, group_id: str, progress: Path, **cfg: Any) -> subprocess.Popen[bytes]:
    config = {
        "settings": settings.model_dump(mode="json", include={
            "kafka_bootstrap_servers", "state_dir", "topic_raw", "topic_classified", "topic_dlq",
            "worker_batch_size", "worker_max_retries", "max_message_bytes"}),
        "group_id": group_id,
        "progress": str(progress),
        **cfg,
    }
    return subprocess.Popen([sys.executable, str(WORKER_PROC), json.dumps(config)])


def read_progress(progress: Path) -> dict[str, Any] | None:
    try:
        return json.loads(progress.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
