"""Rolling-origin backtest of the forecasters, the metrics, the reliability diagram and the model pick.

Protocol: the last ``weeks`` weekly origins of the history (each followed by 7 complete days). At each origin a
model sees only the days before it; every model is refitted on all data before the origin every ``refit_every``
origins (the first origin included) and between refits predicts from the newest data with its last fit.

Metrics, pooled over origins, days and cells: MAE; MASE = mean over origins of MAE / in-sample MAE of the
seasonal-naive (lag-7) forecast on that origin's training data (pooled over cells); the share of actual counts
inside the 80 % interval; for P(high alert within 7 days): Brier score, Brier skill score 1 − B / B_climatology,
ROC-AUC, reliability (equal-count bins).

The pick: among the models whose mean volume MASE (over volume, negative, misinfo) is within 5 % of the best,
the one with the lowest Brier score (the crisis probability is what leadership acts on).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from forecast.event_calendar import Calendar
from forecast.history import HIGH, DailyHistory
from forecast.models import MODELS, SERIES, Forecaster

__all__ = ["ModelScore", "BacktestResult", "mae", "mase", "brier", "brier_skill", "roc_auc", "reliability",
           "coverage", "pick", "run_backtest", "plot_reliability", "plot_errors", "MASE_TOLERANCE"]

MASE_TOLERANCE = 1.05


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual, float) - predicted)))


def mase(actual: np.ndarray, predicted: np.ndarray, insample: np.ndarray, season: int = 7) -> float:
    """MAE scaled by the in-sample MAE of the seasonal-naive forecast (``insample`` is [days, ...])."""
    insample = np.asarray(insample, float)
    if len(insample) <= season:
        raise ValueError(f"MASE cần hơn {season} ngày trong mẫu")
    scale = float(np.mean(np.abs(insample[season:] - insample[:-season])))
    if scale == 0:
        raise ValueError("MASE không xác định: chuỗi trong mẫu không thay đổi theo mùa")
    return mae(actual, predicted) / scale


def brier(p: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, float) - np.asarray(outcome, float)) ** 2))


def brier_skill(p: np.ndarray, p_reference: np.ndarray, outcome: np.ndarray) -> float:
    """1 − Brier(p) / Brier(reference): > 0 beats the reference, 1 is perfect."""
    return 1.0 - brier(p, outcome) / brier(p_reference, outcome)


def roc_auc(p: np.ndarray, outcome: np.ndarray) -> float | None:
    """ROC-AUC, or None when the outcomes are all one class."""
    outcome = np.asarray(outcome, bool).reshape(-1)
    if outcome.all() or not outcome.any():
        return None
    return float(roc_auc_score(outcome, np.asarray(p, float).reshape(-1)))


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    return float(np.mean((actual >= lo) & (actual <= hi)))


def reliability(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Equal-count bins of the predictions (rare events: equal-width bins would leave all but one nearly empty):
    mean prediction, observed frequency, count per bin."""
    p, outcome = np.asarray(p, float).reshape(-1), np.asarray(outcome, float).reshape(-1)
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(p))):
        if len(chunk):
            out.append({"p_mean": float(p[chunk].mean()), "observed": float(outcome[chunk].mean()),
                        "count": int(len(chunk))})
    return out


@dataclass
class ModelScore:
    model: str
    label: str
    mae: dict[str, float]
    mase: dict[str, float]
    coverage: dict[str, float]
    brier: float
    brier_skill: float
    roc_auc: float | None
    reliability: list[dict[str, float]]
    fit_seconds: float
    predict_seconds: float

    @property
    def mean_mase(self) -> float:
        return float(np.mean([self.mase[s] for s in SERIES]))


@dataclass
class BacktestResult:
    origins: list[date]
    refit_every: int
    cells: int
    positives: int  # cell-weeks with a high+ alert
    scores: dict[str, ModelScore]
    pick: str

    def to_json(self) -> dict:
        return {
            "origins": [o.isoformat() for o in self.origins], "refit_every_weeks": self.refit_every,
            "cells": self.cells, "cell_weeks": self.cells * len(self.origins), "positives": self.positives,
            "pick": self.pick, "pick_rule": f"lowest Brier among models with mean MASE ≤ {MASE_TOLERANCE} × best",
            "models": {name: asdict(s) | {"mean_mase": s.mean_mase} for name, s in self.scores.items()},
        }

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = [directory / "metrics.json", directory / "reliability.png", directory / "errors.png"]
        paths[0].write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        plot_reliability(self, paths[1])
        plot_errors(self, paths[2])
        return paths


def pick(scores: dict[str, ModelScore]) -> str:
    best = min(s.mean_mase for s in scores.values())
    eligible = [s for s in scores.values() if s.mean_mase <= MASE_TOLERANCE * best]
    return min(eligible, key=lambda s: s.brier).model


