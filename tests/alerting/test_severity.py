import pytest

from alerting.episodes import Severity
from alerting.severity import TOPIC_SENSITIVITY, SeverityConfig, SeverityInputs, SeverityWeights, components, score
from common.schema import Topic


def inputs(**kw) -> SeverityInputs:
    base = dict(count=10, velocity=5.0, reach=500, misinformation_share=0.0, topics={"other": 10})
    return SeverityInputs(**{**base, **kw})


def test_every_topic_has_a_sensitivity_and_scams_rank_highest():
    assert set(TOPIC_SENSITIVITY) == {t.value for t in Topic}
    assert TOPIC_SENSITIVITY["scam_impersonation"] == max(TOPIC_SENSITIVITY.values())
    assert TOPIC_SENSITIVITY["one_time_withdrawal"] > TOPIC_SENSITIVITY["other"]


def test_components_are_between_zero_and_one():
    parts = components(inputs(count=10**6, velocity=10**6, reach=10**9, misinformation_share=1.0), SeverityConfig())
    assert parts == {"volume": 1.0, "velocity": 1.0, "reach": 1.0, "misinformation": 1.0, "sensitivity": 0.2}
    assert score(inputs(count=10**6, velocity=10**6, reach=10**9, misinformation_share=1.0,
                        topics={"scam_impersonation": 1}), SeverityConfig()) == 100.0


@pytest.mark.parametrize("field,low,high", [
    ("count", 3, 300), ("velocity", 1.0, 100.0), ("reach", 10, 100_000), ("misinformation_share", 0.0, 1.0),
])
def test_score_grows_with_each_component(field, low, high):
    config = SeverityConfig()
    assert score(inputs(**{field: high}), config) > score(inputs(**{field: low}), config)


def test_topic_sensitivity_raises_the_score():
    config = SeverityConfig()
    assert score(inputs(topics={"scam_impersonation": 10}), config) > score(inputs(topics={"other": 10}), config)


def test_a_spike_against_its_baseline_counts_as_velocity():
    config = SeverityConfig()
    assert score(inputs(velocity=10, baseline_rate=0.5), config) > score(inputs(velocity=10, baseline_rate=8), config)


def test_weights_and_floor_are_per_rule():
    reach_only = SeverityConfig(weights=SeverityWeights(volume=0, velocity=0, reach=1, misinformation=0, sensitivity=0))
    assert score(inputs(reach=0), reach_only) == 0
    assert score(inputs(reach=0), SeverityConfig(floor=60)) == 60
    assert Severity.from_score(score(inputs(reach=0), SeverityConfig(floor=60))) is Severity.high


def test_weights_must_not_be_negative():
    with pytest.raises(ValueError):
        SeverityWeights(volume=-1)
