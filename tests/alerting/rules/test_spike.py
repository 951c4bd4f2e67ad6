from datetime import timedelta

from alerting.engine import RuleEngine
from common.schema import Sentiment, Topic
from tests.alerting.factory import T0, feed, mention, rule

SPIKE = dict(type="spike", query="sentiment:negative", key="topic",
             params={"window": "1h", "baseline": "1d", "ratio": 3, "min_count": 5, "min_baseline_rate": 0.1})


def neg(minutes: float, topic: Topic = Topic.pension, text: str = "lương hưu chậm quá"):
    return mention(text, minutes=minutes, topic=topic, sentiment=Sentiment.negative)


def background(hours: int, per_hour: int, topic: Topic = Topic.pension):
    return [neg(h * 60 + i * 60 / per_hour, topic) for h in range(hours) for i in range(per_hour)]


def test_a_burst_well_above_the_baseline_opens_with_the_ratio():
    engine = RuleEngine([rule(**SPIKE)])
    assert feed(engine, background(24, 2)) == []  # a steady 2/hour never spikes
    burst = [neg(24 * 60 + i * 5, text="lương hưu tháng này bị chậm chi trả ở phường") for i in range(12)]
    updates = feed(engine, burst)
    opened = updates[0]
    assert opened.kind.value == "opened" and opened.key == "pension"
    assert abs(opened.facts.baseline_rate - 2.0) < 0.2
    assert opened.facts.window_count >= 6  # 3 × max(2/h, floor) reached
    assert opened.facts.extra["ratio"] >= 3
    assert "lương hưu" in opened.title


def test_a_high_but_usual_rate_does_not_spike():
    engine = RuleEngine([rule(**SPIKE)])
    assert feed(engine, background(30, 10)) == []


def test_nothing_opens_during_warmup_then_min_count_gates_a_new_key():
    engine = RuleEngine([rule(**SPIKE)])
    assert feed(engine, [neg(i, Topic.pension) for i in range(30)]) == []  # first hours: baseline unknown
    late = 7 * 60
    assert feed(engine, [neg(late + i, Topic.vssid_app) for i in range(4)]) == []
    (opened,) = feed(engine, [neg(late + 5, Topic.vssid_app)])
    assert opened.facts.baseline_rate == 0.0 and opened.key == "vssid_app"
    assert "chưa từng có" in opened.title


def test_explains_the_spike_with_characteristic_terms():
    engine = RuleEngine([rule(**SPIKE)])
    feed(engine, background(24, 2))
    burst = [neg(24 * 60 + i * 5, text=f"chi trả chậm ở Thanh Hóa, tháng {i % 3}") for i in range(12)]
    opened = feed(engine, burst)[0]
    assert "thanh hoa" in opened.facts.top_terms
    assert "luong huu" not in opened.facts.top_terms  # the baseline's everyday words are not characteristic


def test_baseline_state_is_pruned():
    engine = RuleEngine([rule(**SPIKE)])
    feed(engine, background(3, 5))
    spike = engine.states[0].type
    assert spike.buckets["pension"].counts
    engine.tick(T0 + timedelta(days=3))
    assert spike.buckets == {} and spike.windows == {}
