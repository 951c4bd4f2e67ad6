from datetime import timedelta

from alerting.engine import RuleEngine
from common.schema import Source
from tests.alerting.factory import T0, feed, mention, rule

FLAT = dict(type="flatline", key="source", resolve_after="0m",
            params={"window": "2h", "baseline": "7d", "min_expected": 10, "min_days": 3})


def steady(hours: int, source: Source, per_hour: int):
    return [mention("bài", minutes=h * 60 + i * 60 / per_hour, source=source)
            for h in range(hours) for i in range(per_hour)]


def test_a_busy_source_that_stops_flatlines_and_recovers():
    engine = RuleEngine([rule(**FLAT)])
    feed(engine, steady(78, Source.facebook, 12))
    assert engine.tick(T0 + timedelta(hours=79)) == []  # silent for 1 hour only
    (opened,) = engine.tick(T0 + timedelta(hours=80, minutes=5))
    assert opened.kind.value == "opened" and opened.key == "facebook"
    assert opened.facts.count == 0 and opened.facts.extra["expected"] >= 10
    assert "facebook" in opened.title
    assert engine.tick(T0 + timedelta(hours=81)) == []  # still silent: same episode, not a new one
    feed(engine, [mention("bài", minutes=81 * 60 + 1, source=Source.facebook)])
    (resolved,) = engine.tick(T0 + timedelta(hours=81, minutes=5))
    assert resolved.kind.value == "resolved"


def test_the_usual_night_lull_is_not_a_flatline():
    engine = RuleEngine([rule(**FLAT)])
    day = [m for m in steady(96, Source.news, 12) if (m.created_at - T0).total_seconds() % 86400 < 16 * 3600]
    feed(engine, day)  # 16 busy hours, 8 silent hours, four times
    assert engine.tick(T0 + timedelta(hours=72 + 22)) == []  # silent at night, as on the previous nights


def test_the_days_after_a_one_day_burst_are_not_a_flatline():
    engine = RuleEngine([rule(**FLAT)])
    burst = steady(24, Source.zalo, 20)  # a crisis day: 40 posts per 2 hours
    quiet = [mention("bài", minutes=(24 + 3 * k) * 60, source=Source.zalo) for k in range(17)]  # then every 3 h
    feed(engine, burst + quiet)
    # 2.5 h after the last post: empty window; same time on the 3 previous days: 0, 0 and 40 (mean 13, median 0)
    assert engine.tick(T0 + timedelta(hours=24 + 3 * 16 + 2.5)) == []


def test_a_sparse_source_never_flatlines():
    engine = RuleEngine([rule(**FLAT)])
    feed(engine, steady(48, Source.zalo, 1))
    assert engine.tick(T0 + timedelta(hours=60)) == []


def test_rejects_another_key():
    from alerting.rules import RuleError
    import pytest
    with pytest.raises(RuleError):
        rule(**{**FLAT, "key": "province"})