def run_backtest(history: DailyHistory, calendar: Calendar, *, weeks: int = 52, refit_every: int = 13,
                 models: Sequence[str] = tuple(MODELS),
                 progress: Callable[[str], None] | None = None) -> BacktestResult:
    """Rolling-origin backtest over the last ``weeks`` weekly origins (see the module docstring)."""
    if "climatology" not in models:
        raise ValueError("backtest cần mô hình climatology (tham chiếu của Brier skill score)")
    if weeks < 1 or refit_every < 1:
        raise ValueError("weeks và refit_every phải ≥ 1")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"mô hình không tồn tại: {', '.join(unknown)} (chọn trong {', '.join(MODELS)})")
    first = history.n_days - 7 * weeks
    if first < 8 * 7:
        raise ValueError(f"lịch sử {history.n_days} ngày quá ngắn cho {weeks} tuần backtest (cần ≥ 8 tuần huấn luyện)")
    origins = [history.start + timedelta(days=first + 7 * w) for w in range(weeks)]
    fitted: dict[str, Forecaster] = {}
    timing = {m: [0.0, 0.0] for m in models}
    preds = {m: {s: [] for s in SERIES} for m in models}
    lows = {m: {s: [] for s in SERIES} for m in models}
    highs = {m: {s: [] for s in SERIES} for m in models}
    probs: dict[str, list[np.ndarray]] = {m: [] for m in models}
    actual = {s: [] for s in SERIES}
    outcome, scales = [], {s: [] for s in SERIES}
    for i, origin in enumerate(origins):
        o = history.index_of(origin)
        seen = history.until(origin)
        for s in SERIES:
            actual[s].append(getattr(history, s)[o:o + 7])
            y = getattr(seen, s).astype(float)
            scales[s].append(float(np.mean(np.abs(y[7:] - y[:-7]))))
        outcome.append((history.alerts[o:o + 7] >= HIGH).any(axis=0))
        for m in models:
            if i % refit_every == 0:
                if progress:
                    progress(f"{origin} · huấn luyện {m}")
                started = time.perf_counter()
                fitted[m] = MODELS[m]().fit(seen, calendar)
                timing[m][0] += time.perf_counter() - started
            started = time.perf_counter()
            forecast = fitted[m].predict(origin, 7, history=history)
            timing[m][1] += time.perf_counter() - started
            for s in SERIES:
                band = getattr(forecast, s)
                preds[m][s].append(band.mean)
                lows[m][s].append(band.lo)
                highs[m][s].append(band.hi)
            probs[m].append(forecast.p_high)
        if progress:
            progress(f"{origin} · xong gốc {i + 1}/{len(origins)}")
    y_high = np.stack(outcome)
    clim = np.stack(probs["climatology"])
    scores = {}
    for m in models:
        p = np.stack(probs[m])
        maes = {s: mae(np.stack(actual[s]), np.stack(preds[m][s])) for s in SERIES}
        per_origin = {s: [mae(a, f) / sc for a, f, sc in zip(actual[s], preds[m][s], scales[s])] for s in SERIES}
        scores[m] = ModelScore(
            model=m, label=MODELS[m].label, mae=maes,
            mase={s: float(np.mean(per_origin[s])) for s in SERIES},
            coverage={s: coverage(np.stack(actual[s]), np.stack(lows[m][s]), np.stack(highs[m][s])) for s in SERIES},
            brier=brier(p, y_high), brier_skill=brier_skill(p, clim, y_high), roc_auc=roc_auc(p, y_high),
            reliability=reliability(p, y_high), fit_seconds=timing[m][0], predict_seconds=timing[m][1])
    return BacktestResult(origins, refit_every, int(np.prod(history.volume.shape[1:])), int(y_high.sum()), scores,
                          pick(scores))


def plot_reliability(result: BacktestResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    top = max(max(b["p_mean"], b["observed"]) for s in result.scores.values() for b in s.reliability) * 1.05
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="Hiệu chuẩn hoàn hảo")
    for s in result.scores.values():
        ax.plot([b["p_mean"] for b in s.reliability], [b["observed"] for b in s.reliability], marker="o",
                label=f"{s.label} (BSS {s.brier_skill:+.2f})")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("Xác suất dự báo (trung bình mỗi nhóm)")
    ax.set_ylabel("Tần suất thực tế cảnh báo ≥ cao trong 7 ngày")
    ax.set_title("Biểu đồ độ tin cậy (reliability diagram)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_errors(result: BacktestResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.scores)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        s = result.scores[name]
        x = np.arange(len(SERIES)) + i * width
        axes[0].bar(x, [s.mase[k] for k in SERIES], width, label=s.label)
        axes[1].bar(x, [s.coverage[k] for k in SERIES], width, label=s.label)
    for ax, title in zip(axes, ("MASE (thấp hơn là tốt hơn)", "Độ phủ khoảng 80 %")):
        ax.set_xticks(np.arange(len(SERIES)) + 0.4 - width / 2, ["Số lượng", "Tiêu cực", "Tin sai lệch"])
        ax.set_title(title)
    axes[1].axhline(0.8, color="grey", linestyle="--")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
