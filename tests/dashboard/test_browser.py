"""Smoke test in Debian's Chromium (Playwright): log in, watch a new critical alert appear live on the board,
open it, see the charts and the SLA countdown; screenshots of each page (laptop and phone width) go to
$CRISISWATCH_SCREENSHOTS (default: the test's tmp dir). The full browser suite comes with the later pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import HOSTILE, PASSWORD, episode, start_playbook
from tests.dashboard.test_stream import server  # noqa: F401 - the uvicorn fixture

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")


def test_board_live_update_and_detail_in_chromium(server: str, engine, alerts, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("CRISISWATCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    update = episode(score=70, province="Hà Nội")
    first = alerts.apply(update).alert
    start_playbook(engine, first, update)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server}/")
        page.fill("input[name=username]", "responder1")
        page.fill("input[name=password]", PASSWORD)
        page.screenshot(path=shots / "login.png")
        page.click("button[type=submit].primary")
        expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(page.locator(f"#alert-{first.id}")).to_be_visible()

        new = alerts.apply(episode(rule="new", score=95, title=HOSTILE[:400], minutes_ago=1)).alert
        expect(page.locator(f"#alert-{new.id}")).to_be_visible(timeout=10_000)
        expect(page.locator("#critical-banner")).to_be_visible()
        assert page.locator("#board-rows tr").first.get_attribute("id") == f"alert-{new.id}"  # critical first
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, f"a long unbroken title widened the page to {width}px"
        page.screenshot(path=shots / "board.png", full_page=True)

        page.goto(f"{server}/alerts/{first.id}")
        expect(page.locator(".countdown").first).to_contain_text(":")
        expect(page.locator("#chart-timeline")).to_be_visible()
        page.screenshot(path=shots / "alert.png", full_page=True)
        page.click(f"#playbook form[action$='/acknowledge'] button")
        expect(page.locator(".flash-ok")).to_contain_text("Đã nhận bước")

        page.goto(f"{server}/health")
        expect(page.locator("#kafka-down")).to_be_visible()
        page.screenshot(path=shots / "health.png", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=shots / "board-phone.png", full_page=True)
        page.goto(f"{server}/alerts/{first.id}")
        page.screenshot(path=shots / "alert-phone.png", full_page=True)
        browser.close()
    assert errors == []
