"""Adapters that build a :class:`forecast.history.DailyHistory` from real data: the search index and the alert store.

Index (through the public ``SearchBackend`` interface only, so tantivy and Elasticsearch both work): one
``facets(province)`` request per topic finds the provinces that have any mention of the topic in the period, then
one ``date_histogram(…, "day")`` per non-empty (province, topic) cell for the volume, and one each for the negative
(``sentiment = negative``) and misinformation (``misinformation = true``) counts where the facet says the cell has
any. Measured on a 200k-mention tantivy index (``python -m bench.forecast --adapter-only``), this beats streaming
every mention with ``export`` by an order of magnitude (see docs/forecast.md). Days are Asia/Ho_Chi_Minh calendar
days (the histogram's buckets). Mentions without a province cannot be placed in a cell and are not counted.

Alerts (``AlertStore``): each alert is one (rule, key) episode with counters ``facts.provinces`` and
``facts.topics``. It is mapped to the cells province × topic for every province and every topic holding at least
``ALERT_SHARE`` (25 %) of the alert's mentions (the top one is always kept), on the local day it opened, with its
current (highest reached) severity; a day keeps the highest severity of the alerts that touched it. An alert
without a province or a topic counter (a national rule keyed on something else) touches no cell and is counted
in ``AlertHistory.unplaced``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerting.store.alerts import AlertStore
from alerting.store.models import Alert
from common.schema import Sentiment, Topic
from common.text.provinces import PROVINCES_NEW
from forecast.history import PROVINCES, SEVERITIES, TOPICS, DailyHistory
from index.aggregations import VN_TZ
from index.backend import SearchBackend, SearchFilters, SearchRequest

__all__ = ["ALERT_SHARE", "AlertHistory", "local_midnight", "index_counts", "alert_history", "first_day",
           "build_history"]

ALERT_SHARE = 0.25
_SERIES_FILTERS: dict[str, dict[str, object]] = {
    "volume": {},
    "negative": {"sentiment": [Sentiment.negative]},
    "misinfo": {"misinformation": True},
}


def local_midnight(day: date) -> datetime:
    """00:00 Asia/Ho_Chi_Minh of ``day`` (aware): the boundary of a history day."""
    return datetime.combine(day, time(), VN_TZ)


def _check_period(start: date, end: date) -> int:
    days = (end - start).days
    if days < 1:
        raise ValueError(f"khoảng thời gian rỗng: {start} … {end} (ngày kết thúc không tính)")
    return days


def index_counts(backend: SearchBackend, start: date, end: date, *,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, np.ndarray]:
    """Daily mention counts ``{volume, negative, misinfo}`` as int64 arrays [day, province, topic] over the local
    days [start, end); provinces in ``PROVINCES`` order, topics in ``TOPICS`` order. ``progress(done, total)``
    is called after each topic."""
    n_days = _check_period(start, end)
    period = {"created_from": local_midnight(start), "created_to": local_midnight(end)}
    out = {s: np.zeros((n_days, len(PROVINCES), len(TOPICS)), dtype=np.int64) for s in _SERIES_FILTERS}
    column = {p: i for i, p in enumerate(PROVINCES)}
    for t, topic in enumerate(TOPICS):
        for series, extra in _SERIES_FILTERS.items():
            base = SearchFilters(topic=[Topic(topic)], **period, **extra)  # type: ignore[arg-type]
            found = backend.facets(SearchRequest(filters=base), ["province"], size=len(PROVINCES_NEW) + 10)
            for province, _count in found["province"]:
                if province not in column:
                    continue  # a name outside the 34 post-merger units cannot be a forecast cell
                request = SearchRequest(filters=base.model_copy(update={"province": province}))
                for bucket, count in backend.date_histogram(request, "day"):
                    d = (bucket.astimezone(VN_TZ).date() - start).days
                    if 0 <= d < n_days:
                        out[series][d, column[province], t] = count
        if progress is not None:
            progress(t + 1, len(TOPICS))
    return out


def first_day(backend: SearchBackend, since: date, end: date) -> date | None:
    """The first local day in [since, end) with a mention (one day histogram over everything), None if none."""
    request = SearchRequest(filters=SearchFilters(created_from=local_midnight(since), created_to=local_midnight(end)))
    buckets = backend.date_histogram(request, "day")
    return buckets[0][0].astimezone(VN_TZ).date() if buckets else None


@dataclass(frozen=True)
class AlertHistory:
    """``severity[day, province, topic]`` (codes of ``forecast.history.SEVERITIES``) and what could not be placed."""

    severity: np.ndarray
    alerts: int  # alerts opened in the period
    unplaced: int  # of which touched no cell (no province or topic counters)


def _shares(counter: dict[str, int], known: dict[str, int], share: float) -> list[int]:
    """Indices of the known names holding ≥ ``share`` of the counter's total; the top name always included."""
    counts = {name: int(n) for name, n in counter.items() if name in known and int(n) > 0}
    if not counts:
        return []
    total = sum(int(n) for n in counter.values() if int(n) > 0)
    top = max(counts, key=lambda k: (counts[k], k))
    return sorted({known[top]} | {known[k] for k, n in counts.items() if n >= share * total})


def alert_history(store: AlertStore, start: date, end: date, *, share: float = ALERT_SHARE,
                  page: int = 1000) -> AlertHistory:
    """Alerts opened in the local days [start, end) mapped to cells (module docstring). Reads the store's
    ``alerts`` table in pages by id (``list_alerts`` orders by last activity and caps at 1000 rows, which a
    three-year history exceeds)."""
    n_days = _check_period(start, end)
    if not 0 < share <= 1:
        raise ValueError(f"share phải trong (0, 1], nhận {share}")
    severity = np.zeros((n_days, len(PROVINCES), len(TOPICS)), dtype=np.int64)
    provinces = {p: i for i, p in enumerate(PROVINCES)}
    topics = {t: i for i, t in enumerate(TOPICS)}
    lo, hi = local_midnight(start), local_midnight(end)
    seen = unplaced = 0
    last_id = 0
    with Session(store.engine) as session:
        while True:
            rows = session.scalars(select(Alert).where(Alert.opened_at >= lo, Alert.opened_at < hi,
                                                       Alert.id > last_id).order_by(Alert.id).limit(page)).all()
            if not rows:
                break
            for alert in rows:
                last_id = alert.id
                seen += 1
                facts = alert.facts or {}
                ps = _shares(facts.get("provinces") or {}, provinces, share)
                ts = _shares(facts.get("topics") or {}, topics, share)
                if not ps or not ts:
                    unplaced += 1
                    continue
                d = (alert.opened_at.astimezone(VN_TZ).date() - start).days  # aware UTC (UTCDateTime column)
                code = SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else 0
                cells = severity[d][np.ix_(ps, ts)]
                severity[d][np.ix_(ps, ts)] = np.maximum(cells, code)
    return AlertHistory(severity, seen, unplaced)


def build_history(backend: SearchBackend, store: AlertStore | None, start: date, end: date, *,
                  progress: Callable[[int, int], None] | None = None) -> tuple[DailyHistory, AlertHistory | None]:
    """The ``DailyHistory`` of the local days [start, end) from the index and (if given) the alert store."""
    counts = index_counts(backend, start, end, progress=progress)
    alerts = alert_history(store, start, end) if store is not None else None
    severity = alerts.severity if alerts is not None else np.zeros_like(counts["volume"])
    history = DailyHistory(start, PROVINCES, TOPICS, counts["volume"], counts["negative"], counts["misinfo"],
                           severity)
    return history, alerts
