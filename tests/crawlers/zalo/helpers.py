"""Helpers of the Zalo tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from common.settings import Settings
from crawlers.zalo.send_events import prepare, signed_request

from tests.support import wait_for  # noqa: F401 - re-exported for the tests of this folder

APP_ID = "1784562930182736450"  # the app id of the recordings
OA_ID = "2349871650938475612"
OA_SECRET = "oa-secret-Zk8mQ2vX7pL4nR9t"
APP_SECRET = "app-secret-Hy3Jd8Kw2Qe5Zr7u"
ROOT = Path(__file__).resolve().parents[3]


def zalo_fields(state_dir: Path) -> dict[str, Any]:
    return {"state_dir": state_dir, "zalo_app_id": APP_ID, "zalo_oa_secret_key": OA_SECRET,
            "zalo_app_secret_key": APP_SECRET}


def signed(body: bytes, secret: str = OA_SECRET, app_id: str = APP_ID) -> tuple[bytes, dict[str, str]]:
    """(body, headers) as Zalo would send them (recorded timestamp kept)."""
    body, stamp = prepare(body)
    return body, signed_request(body, app_id, secret, stamp)


def text_event(msg_id: str, text: str, sender: str = "5812340918273645099", timestamp_ms: int = 1752541200000,
               **extra: Any) -> bytes:
    """A user_send_text body in Zalo's format."""
    body = {"app_id": APP_ID, "sender": {"id": sender}, "user_id_by_app": "7263540918273645199",
            "recipient": {"id": OA_ID}, "event_name": "user_send_text", "message": {"text": text, "msg_id": msg_id},
            "timestamp": str(timestamp_ms), **extra}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def make_client(app: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app)


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment that makes `get_settings()` in a child process equal to `settings` (Zalo + bus fields)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")}
    values = settings.model_dump(mode="json")
    for name in ("state_dir", "kafka_bootstrap_servers", "topic_raw", "topic_classified", "topic_dlq",
                 "zalo_app_id", "zalo_openapi_url", "zalo_oauth_url", "zalo_webhook_host", "zalo_webhook_port",
                 "sources_file"):
        if values.get(name) is not None:
            env[f"CRISISWATCH_{name.upper()}"] = str(values[name])
    for name in ("zalo_oa_secret_key", "zalo_app_secret_key"):
        secret = getattr(settings, name)
        if secret is not None:
            env[f"CRISISWATCH_{name.upper()}"] = secret.get_secret_value()
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def python(code: str, env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, **kwargs)
