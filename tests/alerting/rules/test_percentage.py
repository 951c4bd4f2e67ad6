from alerting.engine import RuleEngine
from common.schema import Sentiment, Topic
from tests.alerting.factory import feed, mention, rule

SLOW = dict(type="percentage", query="topic:pension", key="province",
            params={"window": "3d", "of": "negative", "threshold": 0.6, "min_count": 6, "min_span": "12h"})


def post(hours: float, negative: bool, province: str = "Thanh Hóa"):
    return mention("lương hưu tháng này", minutes=hours * 60, topic=Topic.pension, province=province,
                   sentiment=Sentiment.negative if negative else Sentiment.neutral)


def test_a_sustained_negative_share_opens_per_province():
    engine = RuleEngine([rule(**SLOW)])
    stream = [post(h * 4, negative=(h % 4 != 0)) for h in range(8)]  # 6 of 8 negative over 28 hours
    updates = feed(engine, stream)
    opened = next(u for u in updates if u.kind.value == "opened")
    assert opened.key == "Thanh Hóa" and opened.playbook is None
    assert opened.facts.extra["share"] >= 0.6 and opened.facts.negative_share >= 0.6
    assert "Thanh Hóa" in opened.title and "%" in opened.title


def test_a_low_share_does_not_open():
    engine = RuleEngine([rule(**SLOW)])
    assert feed(engine, [post(h * 3, negative=(h % 2 == 0)) for h in range(20)]) == []  # 50 %


def test_a_short_burst_is_not_a_slow_burn():
    engine = RuleEngine([rule(**SLOW)])
    assert feed(engine, [post(h * 0.1, negative=True) for h in range(20)]) == []  # 2 hours only


def test_misinformation_share():
    r = rule(**{**SLOW, "params": {"window": "1d", "of": "misinformation", "threshold": 0.5, "min_count": 4}})
    engine = RuleEngine([r])
    stream = [mention("tin đồn", minutes=i, topic=Topic.pension, province="Hà Nội", misinformation=i % 3 != 0)
              for i in range(6)]
    assert [u.kind.value for u in feed(engine, stream)][:1] == ["opened"]
