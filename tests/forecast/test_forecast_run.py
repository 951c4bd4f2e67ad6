"""The weekly job: schedule arithmetic, the climatology fallback, the report's content and `crisiswatch forecast`
end to end (simulated history, and a real tantivy index + SQLite alert store)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.store.alerts import AlertStore
from alerting.store.database import create_engine_for, upgrade
from common.schema import Sentiment, Topic
from common.settings import get_settings
from forecast.cli import register
from forecast.event_calendar import default_calendar, load_calendar
from forecast.history import HIGH
from forecast.report import last_week, write_report
from forecast.run import (
    StoredForecast,
    latest_report_age,
    next_run,
    previous_forecast,
    run_forecast,
    write_model_choice,
)
from forecast.simulator import simulate
from index.aggregations import VN_TZ
from index.tantivy_backend import TantivyBackend
from tests.forecast.test_sources import mention

Z = UTC


@pytest.mark.parametrize(("after", "expected"), [
    ("2026-11-22T08:47:00", "2026-11-23T00:00:00"),  # Sunday 15:47 in Vietnam → Monday 07:00 (00:00 UTC)
    ("2026-03-01T23:30:00", "2026-03-02T00:00:00"),  # Sunday 23:30 UTC is already Monday 06:30 in Vietnam
    ("2026-03-02T00:00:00", "2026-03-09T00:00:00"),  # exactly Monday 07:00: strictly after → next week
    ("2026-01-26T00:00:01", "2026-02-02T00:00:00"),  # month boundary
    ("2026-12-28T00:00:00", "2027-01-04T00:00:00"),  # year boundary
    ("2029-12-30T23:30:00", "2029-12-31T00:00:00"),  # UTC still in 2029-12-30, Vietnam already Monday 31
])
def test_next_run_monday_0700_vietnam(after: str, expected: str):
    got = next_run(datetime.fromisoformat(after).replace(tzinfo=Z))
    assert got == datetime.fromisoformat(expected).replace(tzinfo=Z)


def test_next_run_other_slot_and_validation():
    # Friday 18:30 in Vietnam = 11:30 UTC
    friday = next_run(datetime(2026, 3, 2, tzinfo=Z), weekday=4, at=time(18, 30))
    assert friday == datetime(2026, 3, 6, 11, 30, tzinfo=Z)
    with pytest.raises(ValueError, match="múi giờ"):
        next_run(datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="weekday"):
        next_run(datetime(2026, 3, 2, tzinfo=Z), weekday=7)


def test_too_little_history_falls_back_to_climatology_or_refuses():
    calendar = default_calendar()
    history, _ = simulate(10 * 7 / 365, seed=3, start=date(2026, 1, 5), calendar=calendar)
    run = run_forecast(history, calendar, model="gradient_boosting", model_source="test")
    assert run.forecast.model == "climatology" and "10 tuần" in run.fallback
    assert run.forecast.origin == history.end and run.forecast.volume.mean.shape == (7, 34, 11)
    short, _ = simulate(5 * 7 / 365, seed=3, start=date(2026, 1, 5), calendar=calendar)
    with pytest.raises(ValueError, match="cần ít nhất 6 tuần"):
        run_forecast(short, calendar, model="climatology", model_source="test")


HOSTILE = "<script>alert('x')</script> & Tết"


def _hostile_calendar(tmp_path: Path, day: date) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(f"""version: 1
events:
  - id: hostile
    name: "{HOSTILE}"
    kind: policy_effective
    topics: [all]
    effect: {{lift: 2.0, lead_days: 1, decay_days: 2}}
    date: {day.isoformat()}
