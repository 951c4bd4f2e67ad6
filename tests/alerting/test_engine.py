from datetime import UTC, datetime, timedelta

import pytest

from alerting.engine import RuleEngine
from alerting.episodes import EpisodeUpdate
from common.schema import Sentiment, Topic
from tests.alerting.factory import T0, feed, kinds, mention, rule

FREQ = dict(type="frequency", query="topic:vssid_app", params={"count": 3, "window": "30m"},
            resolve_after="30m", realert="6h", update_every="1h")


def app(minutes: float, **kw):
    kw.setdefault("topic", Topic.vssid_app)
    return mention("VssID lỗi đăng nhập", minutes=minutes, sentiment=Sentiment.negative, **kw)


def ticks(engine: RuleEngine, start: float, end: float, step: float = 5) -> list[EpisodeUpdate]:
    out, at = [], start
    while at <= end:
        out.extend(engine.tick(T0 + timedelta(minutes=at)))
        at += step
    return out


def test_redelivered_mentions_are_counted_once():
    engine = RuleEngine([rule(**FREQ)])
    first = app(0)
    assert feed(engine, [first, first, first, app(1)]) == []
    assert engine.stats.duplicates == 2


def test_late_mentions_are_tolerated_within_lateness_and_dropped_beyond():
    engine = RuleEngine([rule(**FREQ)], lateness=timedelta(minutes=20))
    feed(engine, [app(60), app(61)])
    (opened,) = feed(engine, [app(45)])  # 15 minutes late: inserted into the window
    assert opened.facts.first_seen == T0 + timedelta(minutes=45)
    assert feed(engine, [app(10)]) == [] and engine.stats.late_dropped == 1


def test_episode_updates_are_throttled_not_per_mention():
    engine = RuleEngine([rule(**FREQ)])
    updates = feed(engine, [app(i * 0.5) for i in range(40)])
    assert kinds(updates)[0] == "opened"
    assert len(updates) < 10  # 40 mentions, a handful of updates
    for before, after in zip(updates, updates[1:]):  # each update: grew by half, or changed severity level
        assert after.facts.count >= 1.5 * before.facts.count or after.severity != before.severity


def test_one_episode_per_key_and_resolution_after_quiet():
    engine = RuleEngine([rule(**FREQ, key="province")])
    updates = feed(engine, [app(i, province=p) for i in range(3) for p in ("Hà Nội", "Huế")])
    assert sorted((u.kind.value, u.key) for u in updates) == [("opened", "Huế"), ("opened", "Hà Nội")]
    resolved = ticks(engine, 5, 90)
    assert sorted(u.key for u in resolved) == ["Huế", "Hà Nội"]
    assert all(u.kind.value == "resolved" for u in resolved)
    assert engine.open_episodes() == []


def test_realert_suppresses_a_renewed_condition_of_the_same_severity():
    engine = RuleEngine([rule(**FREQ)])
    feed(engine, [app(i) for i in range(3)])
    assert kinds(ticks(engine, 5, 90)) == ["resolved"]
    assert feed(engine, [app(100 + i) for i in range(3)]) == []  # inside the 6 h realert window
    assert engine.stats.suppressed == 1
    assert kinds(feed(engine, [app(8 * 60 + i) for i in range(3)])) == ["opened"]  # after it


def test_realert_lets_an_escalation_through():
    engine = RuleEngine([rule(**FREQ)])
    feed(engine, [app(i) for i in range(3)])
    ticks(engine, 5, 90)
    bigger = [app(100 + i * 0.1, reactions=20000, shares=5000) for i in range(60)]
    updates = feed(engine, bigger)
    assert kinds(updates)[0] == "opened"


def test_facts_describe_the_episode():
    engine = RuleEngine([rule(**FREQ)])
    stream = [app(i, province=("Hà Nội" if i % 2 else "Thành phố Hồ Chí Minh"), reactions=i * 10,
                  misinformation=i == 0) for i in range(8)]
    updates = feed(engine, stream)
    last = updates[-1].facts
    assert updates[0].title and updates[0].severity.value in {"low", "medium", "high", "critical"}
    assert set(last.provinces) == {"Hà Nội", "Thành phố Hồ Chí Minh"} and sum(last.provinces.values()) == last.count
    assert [p.reach for p in last.top_posts] == sorted((p.reach for p in last.top_posts), reverse=True)
    assert len(last.top_posts) <= 5 and last.mention_ids[-1] == stream[last.count - 1].id
    assert last.sentiment == {"negative": last.count} and last.topics == {"vssid_app": last.count}
    assert 0 < last.misinformation_share < 1
    assert "severity_components" in last.extra


def test_mention_ids_are_bounded():
    engine = RuleEngine([rule(**{**FREQ, "update_every": "1m"})])
    stream = [app(i * 0.01) for i in range(450)]
    last = feed(engine, stream)[-1].facts
    assert last.count > 300 and len(last.mention_ids) == 200
    assert last.mention_ids == [m.id for m in stream[last.count - 200:last.count]]  # the latest, newest last


def test_two_engines_fed_the_same_stream_emit_equal_updates():
    stream = [app(i, province="Huế") for i in range(10)]
    a, b = RuleEngine([rule(**FREQ)]), RuleEngine([rule(**FREQ)])
    assert feed(a, stream) == feed(b, stream)


def test_disabled_rules_are_not_evaluated():
    engine = RuleEngine([rule(**FREQ, enabled=False)])
    assert feed(engine, [app(i) for i in range(5)]) == []


def test_tick_rejects_naive_times():
    engine = RuleEngine([rule(**FREQ)])
    with pytest.raises(ValueError, match="naive"):
        engine.tick(datetime(2026, 1, 1))


def test_tick_never_moves_time_backwards():
    engine = RuleEngine([rule(**FREQ)])
    feed(engine, [app(i) for i in range(3)])
    assert engine.tick(datetime(2000, 1, 1, tzinfo=UTC)) == []
    assert engine.open_episodes() == [("test-rule", "")]


def test_realert_compares_with_the_peak_level_not_the_level_at_resolution():
    engine = RuleEngine([rule(**FREQ)])
    updates = feed(engine, [app(i * 0.5, reactions=300) for i in range(40)])
    assert max(u.severity.rank for u in updates) == 2  # reached "high"
    (resolved,) = ticks(engine, 25, 120)
    assert resolved.severity.value == "medium"  # the wave had calmed down when it ended
    assert feed(engine, [app(130 + i * 0.5, reactions=300) for i in range(12)]) == []  # medium again: suppressed


def test_a_rule_switched_off_stops_alerting_and_starts_fresh_when_switched_on() -> None:
    from alerting.engine import RuleEngine

    from .factory import mention, rule

    burst = rule("burst", type="frequency", params={"window": "1h", "count": 3})
    engine = RuleEngine([burst], claims=None)
    assert engine.set_enabled("burst", False) is True and engine.set_enabled("burst", False) is False
    assert [u for i in range(5) for u in engine.process(mention(f"bài {i}", minutes=i))] == []
    assert engine.set_enabled("burst", True) is True
    updates = [u for i in range(5, 10) for u in engine.process(mention(f"bài {i}", minutes=i))]
    assert [u.kind.value for u in updates][:1] == ["opened"] and updates[0].facts.count == 3
    with pytest.raises(KeyError):
        engine.set_enabled("no-such-rule", True)
