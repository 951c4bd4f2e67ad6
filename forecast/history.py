"""`DailyHistory`: the one input the forecasters consume: daily mention counts and alerts per province × topic.

The simulator produces it today; the index / alert-store adapter will produce it from real data (daily
date_histogram per province.new × topic, plus the alert store's episodes). Days are local (Asia/Ho_Chi_Minh)
calendar days, contiguous, oldest first. Validated on construction so a broken producer fails at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from common.schema import Topic
from common.text.provinces import PROVINCES_NEW

__all__ = ["SEVERITIES", "HIGH", "TOPICS", "PROVINCES", "DailyHistory", "HistoryError"]

#: alert severity codes in ``DailyHistory.alerts``: 0 = no alert that day, then the names of
#: ``alerting.episodes.Severity`` in rank order
SEVERITIES: tuple[str, ...] = ("none", "low", "medium", "high", "critical")
HIGH = SEVERITIES.index("high")
TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)
PROVINCES: tuple[str, ...] = tuple(PROVINCES_NEW)


class HistoryError(ValueError):
    """A DailyHistory that breaks the contract (shape, counts, names)."""


@dataclass(frozen=True, eq=False)
class DailyHistory:
    """Counts ``[day, province, topic]``; ``alerts`` holds the highest alert severity code opened that day."""

    start: date
    provinces: tuple[str, ...]
    topics: tuple[str, ...]
    volume: np.ndarray
    negative: np.ndarray
    misinfo: np.ndarray
    alerts: np.ndarray

    def __post_init__(self) -> None:
        if len(set(self.provinces)) != len(self.provinces) or not self.provinces:
            raise HistoryError("provinces: danh sách tỉnh rỗng hoặc bị trùng")
        unknown = [p for p in self.provinces if p not in PROVINCES]
        if unknown:
            raise HistoryError(f"provinces: không phải tên tỉnh sau sáp nhập: {', '.join(unknown)}")
        if len(set(self.topics)) != len(self.topics) or not self.topics:
            raise HistoryError("topics: danh sách chủ đề rỗng hoặc bị trùng")
        bad = [t for t in self.topics if t not in TOPICS]
        if bad:
            raise HistoryError(f"topics: chủ đề không hợp lệ: {', '.join(bad)}")
        shape = (self.volume.shape[0], len(self.provinces), len(self.topics))
        if shape[0] < 1:
            raise HistoryError("volume: lịch sử không có ngày nào")
        for name in ("volume", "negative", "misinfo", "alerts"):
            array = getattr(self, name)
            if not isinstance(array, np.ndarray) or array.shape != shape:
                got = getattr(array, "shape", type(array).__name__)
                raise HistoryError(f"{name}: cần mảng [ngày, tỉnh, chủ đề] {shape}, nhận {got}")
            if not np.issubdtype(array.dtype, np.integer):
                raise HistoryError(f"{name}: cần số nguyên, nhận {array.dtype}")
            if array.min() < 0:
                raise HistoryError(f"{name}: có giá trị âm tại {_where(self, array < 0)}")
        for name in ("negative", "misinfo"):
            over = getattr(self, name) > self.volume
            if over.any():
                raise HistoryError(f"{name} lớn hơn volume tại {_where(self, over)}")
        if self.alerts.max() >= len(SEVERITIES):
            raise HistoryError(f"alerts: mã mức độ phải trong 0–{len(SEVERITIES) - 1} ({', '.join(SEVERITIES)})")

    @property
    def n_days(self) -> int:
        return int(self.volume.shape[0])

    @property
    def end(self) -> date:
        """The day after the last day: the forecast origin this history supports."""
        return self.start + timedelta(days=self.n_days)

    @property
    def dates(self) -> np.ndarray:
        return np.arange(np.datetime64(self.start), np.datetime64(self.end))

    def index_of(self, day: date) -> int:
        return (day - self.start).days

    def until(self, origin: date) -> DailyHistory:
        """The days strictly before ``origin`` (what a forecaster standing at ``origin`` may see)."""
        n = self.index_of(origin)
        if not 1 <= n <= self.n_days:
            raise HistoryError(f"origin {origin} nằm ngoài lịch sử {self.start}…{self.end}")
        return DailyHistory(self.start, self.provinces, self.topics, self.volume[:n], self.negative[:n],
                            self.misinfo[:n], self.alerts[:n])


def _where(history: DailyHistory, mask: np.ndarray) -> str:
    d, p, t = (int(i[0]) for i in np.nonzero(mask))
    return f"{history.start + timedelta(days=d)} / {history.provinces[p]} / {history.topics[t]}"
