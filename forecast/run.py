"""The weekly forecast job: history → model → forecast JSON + report, and the weekly schedule.

Model choice: ``crisiswatch forecast backtest`` stores its pick in ``<state_dir>/forecast/model.json``; the job
fits that model (or ``--model``), falling back to gradient boosting when the file is absent. With less than
``MIN_LEARNED_WEEKS`` weeks of history it uses climatology instead and the report says so; with less than
``MIN_WEEKS`` weeks nothing can be fitted and it refuses with a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from forecast.event_calendar import Calendar
from forecast.history import HIGH, DailyHistory
from forecast.models import CALIBRATION_WEEKS, MODELS, SERIES, Forecast
from index.aggregations import VN_TZ

__all__ = ["MIN_WEEKS", "MIN_LEARNED_WEEKS", "DEFAULT_MODEL", "ForecastRun", "forecast_dir", "read_model_choice",
           "write_model_choice", "run_forecast", "forecast_json", "load_forecast_json", "previous_forecast",
           "next_run", "latest_report_age"]

MIN_WEEKS = CALIBRATION_WEEKS + 2  # what any model's fit needs (4 calibration weeks + 2)
MIN_LEARNED_WEEKS = 12  # below this, lags/rolling means of the learned model and the baselines are mostly noise
DEFAULT_MODEL = "gradient_boosting"
FORMAT_VERSION = 1


def forecast_dir(state_dir: Path) -> Path:
    return state_dir / "forecast"


def read_model_choice(directory: Path) -> tuple[str, str]:
    """(model name, where it came from) — ``model.json`` written by the backtest, else the default."""
    path = directory / "model.json"
    if not path.is_file():
        return DEFAULT_MODEL, "mặc định (chưa có model.json từ lệnh backtest)"
    try:
        name = json.loads(path.read_text(encoding="utf-8"))["model"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: không đọc được lựa chọn mô hình ({error}); chạy lại "
                         "`crisiswatch forecast backtest` hoặc xoá tệp") from error
    if name not in MODELS:
        raise ValueError(f"{path}: mô hình {name!r} không tồn tại (có: {', '.join(MODELS)})")
    return name, f"chọn bởi kiểm định lùi ({path.name})"


def write_model_choice(directory: Path, model: str, metrics: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.json"
    payload = {"model": model, "chosen_at": datetime.now(UTC).isoformat(), "backtest": metrics}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@dataclass(frozen=True)
class ForecastRun:
    """One weekly forecast and what the report needs beside it."""

    forecast: Forecast
    history: DailyHistory
    calendar: Calendar
    model_label: str
    model_source: str
    dispersion: dict[str, float]
    fallback: str | None  # why climatology was used instead of the chosen model, None when it was not
    generated_at: datetime
    alerts_seen: int | None = None
    alerts_unplaced: int | None = None


def run_forecast(history: DailyHistory, calendar: Calendar, *, model: str, model_source: str,
                 horizon: int = 7, now: datetime | None = None, alerts_seen: int | None = None,
                 alerts_unplaced: int | None = None) -> ForecastRun:
    """Fit ``model`` on the whole history and forecast [history.end, history.end + horizon)."""
    if model not in MODELS:
        raise ValueError(f"mô hình {model!r} không tồn tại (có: {', '.join(MODELS)})")
    weeks = history.n_days // 7
    if weeks < MIN_WEEKS:
        raise ValueError(f"lịch sử chỉ có {history.n_days} ngày; cần ít nhất {MIN_WEEKS} tuần "
                         f"({7 * MIN_WEEKS} ngày) để dự báo")
    fallback = None
    if model != "climatology" and weeks < MIN_LEARNED_WEEKS:
        fallback = (f"Lịch sử mới có {weeks} tuần (< {MIN_LEARNED_WEEKS} tuần): dùng mô hình khí hậu "
                    f"(trung bình dài hạn) thay cho {MODELS[model].label}.")
        model = "climatology"
    forecaster = MODELS[model]().fit(history, calendar)
    forecast = forecaster.predict(history.end, horizon)
    return ForecastRun(forecast, history, calendar, forecaster.label, model_source, dict(forecaster.dispersion),
                       fallback, now or datetime.now(UTC), alerts_seen, alerts_unplaced)


def _rounded(array: np.ndarray, digits: int = 2) -> list:
    return np.round(array.astype(float), digits).tolist()


def forecast_json(run: ForecastRun) -> dict[str, Any]:
    f, h = run.forecast, run.history
    return {
        "version": FORMAT_VERSION,
        "generated_at": run.generated_at.isoformat(),
        "origin": f.origin.isoformat(),
        "horizon": f.horizon,
        "model": f.model,
        "model_label": run.model_label,
        "model_source": run.model_source,
        "fallback": run.fallback,
        "dispersion": run.dispersion,
        "history": {"start": h.start.isoformat(), "end": h.end.isoformat(), "days": h.n_days,
                    "mentions": int(h.volume.sum()), "alerts": run.alerts_seen, "alerts_unplaced": run.alerts_unplaced},
        "provinces": list(f.provinces),
        "topics": list(f.topics),
        **{s: {"mean": _rounded(getattr(f, s).mean), "lo": _rounded(getattr(f, s).lo),
               "hi": _rounded(getattr(f, s).hi)} for s in SERIES},
        "p_high": _rounded(f.p_high, 4),
    }


@dataclass(frozen=True)
class StoredForecast:
    """A forecast JSON read back (last week's, for the "forecast vs what happened" section)."""

    origin: date
    model_label: str
    provinces: list[str]
    topics: list[str]
    volume_mean: np.ndarray  # [horizon, P, T]
    p_high: np.ndarray  # [P, T]


def load_forecast_json(path: Path) -> StoredForecast:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        stored = StoredForecast(date.fromisoformat(doc["origin"]), str(doc["model_label"]), list(doc["provinces"]),
                                list(doc["topics"]), np.asarray(doc["volume"]["mean"], float),
                                np.asarray(doc["p_high"], float))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: tệp dự báo không hợp lệ ({error})") from error
    shape = (len(stored.provinces), len(stored.topics))
    if stored.p_high.shape != shape or stored.volume_mean.shape[1:] != shape:
        raise ValueError(f"{path}: kích thước mảng không khớp danh sách tỉnh/chủ đề")
    return stored


def previous_forecast(directory: Path, origin: date, history_end: date) -> tuple[Path, StoredForecast] | None:
    """The newest stored forecast whose 7 days ended by ``history_end`` and that started before ``origin``."""
    candidates = []
    for path in directory.glob("forecast-*.json"):
        try:
            day = date.fromisoformat(path.stem.removeprefix("forecast-"))
        except ValueError:
            continue
        if day < origin and day + timedelta(days=7) <= history_end:
            candidates.append((day, path))
    for _, path in sorted(candidates, reverse=True):
        return path, load_forecast_json(path)
    return None


def outcome_high(history: DailyHistory, origin: date, horizon: int = 7) -> np.ndarray:
    """[P, T] bool: an alert ≥ high opened in the cell during [origin, origin + horizon)."""
    i = history.index_of(origin)
    return (history.alerts[i:i + horizon] >= HIGH).any(axis=0)


# ---- schedule ----------------------------------------------------------------------------------------------

def next_run(after: datetime, *, weekday: int = 0, at: time = time(7, 0)) -> datetime:
    """The first ``weekday`` (0 = Monday) at local time ``at`` (Asia/Ho_Chi_Minh, UTC+7 all year: no DST)
    strictly after ``after`` (aware), returned in UTC."""
    if after.tzinfo is None:
        raise ValueError("next_run: cần thời điểm có múi giờ")
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday phải trong 0–6 (0 = thứ Hai), nhận {weekday}")
    local = after.astimezone(VN_TZ)
    candidate = datetime.combine(local.date() + timedelta(days=(weekday - local.weekday()) % 7), at, VN_TZ)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(UTC)


def latest_report_age(directory: Path, now: datetime) -> timedelta | None:
    """Age of the newest ``report-*.html`` by its modification time (None when there is none)."""
    reports = list(directory.glob("report-*.html"))
    if not reports:
        return None
    newest = max(p.stat().st_mtime for p in reports)
    return now - datetime.fromtimestamp(newest, UTC)


def weekly_interval(mean: np.ndarray, k: float, z: float = 1.2816) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum over the first axis of daily NB(mean, k) forecasts and an approximate 80 % interval of the sum
    (normal approximation, days independent: var = Σ(μ + μ²/k)). Used for weekly and national totals."""
    total = mean.sum(axis=0)
    sd = np.sqrt((mean + mean ** 2 / k).sum(axis=0))
    return total, np.maximum(total - z * sd, 0.0), total + z * sd


def vn_today(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()
