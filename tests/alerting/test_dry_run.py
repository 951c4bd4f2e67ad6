from datetime import timedelta

import pytest

from alerting.dry_run import dry_run
from common.schema import Sentiment, Topic
from tests.alerting.factory import T0, mention, rule

OUTAGE = rule("vssid-outage", type="frequency", query="topic:vssid_app", playbook="outage",
              params={"count": 3, "window": "30m"}, resolve_after="30m")


def outage(minutes: float):
    return mention("VssID sập", minutes=minutes, topic=Topic.vssid_app, sentiment=Sentiment.negative)


def test_replays_in_simulated_time_with_ticks_between_mentions():
    stream = [outage(i) for i in range(3)] + [mention("bài khác", minutes=200)]
    updates = dry_run([OUTAGE], stream)
    assert [(u.kind.value, u.at) for u in updates] == [
        ("opened", T0 + timedelta(minutes=2)),
        ("resolved", T0 + timedelta(minutes=55)),  # last held at the 25' tick, false since 30': resolve_after later
    ]
    assert updates[0].playbook == "outage"


def test_until_keeps_ticking_after_the_last_mention():
    stream = [outage(i) for i in range(3)]
    assert [u.kind.value for u in dry_run([OUTAGE], stream)] == ["opened"]
    updates = dry_run([OUTAGE], stream, until=T0 + timedelta(hours=3))
    assert [u.kind.value for u in updates] == ["opened", "resolved"]


def test_same_history_same_updates():
    stream = [outage(i * 3) for i in range(20)]
    assert dry_run([OUTAGE], stream) == dry_run([OUTAGE], stream)


def test_tick_every_must_be_positive():
    with pytest.raises(ValueError):
        dry_run([OUTAGE], [], tick_every=timedelta(0))
