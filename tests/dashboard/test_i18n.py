"""Every UI string exists in both languages, and every key the templates and routes use is in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.i18n import MESSAGES, Translator

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_]+)["']\s*[,)]""")  # literal keys, not prefixes


def test_every_message_has_both_languages() -> None:
    for key, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", vi)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_used_in_code_and_templates_exists() -> None:
    files = [*DASHBOARD.rglob("*.html"), *DASHBOARD.rglob("*.py")]
    used = {key for path in files for key in KEY_CALL.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 50
    assert sorted(used - MESSAGES.keys()) == []


def test_unknown_key_fails_loudly_and_relative_times() -> None:
    from datetime import UTC, datetime, timedelta

    t = Translator("vi")
    with pytest.raises(KeyError, match="khong.co"):
        t("khong.co")
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert t.relative(now - timedelta(minutes=5), now) == "5 phút trước"
    assert t.relative(now - timedelta(hours=3), now) == "3 giờ trước"
    assert Translator("en").relative(now - timedelta(days=2), now) == "2 days ago"
    assert Translator("fr").lang == "vi"  # an unknown cookie value falls back to Vietnamese
