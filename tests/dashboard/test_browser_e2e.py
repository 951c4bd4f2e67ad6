"""End to end in Debian's Chromium (Playwright) against a real uvicorn server, a real SQLite store and a real
tantivy index: log in; watch the alert of a rumor wave appear live on the board while the wave is replayed through
the real `AlertingService` (default rule, default playbooks) in a background thread; open it; acknowledge it and
complete a playbook step with a note; search without diacritics ("rut bhxh") and see the accented words
highlighted; export the result as CSV (BOM, Vietnamese text); visit the rules and forecast pages.

Screenshots of every page go to $CRISISWATCH_SCREENSHOTS (default: the test's tmp dir)."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerting.playbook import load_playbooks
from alerting.rules import load_rules
from alerting.service import AlertingService
from alerting.store.alerts import AlertStore
from alerting.store.playbooks import PlaybookStore
from common.claims import load_registry
from common.schema import Sentiment, Topic
from common.settings import Settings
from tests.alerting.factory import T0, mention
from tests.dashboard.conftest import PASSWORD
from tests.dashboard.test_browser import ARGS, CHROMIUM
from tests.dashboard.test_search import build_index
from tests.dashboard.test_stream import server  # noqa: F401 - the uvicorn fixture

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed")
CLAIM = "cam-rut-bhxh-mot-lan"
PACE_S = 0.15  # between replayed posts: the wave arrives over about a second, as a live stream would


def replay_wave(engine, done: threading.Event, errors: list[BaseException]) -> None:
    """Six posts spreading a known claim over the last half hour, fed one by one through the default known-claim
    rule."""
    start = (datetime.now(UTC) - T0) / timedelta(minutes=1) - 30
    try:
        rules = [rule for rule in load_rules() if rule.name == "rumor-known-claim"]
        service = AlertingService(rules, AlertStore(engine), PlaybookStore(engine), playbooks=load_playbooks(),
                                  claims=load_registry(), actor="alerting-e2e")
        for i in range(6):
            post = mention(f"nghe nói sắp cấm rút bhxh một lần, bài {i}", minutes=start + 5 * i,
                           claims=(CLAIM,), topic=Topic.one_time_withdrawal, misinformation=True,
                           sentiment=Sentiment.negative)
            service.process([post])
            time.sleep(PACE_S)
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        done.set()


def test_end_to_end_in_chromium(server: str, settings: Settings, engine, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("CRISISWATCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    build_index(settings)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        # (1) log in
        page.goto(f"{server}/")
        page.fill("input[name=username]", "responder1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")
        expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
        expect(page.locator("#board-rows tr[data-id]")).to_have_count(0)
        page.screenshot(path=shots / "e2e-board-empty.png", full_page=True)

        # (2) a rumor wave is replayed through the alerting service: its alert appears without a reload
        done, errors = threading.Event(), []
        replay = threading.Thread(target=replay_wave, args=(engine, done, errors), daemon=True)
        replay.start()
        row = page.locator("#board-rows tr[data-id]").first
        expect(row).to_be_visible(timeout=15_000)
        expect(row).to_contain_text("cấm rút")
        replay.join(timeout=20)
        assert done.is_set() and errors == []
        page.screenshot(path=shots / "e2e-board-live.png", full_page=True)

        # (3) open it
        row.locator("a").first.click()
        expect(page.locator("#playbook")).to_be_visible()
        expect(page.locator("#claims")).to_contain_text(CLAIM)
        page.screenshot(path=shots / "e2e-alert.png", full_page=True)

        # (4) acknowledge the alert, then complete the first playbook step with a note
        page.click("#actions form[action$='/acknowledge'] button")
        expect(page.locator(".flash-ok")).to_contain_text("Đã tiếp nhận cảnh báo")
        expect(page.locator(".page-head .status")).to_have_text("đã tiếp nhận")
        step = page.locator("#playbook li.step-pending").first
        step_id = step.get_attribute("id")
        step.locator("form[action$='/complete'] input[name=note]").fill("Đã xác minh: tin đồn sai, đã báo lãnh đạo")
        step.locator("form[action$='/complete'] button").click()
        expect(page.locator(".flash-ok")).to_contain_text("Đã hoàn thành bước")
        expect(page.locator(f"#{step_id}")).to_have_class("step step-done")
        expect(page.locator(f"#{step_id}")).to_contain_text("Đã xác minh: tin đồn sai")
        expect(page.locator("#audit")).to_contain_text("step.completed")
        page.screenshot(path=shots / "e2e-alert-done.png", full_page=True)

        # (5) search without diacritics, see the accented words highlighted, export CSV
        page.click("nav.nav a[href='/search']")
        page.fill("input[name=q]", "rut bhxh")
        page.click("#search-form button[type=submit]")
        expect(page.locator("#total")).to_contain_text("26 kết quả")
        expect(page.locator("#hits mark", has_text="rút").first).to_be_visible()
        expect(page.locator("#hits mark", has_text="BHXH").first).to_be_visible()
        assert page.locator("#hits script").count() == 0  # the hostile post's markup stayed text
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        expect(page.locator("#chart-histogram")).to_be_visible()
        page.screenshot(path=shots / "e2e-search.png", full_page=True)
        with page.expect_download() as info:
            page.click("#export-csv")
        body = Path(info.value.path()).read_bytes()
        assert info.value.suggested_filename.endswith(".csv")
        assert body.startswith("\ufeff".encode()) and "cấm rút BHXH một lần" in body.decode("utf-8-sig")

        bad = page.goto(f"{server}/search?q=title%3A%22b%E1%BA%A3o")
        assert bad is not None and bad.status == 400
        expect(page.locator("#query-error")).to_contain_text("vị trí 6")
        page.screenshot(path=shots / "e2e-search-error.png", full_page=True)

        page.click("nav.nav a[href='/rules']")
        expect(page.locator("#rule-rumor-known-claim")).to_be_visible()
        page.screenshot(path=shots / "e2e-rules.png", full_page=True)
        page.fill("#dry-run input[name=from]", "2026-03-02")
        page.fill("#dry-run input[name=to]", "2026-03-02")
        page.click("#dry-run button[type=submit]")
        expect(page.locator("#dry-summary")).to_contain_text("từ 29 bài")
        expect(page.locator("#chart-dry-run")).to_be_visible()
        page.screenshot(path=shots / "e2e-rules-dry-run.png", full_page=True)

        page.click("nav.nav a[href='/forecast']")
        expect(page.locator("#no-report")).to_be_visible()
        reports = settings.state_dir / "forecast"
        reports.mkdir(parents=True)
        (reports / "report-2026-W47.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'><style>h1{color:#0b5394}</style></head>"
            "<body><h1>Dự báo tuần 47</h1><p>Nguy cơ khủng hoảng: thấp.</p></body></html>", encoding="utf-8")
        page.reload()
        expect(page.frame_locator("iframe.report").locator("h1")).to_have_text("Dự báo tuần 47")
        page.screenshot(path=shots / "e2e-forecast.png", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}/search?q=rut+bhxh")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=shots / "e2e-search-phone.png", full_page=True)
        browser.close()
    assert page_errors == []
