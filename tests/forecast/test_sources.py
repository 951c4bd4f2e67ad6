"""The adapters against a real tantivy index and a real SQLite alert store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path

import numpy as np
import pytest

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
from alerting.store.alerts import AlertStore
from alerting.store.database import create_engine_for, upgrade
from common.schema import ClassifiedMention, Labels, Mention, Province, Sentiment, Topic
from forecast.history import PROVINCES, SEVERITIES, TOPICS
from forecast.sources import alert_history, build_history, first_day, index_counts
from index.tantivy_backend import TantivyBackend

_ids = count()
P, T = {p: i for i, p in enumerate(PROVINCES)}, {t: i for i, t in enumerate(TOPICS)}


def mention(at: datetime, *, province: str | None, topic: Topic, sentiment: Sentiment = Sentiment.neutral,
            misinformation: bool = False, old: str | None = None) -> ClassifiedMention:
    m = Mention.create(source="facebook", source_id=f"f{next(_ids)}", text="bài viết về bảo hiểm xã hội",
                       text_normalized="bài viết về bảo hiểm xã hội", created_at=at, fetched_at=at, url=None,
                       author={"id": None, "name": None},
                       reach={"reactions": 0, "shares": 0, "comments": 0, "author_followers": None},
                       province=None if province is None else Province(written=old or province, old=old,
                                                                       new=province))
    labels = Labels(relevant=True, relevant_score=0.9, sentiment=sentiment,
                    sentiment_scores={s: 0.8 if s is sentiment else 0.1 for s in Sentiment},
                    misinformation=misinformation, misinformation_score=0.9 if misinformation else 0.1,
                    topic=topic, topic_scores={t: 0.9 if t is topic else 0.01 for t in Topic})
    return ClassifiedMention.from_mention(m, labels=labels, claims=[], model_version="test-1", classified_at=at)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def backend(tmp_path: Path):
    b = TantivyBackend(tmp_path / "index")
    yield b
    b.close()


def test_index_counts_match_what_was_indexed_on_vietnam_days(backend):
    start = date(2026, 3, 1)
    rows = [
        # 16:59 UTC = 23:59 in Vietnam on 1 March; 17:00 UTC = 00:00 on 2 March
        (utc("2026-03-01T16:59:59"), "Hà Nội", Topic.pension, Sentiment.negative, False),
        (utc("2026-03-01T17:00:00"), "Hà Nội", Topic.pension, Sentiment.neutral, True),
        (utc("2026-03-01T02:00:00"), "Hà Nội", Topic.pension, Sentiment.negative, True),
        (utc("2026-03-02T10:00:00"), "Huế", Topic.vssid_app, Sentiment.positive, False),
        (utc("2026-03-03T16:30:00"), "Huế", Topic.vssid_app, Sentiment.negative, False),  # 23:30 on 3 March
        # 28 Feb 17:00 UTC = 1 March 00:00 local: inside; 28 Feb 16:59 UTC = 28 Feb local: outside
        (utc("2026-02-28T17:00:00"), "Sơn La", Topic.scam_impersonation, Sentiment.neutral, True),
        (utc("2026-02-28T16:59:00"), "Sơn La", Topic.scam_impersonation, Sentiment.neutral, True),
        # 4 March 17:00 UTC = 5 March local: after the period [1, 5) March
        (utc("2026-03-04T17:00:00"), "Hà Nội", Topic.pension, Sentiment.negative, False),
    ]
    mentions = [mention(at, province=p, topic=t, sentiment=s, misinformation=mi) for at, p, t, s, mi in rows]
    mentions.append(mention(utc("2026-03-02T03:00:00"), province=None, topic=Topic.pension))  # no province
    # written with a pre-merger name: counted under its post-merger province
    mentions.append(mention(utc("2026-03-02T03:00:00"), province="TP. Hồ Chí Minh", old="Bình Dương",
                            topic=Topic.health_insurance))
    backend.index(mentions)
    backend.commit()

    counts = index_counts(backend, start, date(2026, 3, 5))
    expected = {s: np.zeros((4, len(PROVINCES), len(TOPICS)), np.int64) for s in ("volume", "negative", "misinfo")}
    hn, hue, sl, hcm = P["Hà Nội"], P["Huế"], P["Sơn La"], P["TP. Hồ Chí Minh"]
    pension, vssid, scam, hi = T["pension"], T["vssid_app"], T["scam_impersonation"], T["health_insurance"]
    expected["volume"][0, hn, pension] = 2
    expected["negative"][0, hn, pension] = 2
    expected["misinfo"][0, hn, pension] = 1
    expected["volume"][1, hn, pension] = 1
    expected["misinfo"][1, hn, pension] = 1
    expected["volume"][1, hue, vssid] = 1
    expected["volume"][2, hue, vssid] = 1
    expected["negative"][2, hue, vssid] = 1
    expected["volume"][0, sl, scam] = 1
    expected["misinfo"][0, sl, scam] = 1
    expected["volume"][1, hcm, hi] = 1
    for series, array in expected.items():
        assert np.array_equal(counts[series], array), series
    assert first_day(backend, date(2026, 2, 1), date(2026, 3, 10)) == date(2026, 2, 28)
    assert first_day(backend, date(2026, 4, 1), date(2026, 5, 1)) is None
    with pytest.raises(ValueError, match="khoảng thời gian rỗng"):
        index_counts(backend, start, start)


@pytest.fixture
def store(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    yield AlertStore(engine, channels=())
    engine.dispose()


def _update(key: str, at: datetime, severity: Severity, provinces: dict[str, int], topics: dict[str, int],
            kind: UpdateKind = UpdateKind.opened) -> EpisodeUpdate:
    return EpisodeUpdate(rule="spike-test", rule_type="spike", key=key, kind=kind, at=at, severity_score=70,
                         severity=severity, title="Đột biến thử", facts=EpisodeFacts(
                             count=sum(provinces.values()) or 10, provinces=provinces, topics=topics))


def test_alert_history_maps_alerts_to_cells_by_share(store):
    start = date(2026, 3, 1)
    # 22:00 UTC 1 March = 05:00 on 2 March in Vietnam; Hà Nội 60 %, Huế 30 % (≥ 25 %), Đà Nẵng 10 % (dropped)
    store.apply(_update("a", utc("2026-03-01T22:00:00"), Severity.high,
                        {"Hà Nội": 6, "Huế": 3, "Đà Nẵng": 1}, {"pension": 8, "health_insurance": 2}))
    # escalated later to critical: the alert's highest severity counts, on the day it opened
    store.apply(_update("b", utc("2026-03-03T01:00:00"), Severity.medium, {"Sơn La": 4}, {"vssid_app": 4}))
    store.apply(_update("b", utc("2026-03-03T05:00:00"), Severity.critical, {"Sơn La": 9}, {"vssid_app": 9},
                        kind=UpdateKind.updated))
    # a lower alert the same day in the same cell does not lower the code
    store.apply(_update("c", utc("2026-03-03T06:00:00"), Severity.low, {"Sơn La": 2}, {"vssid_app": 2}))
    # no province counter: national, cannot be placed
    store.apply(_update("d", utc("2026-03-02T06:00:00"), Severity.high, {}, {"pension": 5}))
    # outside the period
    store.apply(_update("e", utc("2026-03-10T06:00:00"), Severity.high, {"Hà Nội": 3}, {"pension": 3}))

    result = alert_history(store, start, date(2026, 3, 5), page=2)  # page 2: the paging must not drop rows
    expected = np.zeros((4, len(PROVINCES), len(TOPICS)), np.int64)
    high, critical = SEVERITIES.index("high"), SEVERITIES.index("critical")
    expected[1, P["Hà Nội"], T["pension"]] = high
    expected[1, P["Huế"], T["pension"]] = high
    expected[2, P["Sơn La"], T["vssid_app"]] = critical
    assert np.array_equal(result.severity, expected)
    assert (result.alerts, result.unplaced) == (4, 1)


def test_build_history_combines_index_and_alerts(backend, store):
    backend.index([mention(utc("2026-03-02T03:00:00"), province="Hà Nội", topic=Topic.pension)])
    backend.commit()
    store.apply(_update("a", utc("2026-03-02T04:00:00"), Severity.high, {"Hà Nội": 1}, {"pension": 1}))
    history, alerts = build_history(backend, store, date(2026, 3, 1), date(2026, 3, 8))
    assert history.start == date(2026, 3, 1) and history.n_days == 7
    assert history.volume[1, P["Hà Nội"], T["pension"]] == 1 and history.volume.sum() == 1
    assert history.alerts[1, P["Hà Nội"], T["pension"]] == SEVERITIES.index("high")
    assert alerts is not None and alerts.alerts == 1
