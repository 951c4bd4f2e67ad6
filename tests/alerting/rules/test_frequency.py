from datetime import timedelta

from alerting.engine import RuleEngine
from common.schema import Sentiment, Topic
from tests.alerting.factory import T0, feed, mention, rule

OUTAGE = dict(type="frequency", query="topic:vssid_app sentiment:negative",
              params={"count": 3, "window": "30m"}, resolve_after="30m")


def vssid(minutes: float, **kw):
    return mention("VssID lỗi không đăng nhập được", minutes=minutes, topic=Topic.vssid_app,
                   sentiment=Sentiment.negative, **kw)


def test_opens_when_n_matching_mentions_fall_within_the_window():
    engine = RuleEngine([rule(**OUTAGE)])
    assert feed(engine, [vssid(0), vssid(10)]) == []
    (opened,) = feed(engine, [vssid(20)])
    assert opened.kind.value == "opened" and opened.rule_type == "frequency"
    assert opened.facts.count == 3 and opened.facts.window_count == 3
    assert opened.facts.velocity == 6.0  # 3 mentions per 30 minutes


def test_spread_out_mentions_never_open():
    engine = RuleEngine([rule(**OUTAGE)])
    assert feed(engine, [vssid(0), vssid(20), vssid(40), vssid(60)]) == []


def test_non_matching_mentions_do_not_count():
    engine = RuleEngine([rule(**OUTAGE)])
    other = [mention("VssID tốt", minutes=i, topic=Topic.vssid_app, sentiment=Sentiment.positive) for i in range(5)]
    assert feed(engine, other) == []


def test_per_key_counts_are_separate():
    engine = RuleEngine([rule(**{**OUTAGE, "key": "province"})])
    updates = feed(engine, [vssid(i, province="Hà Nội" if i % 2 else "Đà Nẵng") for i in range(5)])
    assert [(u.kind.value, u.key) for u in updates] == [("opened", "Đà Nẵng")]


def test_resolves_once_the_condition_is_false_for_resolve_after():
    engine = RuleEngine([rule(**OUTAGE)])
    feed(engine, [vssid(0), vssid(1), vssid(2)])
    assert engine.tick(T0 + timedelta(minutes=25)) == []  # still 3 in the window: the condition holds at 25'
    assert engine.tick(T0 + timedelta(minutes=50)) == []  # false now, but last seen true only 25' ago
    (resolved,) = engine.tick(T0 + timedelta(minutes=56))
    assert resolved.kind.value == "resolved" and resolved.facts.count == 3
