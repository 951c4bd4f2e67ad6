from datetime import timedelta

from alerting.engine import RuleEngine
from tests.alerting.factory import T0, feed, mention, rule

NEW = dict(type="new_term", query="*", params={"field": "term", "window": "2h", "baseline": "7d",
                                              "warmup": "1d", "min_count": 3})
DAY = 24 * 60


def history():
    return [mention("rút bảo hiểm xã hội một lần ở đâu", minutes=i * 60) for i in range(30)]


def test_a_term_unseen_in_the_baseline_opens_with_the_term_as_key():
    engine = RuleEngine([rule(**NEW)])
    assert feed(engine, history()) == []
    wave = [mention(f"tải ứng dụng vssidplus để rút bảo hiểm xã hội {i}", minutes=31 * 60 + i) for i in range(3)]
    updates = feed(engine, wave)
    keys = {u.key for u in updates if u.kind.value == "opened"}
    assert "vssidplus" in keys
    assert "bao hiem" not in keys  # seen every hour before
    opened = next(u for u in updates if u.key == "vssidplus")
    assert opened.facts.extra["new_value"] == "vssidplus" and "vssidplus" in opened.title


def test_nothing_is_new_during_warmup():
    engine = RuleEngine([rule(**NEW)])
    assert feed(engine, [mention("vssidplus lừa đảo", minutes=i) for i in range(5)]) == []


def test_a_term_seen_before_in_the_baseline_is_not_new():
    engine = RuleEngine([rule(**NEW)])
    feed(engine, sorted(history() + [mention("vssidplus", minutes=60)], key=lambda m: m.created_at))
    assert feed(engine, [mention("vssidplus", minutes=31 * 60 + i) for i in range(4)]) == []


def test_novelty_expires_after_the_window():
    engine = RuleEngine([rule(**NEW)])
    feed(engine, history())
    feed(engine, [mention("vssidplus", minutes=31 * 60)])
    engine.tick(T0 + timedelta(minutes=34 * 60))
    assert feed(engine, [mention("vssidplus", minutes=34 * 60 + i) for i in range(3)]) == []


def test_new_cluster():
    r = rule(**{**NEW, "params": {"field": "cluster", "warmup": "0m", "min_count": 2}})
    engine = RuleEngine([r])
    updates = feed(engine, [mention("a", minutes=i, cluster="c-9") for i in range(2)])
    assert [(u.kind.value, u.key) for u in updates] == [("opened", "c-9")]


def test_a_term_common_in_ordinary_posts_is_not_new_in_a_rumor():
    r = rule(**{**NEW, "query": "misinformation:true"})
    engine = RuleEngine([r])
    ordinary = [mention("thủ tục rút bảo hiểm xã hội một lần", minutes=i * 60) for i in range(30)]
    feed(engine, ordinary)
    rumor = [mention("cấm rút bảo hiểm xã hội một lần", minutes=31 * 60 + i, misinformation=True) for i in range(4)]
    keys = {u.key for u in feed(engine, rumor) if u.kind.value == "opened"}
    assert "bao hiem" not in keys and "rut bao" not in keys  # seen in ordinary posts
    assert "cam rut" in keys  # new