""", encoding="utf-8")
    return path


def test_report_content_escaping_pdf_and_last_week(tmp_path: Path):
    calendar = load_calendar(_hostile_calendar(tmp_path, date(2026, 3, 4)))
    history, _ = simulate(30 * 7 / 365, seed=5, start=date(2026, 3, 9) - timedelta(days=210), calendar=calendar)
    # last week's stored forecast: P = 1 in one cell with a high alert that week, 0 elsewhere
    prev_origin = history.end - timedelta(days=7)
    outcome = (history.alerts[history.index_of(prev_origin):] >= HIGH).any(axis=0)
    p_high = np.zeros((34, 11))
    hit = tuple(int(i[0]) for i in np.nonzero(outcome)) if outcome.any() else (0, 0)
    p_high[hit] = 1.0
    stored = StoredForecast(prev_origin, "Thử", list(history.provinces), list(history.topics),
                            np.ones((7, 34, 11)), p_high)
    compared = last_week(run_forecast(history, calendar, model="climatology", model_source="x"), stored)
    assert compared.brier == pytest.approx(((p_high - outcome) ** 2).mean())
    assert compared.risks[0][:2] == (history.provinces[hit[0]], history.topics[hit[1]])
    assert compared.risks[0][3] == bool(outcome[hit])
    assert compared.positives == int(outcome.sum())
    assert sum(p for _, p, _ in compared.topics) == pytest.approx(7 * 34 * 11)

    # the hostile event above lies in the week before the origin (2026-03-09); put it in the forecast week
    calendar = load_calendar(_hostile_calendar(tmp_path, history.end + timedelta(days=2)))
    run = run_forecast(history, calendar, model="climatology", model_source="chọn bởi <b>test</b>")
    html_path, pdf_path, risks = write_report(tmp_path / "out", run, stored)
    assert html_path.name == f"report-{run.forecast.origin}.html" and pdf_path.suffix == ".pdf"
    page = html_path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and 'name="viewport"' in page
    for heading in ("Rủi ro cao nhất tuần tới", "Sự kiện đã biết trong tuần", "Diễn biến theo chủ đề",
                    "Xếp hạng tỉnh/thành", "Tuần trước: dự báo so với thực tế"):
        assert heading in page
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Tết" in page
    assert "<b>test</b>" not in page and "&lt;b&gt;test&lt;/b&gt;" in page
    assert page.count("<svg") == 2 and "<img" not in page
    assert "Brier" in page and ("đã xảy ra" in page or "không xảy ra" in page)
    assert len(risks) == 10 and risks[0].p_high >= risks[-1].p_high
    assert risks[0].province in page
    assert pdf_path.read_bytes()[:5] == b"%PDF-" and pdf_path.stat().st_size > 10_000


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    state = tmp_path / "state"
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(state))
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'alerts.db'}")
    monkeypatch.delenv("CRISISWATCH_CONFIG", raising=False)
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    yield app, state
    get_settings.cache_clear()


def test_cli_run_on_simulated_history_uses_the_stored_pick_and_compares_last_week(cli):
    app, state = cli
    write_model_choice(state / "forecast", "seasonal_naive", {})
    runner = CliRunner()
    first = runner.invoke(app, ["forecast", "run", "--history-from", "simulate", "--history-weeks", "30",
                                "--today", "2026-03-02"])
    assert first.exit_code == 0, first.output
    assert "Rủi ro cao nhất tuần 02/03 – 08/03/2026" in first.output
    doc = json.loads((state / "forecast" / "forecast-2026-03-02.json").read_text(encoding="utf-8"))
    assert doc["model"] == "seasonal_naive" and doc["origin"] == "2026-03-02" and doc["fallback"] is None
    assert np.asarray(doc["volume"]["mean"]).shape == (7, 34, 11) and np.asarray(doc["p_high"]).shape == (34, 11)
    assert doc["history"]["end"] == "2026-03-02"
    second = runner.invoke(app, ["forecast", "run", "--history-from", "simulate", "--history-weeks", "30",
                                 "--today", "2026-03-09", "--model", "moving_average"])
    assert second.exit_code == 0, second.output
    page = (state / "forecast" / "report-2026-03-09.html").read_text(encoding="utf-8")
    assert "Dự báo lập cho tuần bắt đầu 02/03/2026" in page and "Lặp lại tuần trước" in page
    assert previous_forecast(state / "forecast", date(2026, 3, 16), date(2026, 3, 16))[1].origin == date(2026, 3, 9)
    age = latest_report_age(state / "forecast", datetime.now(UTC))
    assert age is not None and age < timedelta(minutes=5)
    bad = runner.invoke(app, ["forecast", "run", "--model", "prophet"])
    assert bad.exit_code == 2 and "prophet" in bad.output


def test_cli_run_from_index_and_alert_store_with_short_history(cli, tmp_path: Path):
    app, state = cli
    today = date(2026, 3, 2)
    backend = TantivyBackend(state / "index")
    rng = np.random.default_rng(0)
    mentions = []
    for d in range(8 * 7):  # 8 weeks before `today`, 03:00 UTC = 10:00 in Vietnam
        at = datetime.combine(today - timedelta(days=56 - d), time(3), Z)
        for _ in range(int(rng.poisson(6))):
            mentions.append(mention(at, province="Hà Nội", topic=Topic.pension, sentiment=Sentiment.negative))
        mentions.append(mention(at, province="Huế", topic=Topic.vssid_app))
    backend.index(mentions)
    backend.close()
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    AlertStore(engine, channels=()).apply(EpisodeUpdate(
        rule="spike", rule_type="spike", key="pension", kind=UpdateKind.opened,
        at=datetime.combine(today - timedelta(days=3), time(3), Z), severity_score=75, severity=Severity.high,
        title="Đột biến", facts=EpisodeFacts(count=20, provinces={"Hà Nội": 20}, topics={"pension": 20})))
    engine.dispose()

    result = CliRunner().invoke(app, ["forecast", "run", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "8 tuần" in result.output and "khí hậu" in result.output  # gradient boosting → climatology fallback
    doc = json.loads((state / "forecast" / f"forecast-{today}.json").read_text(encoding="utf-8"))
    assert doc["model"] == "climatology" and doc["history"]["start"] == "2026-01-05"
    assert doc["history"]["mentions"] == len(mentions) and doc["history"]["alerts"] == 1
    p_high = np.asarray(doc["p_high"])
    assert p_high[0, 0] == p_high.max()  # Hà Nội × pension: the only cell with a high alert
    page = (state / "forecast" / f"report-{today}.html").read_text(encoding="utf-8")
    assert "Lưu ý:" in page and "Hà Nội" in page


def test_cli_run_on_an_empty_index_says_so(cli):
    app, state = cli
    TantivyBackend(state / "index").close()
    upgrade(get_settings().database_url.get_secret_value())
    result = CliRunner().invoke(app, ["forecast", "run", "--today", "2026-03-02"])
    assert result.exit_code == 2 and "Chỉ mục chưa có đề cập nào" in result.output



def test_schedule_waits_for_the_next_slot_and_stops_on_sigterm(tmp_path: Path):
    """A fresh report exists, so the job does not run at start: it announces Monday 07:00 and exits cleanly
    on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    reports = tmp_path / "state" / "forecast"
    reports.mkdir(parents=True)
    (reports / "report-2026-03-02.html").write_text("<html></html>", encoding="utf-8")
    code = ("import typer; from forecast.cli import register; app = typer.Typer(); app.command('noop')(lambda: None); "
            "register(app); app()")
    env = {**os.environ, "CRISISWATCH_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("CRISISWATCH_CONFIG", None)
    process = subprocess.Popen([sys.executable, "-c", code, "forecast", "schedule"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        assert "Lần chạy dự báo tiếp theo" in line and "07:00" in line, line
        expected = next_run(datetime.now(UTC)).astimezone(VN_TZ)
        assert f"{expected:%d/%m/%Y}" in line
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and "Đã dừng lịch dự báo" in rest


def test_model_choice_defaults_and_rejects_unknown(tmp_path: Path):
    from forecast.run import read_model_choice

    assert read_model_choice(tmp_path)[0] == "gradient_boosting"
    (tmp_path / "model.json").write_text('{"model": "prophet"}', encoding="utf-8")
    with pytest.raises(ValueError, match="model.json: mô hình 'prophet' không tồn tại"):
        read_model_choice(tmp_path)
