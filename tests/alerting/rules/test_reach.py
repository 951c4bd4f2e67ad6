from datetime import timedelta

from alerting.engine import RuleEngine
from common.schema import Sentiment, Topic
from tests.alerting.factory import feed, mention, rule

VIRAL = dict(type="reach", query="topic:service_quality", key="topic",
             params={"min_reach": 3000, "shares_per_hour": 200, "min_shares": 100, "min_followers": 100000})


def staff(minutes: float = 0, **kw):
    kw.setdefault("source_id", None)
    return mention("clip cán bộ BHXH quát người dân", minutes=minutes, topic=Topic.service_quality,
                   sentiment=Sentiment.negative, **kw)


def test_a_high_reach_post_opens():
    engine = RuleEngine([rule(**VIRAL)])
    assert feed(engine, [staff(reactions=100)]) == []
    (opened,) = feed(engine, [staff(1, reactions=2500, shares=600)])
    assert opened.facts.top_posts[0].reach == 3100 and opened.facts.count == 1


def test_a_high_reach_author_opens():
    engine = RuleEngine([rule(**VIRAL)])
    assert len(feed(engine, [staff(followers=250_000)])) == 1


def test_shares_growing_fast_between_two_fetches_open():
    engine = RuleEngine([rule(**VIRAL)])
    first = staff(source_id="video-1", shares=120, fetched_after=timedelta(hours=2))  # 60 shares/hour
    assert feed(engine, [first]) == []
    again = staff(source_id="video-1", shares=520, fetched_after=timedelta(hours=3))  # +400 in one hour
    (opened,) = feed(engine, [again])
    assert opened.kind.value == "opened" and opened.facts.extra["shares_per_hour"] == 400.0
    assert engine.stats.refetched == 1


def test_a_redelivery_without_growth_changes_nothing():
    engine = RuleEngine([rule(**VIRAL)])
    post = staff(source_id="video-2", reactions=5000)
    assert len(feed(engine, [post])) == 1
    assert feed(engine, [post]) == [] and engine.stats.duplicates == 1


def test_ordinary_posts_do_not_join_a_reach_episode():
    engine = RuleEngine([rule(**VIRAL, update_every="1m")])
    feed(engine, [staff(reactions=5000)])
    assert feed(engine, [staff(10, reactions=3), staff(20, reactions=4)]) == []
    (update,) = feed(engine, [staff(30, reactions=9000)])
    assert update.kind.value == "updated" and update.facts.count == 2
