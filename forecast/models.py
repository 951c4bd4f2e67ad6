"""Forecasters: one interface, three strong simple baselines and a learned model; the backtest picks.

Every forecaster answers, at an origin (a day; data strictly before it is visible), for the next ``horizon`` days
and every (province, topic) cell: expected volume / negative / misinformation counts with 80 % intervals, and
P(an alert of severity high or above opens in the cell during those days).

Intervals: a negative-binomial predictive distribution around each point forecast, its dispersion ``k``
(var = μ + μ²/k) fitted per series by the method of moments on the forecaster's own errors at the last
``CALIBRATION_WEEKS`` weekly origins before the training cutoff (out of sample for the learned model, which is
trained on origins before them). The interval is then widened, if needed, to contain the point forecast.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Self

import numpy as np
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from forecast.event_calendar import Calendar, log_lift
from forecast.history import HIGH, DailyHistory

__all__ = ["SERIES", "LEVEL", "Band", "Forecast", "Forecaster", "SeasonalNaive", "MovingAverage", "Climatology",
           "GradientBoosting", "MODELS", "nb_band", "fit_dispersion"]

SERIES = ("volume", "negative", "misinfo")
LEVEL = 0.8
CALIBRATION_WEEKS = 4


@dataclass(frozen=True)
class Band:
    """Point forecast and 80 % interval, each [horizon, province, topic]."""

    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


@dataclass(frozen=True)
class Forecast:
    model: str
    origin: date
    provinces: tuple[str, ...]
    topics: tuple[str, ...]
    volume: Band
    negative: Band
    misinfo: Band
    p_high: np.ndarray  # [province, topic]: P(alert ≥ high opens in [origin, origin + horizon))

    def __post_init__(self) -> None:
        shape = self.volume.mean.shape
        if len(shape) != 3 or shape[1:] != (len(self.provinces), len(self.topics)):
            raise ValueError(f"{self.model}: dự báo có kích thước {shape}, cần [ngày, tỉnh, chủ đề]")
        for name in SERIES:
            band: Band = getattr(self, name)
            for part in (band.mean, band.lo, band.hi):
                if part.shape != shape or not np.isfinite(part).all() or (part < 0).any():
                    raise ValueError(f"{self.model}: {name} có giá trị không hợp lệ hoặc sai kích thước")
            if (band.lo > band.mean + 1e-9).any() or (band.hi < band.mean - 1e-9).any():
                raise ValueError(f"{self.model}: khoảng 80 % của {name} không chứa giá trị dự báo")
        if self.p_high.shape != shape[1:] or not ((self.p_high >= 0) & (self.p_high <= 1)).all():
            raise ValueError(f"{self.model}: xác suất cảnh báo phải trong [0, 1], kích thước [tỉnh, chủ đề]")

    @property
    def horizon(self) -> int:
        return int(self.volume.mean.shape[0])

    @property
    def dates(self) -> list[date]:
        return [self.origin + timedelta(days=h) for h in range(self.horizon)]


def fit_dispersion(actual: np.ndarray, mean: np.ndarray) -> float:
    """Negative-binomial k by the method of moments: Σ(y − μ)² = Σμ + Σμ²/k; Poisson-like errors give k = 1e4."""
    mean = np.maximum(mean, 1e-6)
    extra = float(((actual - mean) ** 2 - mean).sum())
    if extra <= 0:
        return 1e4
    return float(np.clip((mean ** 2).sum() / extra, 0.3, 1e4))


def nb_band(mean: np.ndarray, k: float, level: float = LEVEL) -> Band:
    """Central ``level`` interval of NB(mean, k), widened to contain the mean."""
    mean = np.maximum(mean, 0.0)
    tail = (1 - level) / 2
    p = k / (k + np.maximum(mean, 1e-9))
    lo = stats.nbinom.ppf(tail, k, p)
    hi = stats.nbinom.ppf(1 - tail, k, p)
    return Band(mean, np.minimum(lo, mean), np.maximum(hi, mean))


def _series(history: DailyHistory, name: str) -> np.ndarray:
    return getattr(history, name)


def _high_weeks(history: DailyHistory, end: int) -> np.ndarray:
    """[weeks, P, T] bool: a high+ alert opened in each 7-day window ending at ``end`` (exclusive), newest last."""
    n = end // 7
    high = history.alerts[end - 7 * n:end] >= HIGH
    return high.reshape(n, 7, *high.shape[1:]).any(axis=1)


class Forecaster(ABC):
    """fit on a history (everything before the origin), then predict from any origin the data reaches."""

    name: str = ""
    label: str = ""  # Vietnamese name for reports

    def __init__(self) -> None:
        self._history: DailyHistory | None = None
        self.dispersion: dict[str, float] = {s: 1e4 for s in SERIES}

    def fit(self, history: DailyHistory, calendar: Calendar) -> Self:
        if history.n_days < 7 * (CALIBRATION_WEEKS + 2):
            raise ValueError(f"{self.name}: cần ít nhất {7 * (CALIBRATION_WEEKS + 2)} ngày lịch sử để huấn luyện")
        self._history, self.calendar = history, calendar
        self._fit(history, calendar)
        self._fit_dispersion(history)
        return self

    def predict(self, origin: date, horizon: int = 7, *, history: DailyHistory | None = None) -> Forecast:
        """Forecast [origin, origin + horizon) from the data strictly before ``origin`` (``history`` defaults to
        the fitted one; later days in it are cut off, so passing the full history cannot leak the future)."""
        if self._history is None:
            raise RuntimeError(f"{self.name}: gọi fit() trước predict()")
        if horizon < 1:
            raise ValueError("horizon phải ≥ 1")
        seen = (history or self._history).until(origin)
        points, p_high = self._predict(seen, horizon)
        bands = {s: nb_band(points[s], self.dispersion[s]) for s in SERIES}
        return Forecast(self.name, origin, seen.provinces, seen.topics, bands["volume"], bands["negative"],
                        bands["misinfo"], np.clip(p_high, 0.0, 1.0))

    def _fit_dispersion(self, history: DailyHistory) -> None:
        origins = [history.n_days - 7 * w for w in range(1, CALIBRATION_WEEKS + 1)]
        errors: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {s: [] for s in SERIES}
        for o in origins:
            points, _ = self._predict(history.until(history.start + timedelta(days=o)), 7)
            for s in SERIES:
                errors[s].append((_series(history, s)[o:o + 7], points[s]))
        for s in SERIES:
            self.dispersion[s] = fit_dispersion(np.concatenate([a for a, _ in errors[s]]).astype(float),
                                                np.concatenate([m for _, m in errors[s]]))

    @abstractmethod
    def _fit(self, history: DailyHistory, calendar: Calendar) -> None: ...

    @abstractmethod
    def _predict(self, history: DailyHistory, horizon: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Point forecasts {series: [horizon, P, T]} and P(high) [P, T] from ``history`` (ends at the origin)."""


