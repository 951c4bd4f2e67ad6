"""Page 6, forecast: the newest report under <state_dir>/forecast in a frame, the previous ones listed, reports
served as UTF-8 with a script-free policy, only by a listed name (no path traversal), and an empty state."""

from __future__ import annotations

import os

from common.settings import Settings


def write_reports(settings: Settings) -> None:
    root = settings.state_dir / "forecast"
    root.mkdir(parents=True)
    for day, stamp in (("2026-W09", 1_700_000_000), ("2026-W10", 1_700_600_000)):
        path = root / f"report-{day}.html"
        path.write_text(f"<html><body><h1>Dự báo tuần {day}</h1></body></html>", encoding="utf-8")
        os.utime(path, (stamp, stamp))
    (settings.state_dir / "secret.html").write_text("bí mật", encoding="utf-8")
    (root / "notes.txt").write_text("không phải báo cáo", encoding="utf-8")


def test_empty_state_explains_the_command(client_for) -> None:
    page = client_for("viewer").get("/forecast")
    assert page.status_code == 200 and 'id="no-report"' in page.text and "crisiswatch forecast" in page.text


def test_latest_report_framed_and_previous_listed(settings: Settings, client_for) -> None:
    write_reports(settings)
    viewer = client_for("viewer")
    page = viewer.get("/forecast")
    assert '<iframe class="report" src="/forecast/report/report-2026-W10.html"' in page.text
    assert 'id="previous-reports"' in page.text and "report-2026-W09.html" in page.text
    assert "notes.txt" not in page.text
    report = viewer.get("/forecast/report/report-2026-W10.html")
    assert report.status_code == 200 and report.headers["content-type"] == "text/html; charset=utf-8"
    assert "Dự báo tuần 2026-W10" in report.text
    assert "sandbox" in report.headers["content-security-policy"]
    assert report.headers["x-frame-options"] == "SAMEORIGIN"


def test_no_path_traversal(settings: Settings, client_for) -> None:
    write_reports(settings)
    viewer = client_for("viewer")
    for name in ("..%2Fsecret.html", "report-..%2F..%2Fsecret.html", "notes.txt", "report-missing.html",
                 "%2Fetc%2Fpasswd"):
        response = viewer.get(f"/forecast/report/{name}")
        assert response.status_code == 404, name
        assert "bí mật" not in response.text
    (settings.state_dir / "forecast" / "report-link.html").symlink_to(settings.state_dir / "secret.html")
    assert viewer.get("/forecast/report/report-link.html").status_code == 404
