from datetime import timedelta

import pytest

from alerting.rules import RULE_TYPES, Rule, RuleError, parse_duration
from alerting.rules.types import SpikeParams
from tests.alerting.factory import rule


@pytest.mark.parametrize(("text", "expected"), [
    ("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)), ("1h", timedelta(hours=1)),
    ("7d", timedelta(days=7)), (" 2h ", timedelta(hours=2)),
])
def test_durations_are_written_with_a_unit(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["15", "1w", "h", "1.5h", 15, None])
def test_a_duration_without_unit_is_rejected_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="'15m'"):
        parse_duration(bad)


def test_a_valid_rule_gets_its_type_params_and_compiled_query():
    r = rule("spike-x", type="spike", query="topic:pension", key="province", params={"ratio": 4, "window": "30m"})
    assert isinstance(r.params, SpikeParams)
    assert r.params.ratio == 4 and r.params.window == timedelta(minutes=30)
    assert r.key == ("province",)
    assert r.realert == timedelta(hours=6)  # default


def issues(**data) -> dict[str, str]:
    with pytest.raises(RuleError) as caught:
        rule(**data)
    return {i.path: i.message for i in caught.value.issues}


def test_unknown_keys_are_rejected_at_top_level_and_in_params():
    found = issues(type="frequency", window="1h", params={"count": 3, "window": "1h", "cout": 2})
    assert "window" in found and "params.cout" in found


def test_unknown_type_lists_the_known_types():
    found = issues(type="spik")
    assert "spik" in found["type"]
    for name in RULE_TYPES:
        assert name in found["type"]


def test_params_errors_carry_the_key_path():
    found = issues(type="spike", params={"ratio": 0.5, "window": "2d", "baseline": "1d"})
    assert "params.ratio" in found
    found = issues(type="spike", params={"window": "2d", "baseline": "1d"})
    assert "baseline" in found["params"]


def test_missing_required_params():
    found = issues(type="frequency", params={"count": 3})
    assert "params.window" in found


def test_bad_query_reports_the_position():
    found = issues(type="frequency", query='topic:pension AND "lương hưu', params={"count": 1, "window": "1h"})
    assert "vị trí 18" in found["query"] and "^" in found["query"]


def test_unknown_query_key_and_playbook_are_rejected():
    found = issues(type="frequency", key=["province", "colour"], playbook="panic", params={"count": 1, "window": "1h"})
    assert "colour" in found["key"]
    assert "rumor" in found["playbook"]  # lists the valid playbooks


def test_fixed_key_types_reject_another_key():
    found = issues(type="known_claim", key="province")
    assert "claim" in found["key"]


def test_title_template_fields_are_checked():
    found = issues(type="frequency", title="{province} có {count} bài", params={"count": 1, "window": "1h"})
    assert "province" in found["title"]


def test_reach_needs_at_least_one_criterion():
    found = issues(type="reach", params={"min_reach": None, "shares_per_hour": None})
    assert "params" in found


def test_a_rule_must_be_a_mapping():
    with pytest.raises(RuleError, match="mapping"):
        Rule.from_dict(["type", "spike"], name="x")