class SeasonalNaive(Forecaster):
    """Same weekday last week. P(high): persistence — the training frequency of a high alert in the next week
    given whether the cell had one in the last week (two calibrated numbers)."""

    name, label = "seasonal_naive", "Lặp lại tuần trước"

    def _fit(self, history: DailyHistory, calendar: Calendar) -> None:
        weeks = _high_weeks(history, history.n_days)
        before, after = weeks[:-1], weeks[1:]
        self.p_after_high = (after[before].sum() + 1) / (before.sum() + 2)
        self.p_after_none = (after[~before].sum() + 1) / ((~before).sum() + 2)

    def _predict(self, history: DailyHistory, horizon: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        n = history.n_days
        idx = [n - 7 + (h % 7) for h in range(horizon)]
        points = {s: _series(history, s)[idx].astype(float) for s in SERIES}
        last = (history.alerts[n - 7:] >= HIGH).any(axis=0)
        return points, np.where(last, self.p_after_high, self.p_after_none)


class MovingAverage(Forecaster):
    """Mean of the last 28 days, flat over the horizon. P(high): share of the last 4 weeks with a high alert in
    the cell, shrunk towards the topic's long-run weekly rate (prior weight 2 weeks)."""

    name, label = "moving_average", "Trung bình trượt 28 ngày"
    window = 28

    def _fit(self, history: DailyHistory, calendar: Calendar) -> None:
        self.topic_rate = _high_weeks(history, history.n_days).mean(axis=(0, 1))

    def _predict(self, history: DailyHistory, horizon: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        points = {s: np.repeat(_series(history, s)[-self.window:].mean(axis=0)[None], horizon, axis=0)
                  for s in SERIES}
        recent = _high_weeks(history, history.n_days)[-4:].sum(axis=0)
        return points, (recent + 2 * self.topic_rate[None, :]) / (4 + 2)


class Climatology(Forecaster):
    """Long-run mean per cell and weekday over the whole history. P(high): the cell's historical weekly frequency
    of a high alert, shrunk towards its topic's (prior weight 10 weeks). The reference of the Brier skill score."""

    name, label = "climatology", "Khí hậu (trung bình dài hạn)"
    prior_weeks = 10

    def _fit(self, history: DailyHistory, calendar: Calendar) -> None:
        pass

    def _predict(self, history: DailyHistory, horizon: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        n = history.n_days
        points = {}
        for s in SERIES:
            y = _series(history, s)
            points[s] = np.stack([y[(n + h) % 7::7].mean(axis=0) for h in range(horizon)]).astype(float)
        weeks = _high_weeks(history, n)
        topic = weeks.mean(axis=(0, 1))
        p = (weeks.sum(axis=0) + self.prior_weeks * topic[None, :]) / (len(weeks) + self.prior_weeks)
        return points, p


# ---- learned model -------------------------------------------------------------------------------------------

_KIND_GROUPS = {
    "policy": ("policy_effective", "base_salary_change"),
    "deadline": ("contribution_deadline", "settlement_deadline"),
    "pension_payment": ("pension_payment",),
    "holiday": ("holiday",),
}


class _Features:
    """Features at origins o (day indices; data < o visible) for target days o + h, per cell.

    Per cell and origin: log mean of the last 1/3/7/28/364 days of each series and its ratio (3 and 7 days, the
    peak day of the last 7) to the 364-day mean and Poisson z-scores of the 3/7-day excess, negative and misinformation shares (7 and 28 days), growth, same weekday 1 and 2 weeks back and the cell's 52-week mean on the
    target weekday, days since the last high alert, alerts in the last 28 days, the topic's national high alerts
    and growth in the last 7 days; calendar: the hinted event log-lift on the target day and, per kind group,
    event days in the coming and the past 7 days; topic id, weekday, horizon, day of year.
    """

    def __init__(self, history: DailyHistory, calendar: Calendar, horizon: int) -> None:
        self.h = history
        n = history.n_days
        self.cum = {s: np.concatenate([np.zeros((1,) + _series(history, s).shape[1:]),
                                       np.cumsum(_series(history, s), axis=0, dtype=float)]) for s in SERIES}
        # same-weekday cumulative sums: cum7[d] = y[d] + cum7[d - 7]
        self.cum7 = {}
        for s in SERIES:
            y = _series(history, s).astype(float)
            c = y.copy()
            for d in range(7, n):
                c[d] += c[d - 7]
            self.cum7[s] = c
        high = history.alerts >= HIGH
        self.cum_high = np.concatenate([np.zeros((1,) + high.shape[1:]), np.cumsum(high, axis=0)])
        medium = history.alerts >= 2
        self.cum_alert = np.concatenate([np.zeros((1,) + medium.shape[1:]), np.cumsum(medium, axis=0)])
        # day index of the last high alert at or before d (−10⁴ if none)
        last = np.where(high, np.arange(n)[:, None, None], -10_000)
        self.last_high = np.maximum.accumulate(last, axis=0)
        days = n + horizon + 7
        self.lift = log_lift(calendar, history.start, days, history.topics)
        self.kind_days = {g: np.zeros((days + 1, len(history.topics))) for g in _KIND_GROUPS}
        column = {t: i for i, t in enumerate(history.topics)}
        for occ in calendar.events_between(history.start, history.start + timedelta(days=days - 1)):
            for group, kinds in _KIND_GROUPS.items():
                if occ.event.kind in kinds:
                    cols = [column[t] for t in occ.event.topics if t in column]
                    d = (occ.date - history.start).days
                    self.kind_days[group][d + 1, cols] += 1  # cumulative-ready (shifted by one)
        self.kind_cum = {g: np.cumsum(v, axis=0) for g, v in self.kind_days.items()}
        self.doy = np.array([(history.start + timedelta(days=d)).timetuple().tm_yday for d in range(days)])
        self.dow = np.array([(history.start + timedelta(days=d)).weekday() for d in range(days)])

    def _mean(self, s: str, o: np.ndarray, w: int) -> np.ndarray:
        lo = np.maximum(o - w, 0)
        return (self.cum[s][o] - self.cum[s][lo]) / (o - lo)[:, None, None]

    def cell(self, o: np.ndarray) -> dict[str, np.ndarray]:
        """Features [len(o), P, T] that do not depend on the target day."""
        f: dict[str, np.ndarray] = {}
        for s in SERIES:
            for w in (1, 3, 7, 28, 364):
                f[f"{s}_{w}"] = np.log1p(self._mean(s, o, w))
        v7, v28 = self._mean("volume", o, 7), self._mean("volume", o, 28)
        for s in ("negative", "misinfo"):
            f[f"{s}_share_7"] = self._mean(s, o, 7) / np.maximum(v7, 0.5)
            f[f"{s}_share_28"] = self._mean(s, o, 28) / np.maximum(v28, 0.5)
            f[f"{s}_share_jump"] = f[f"{s}_share_7"] - f[f"{s}_share_28"]
        for s in SERIES:
            f[f"{s}_ratio_3_364"] = f[f"{s}_3"] - f[f"{s}_364"]
            f[f"{s}_ratio_7_364"] = f[f"{s}_7"] - f[f"{s}_364"]
            last7 = _series(self.h, s)[o[:, None] - np.arange(1, 8)[None, :]]
            f[f"{s}_peak_7"] = np.log1p(last7.max(axis=1)) - f[f"{s}_364"]
            usual = self._mean(s, o, 364)
            for w in (3, 7):  # Poisson z-score of the recent excess: a ratio is too noisy in small cells
                f[f"{s}_z{w}"] = (self._mean(s, o, w) - usual) * w / np.sqrt(w * usual + 1.0)
        f["growth_3_28"] = f["volume_3"] - f["volume_28"]
        f["growth_7_28"] = f["volume_7"] - f["volume_28"]
        f["days_since_high"] = np.minimum(o[:, None, None] - 1 - self.last_high[o - 1], 400)
        f["high_28"] = self.cum_high[o] - self.cum_high[np.maximum(o - 28, 0)]
        f["alerts_28"] = self.cum_alert[o] - self.cum_alert[np.maximum(o - 28, 0)]
        f["alerts_7"] = self.cum_alert[o] - self.cum_alert[np.maximum(o - 7, 0)]
        national_high = (self.cum_high[o] - self.cum_high[np.maximum(o - 7, 0)]).sum(axis=1, keepdims=True)
        f["topic_high_7"] = np.broadcast_to(national_high, f["high_28"].shape)
        topic_growth = np.log1p(self._mean("volume", o, 3).sum(1, keepdims=True)) - np.log1p(v28.sum(1, keepdims=True))
        f["topic_growth"] = np.broadcast_to(topic_growth, f["high_28"].shape)
        shape = f["high_28"].shape
        for g in _KIND_GROUPS:
            c = self.kind_cum[g]
            f[f"{g}_next_7"] = np.broadcast_to((c[o + 7] - c[o])[:, None, :], shape)
            f[f"{g}_past_7"] = np.broadcast_to((c[o] - c[np.maximum(o - 7, 0)])[:, None, :], shape)
        lift_next = np.stack([self.lift[o + h] for h in range(7)])
        f["lift_next_max"] = np.broadcast_to(lift_next.max(axis=0)[:, None, :], shape)
        f["lift_next_min"] = np.broadcast_to(lift_next.min(axis=0)[:, None, :], shape)
        f["topic"] = np.broadcast_to(np.arange(shape[2])[None, None, :], shape).astype(float)
        doy = self.doy[o]
        f["doy_sin"] = np.broadcast_to(np.sin(2 * np.pi * doy / 365.25)[:, None, None], shape)
        f["doy_cos"] = np.broadcast_to(np.cos(2 * np.pi * doy / 365.25)[:, None, None], shape)
        return f

    def day(self, o: np.ndarray, h: int) -> dict[str, np.ndarray]:
        """Features [len(o), P, T] specific to target day o + h."""
        t = o + h
        shape = (len(o),) + self.h.volume.shape[1:]
        f: dict[str, np.ndarray] = {}
        back1 = t - 7 * (1 + h // 7)
        for s in SERIES:
            y = _series(self.h, s)
            f[f"{s}_lastweek"] = np.log1p(y[back1])
            f[f"{s}_2weeks"] = np.log1p(y[np.maximum(back1 - 7, 0)])
            lo = back1 - 364
            total = self.cum7[s][back1] - np.where(lo[:, None, None] >= 0, self.cum7[s][np.maximum(lo, 0)], 0.0)
            f[f"{s}_weekday_52w"] = np.log1p(total / np.minimum(52, back1 // 7 + 1)[:, None, None])
        f["lift"] = np.broadcast_to(self.lift[t][:, None, :], shape)
        f["dow"] = np.broadcast_to(self.dow[t][:, None, None], shape).astype(float)
        f["h"] = np.full(shape, float(h))
        return f


def _matrix(parts: list[dict[str, np.ndarray]]) -> tuple[np.ndarray, list[str]]:
    names = [k for p in parts for k in p]
    return np.stack([np.asarray(p[k], float).reshape(-1) for p in parts for k in p], axis=1), names


class GradientBoosting(Forecaster):
    """Learned model: HistGradientBoosting with Poisson loss per series (lag, rolling, share, alert and calendar
    features, one row per origin × cell × horizon day) and a HistGradientBoosting classifier for P(high in the
    next 7 days) (one row per origin × cell). Regressors: weekly origins from day 35 (same weekday as the
    forecast origin), subsampled to ``max_rows`` rows; classifier: every day an origin, every positive row
    and ``max_rows`` negatives re-weighted by the inverse sampling rate (for speed without losing calibration). The last ``CALIBRATION_WEEKS`` weeks are held out to fit the interval dispersion."""

    name, label = "gradient_boosting", "Gradient boosting (học máy)"

    def __init__(self, *, max_rows: int = 40_000, max_iter: int = 80, seed: int = 0) -> None:
        super().__init__()
        self.max_rows, self.max_iter, self.seed = max_rows, max_iter, seed

    def _origins(self, n: int) -> np.ndarray:
        return np.arange(n - 7 * (CALIBRATION_WEEKS + 1), 34, -7)[::-1]

    def _fit(self, history: DailyHistory, calendar: Calendar) -> None:
        # one OpenMP thread: on a shared 2-core machine, sklearn's spinning threads made fits 10× slower
        with threadpool_limits(1):
            self._fit_models(history, calendar)

    def _fit_models(self, history: DailyHistory, calendar: Calendar) -> None:
        rng = np.random.default_rng(self.seed)
        feats = _Features(history, calendar, 7)
        origins = self._origins(history.n_days)
        cell = feats.cell(origins)
        rows, targets = [], {s: [] for s in SERIES}
        for h in range(7):
            x, self.names = _matrix([cell, feats.day(origins, h)])
            rows.append(x)
            for s in SERIES:
                targets[s].append(_series(history, s)[origins + h].reshape(-1))
        x = np.concatenate(rows)
        keep = rng.permutation(len(x))[:self.max_rows]
        self.regressors = {}
        for s in SERIES:
            model = HistGradientBoostingRegressor(loss="poisson", max_iter=self.max_iter, learning_rate=0.1,
                                                  max_leaf_nodes=15, max_bins=63, min_samples_leaf=40, l2_regularization=1.0,
                                                  categorical_features=[self.names.index("topic")],
                                                  early_stopping=False, random_state=self.seed)
            self.regressors[s] = model.fit(x[keep], np.concatenate(targets[s])[keep].astype(float))
        # classifier: every day is an origin (denser than weekly), target = a high alert opens in [o, o + 7)
        daily = np.arange(35, history.n_days - 7 * CALIBRATION_WEEKS - 7 + 1)
        xc, self.class_names = _matrix([feats.cell(daily)])
        high = feats.cum_high
        y = ((high[daily + 7] - high[daily]) > 0).reshape(-1)
        # every positive row, negatives subsampled and re-weighted by the inverse sampling rate (keeps calibration)
        negatives = np.flatnonzero(~y)
        kept = rng.permutation(negatives)[:self.max_rows]
        rows = np.concatenate([np.flatnonzero(y), kept])
        weight = np.where(y[rows], 1.0, len(negatives) / max(len(kept), 1))
        self.classifier = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=50, l2_regularization=1.0,
            max_bins=63, categorical_features=[self.class_names.index("topic")], early_stopping=False,
            random_state=self.seed).fit(xc[rows], y[rows], sample_weight=weight)

    def _predict(self, history: DailyHistory, horizon: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        feats = _Features(history, self.calendar, horizon)
        o = np.array([history.n_days])
        cell = feats.cell(o)
        shape = history.volume.shape[1:]
        x = np.concatenate([_matrix([cell, feats.day(o, h)])[0] for h in range(horizon)])
        xc, _ = _matrix([cell])
        with threadpool_limits(1):
            points = {s: self.regressors[s].predict(x).reshape((horizon,) + shape) for s in SERIES}
            return points, self.classifier.predict_proba(xc)[:, 1].reshape(shape)


MODELS: dict[str, type[Forecaster]] = {m.name: m for m in (SeasonalNaive, MovingAverage, Climatology,
                                                           GradientBoosting)}
