"""The severity formula: how bad an episode looks to the communication center, 0–100.

Five components, each scaled to 0..1, combined as a weighted mean and multiplied by 100::

    volume          = log(1 + count)    / log(1 + volume_scale)         (capped at 1)
    velocity        = max(log(1 + per_hour) / log(1 + velocity_scale),
                          log(ratio) / log(ratio_scale))                  ratio = velocity / baseline (spike rules)
    reach           = log(1 + reach)    / log(1 + reach_scale)
    misinformation  = share of the episode's mentions classified as misinformation or matching a refuted claim
    sensitivity     = count-weighted mean of TOPIC_SENSITIVITY over the episode's topics

    score = max(floor, 100 * Σ wᵢ·componentᵢ / Σ wᵢ)

Logarithms because the difference between 1 and 10 posts matters as much as between 100 and 1000. Weights,
scales and the floor are per rule (`SeverityConfig`); the defaults suit a rule that sees the whole stream.
`Severity.from_score` maps the score to low (< 40) / medium / high / critical (≥ 80).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from alerting.episodes import Severity

# How much damage a crisis about each topic can do (0..1): scams and the one-time withdrawal rumors hurt people's
# money directly and spread fastest; "other" is mostly noise.
TOPIC_SENSITIVITY: dict[str, float] = {
    "scam_impersonation": 1.0,
    "one_time_withdrawal": 0.9,
    "pension": 0.8,
    "contribution_evasion": 0.7,
    "vssid_app": 0.6,
    "health_insurance": 0.6,
    "service_quality": 0.6,
    "law_policy": 0.5,
    "unemployment": 0.5,
    "maternity_sickness": 0.4,
    "other": 0.2,
}


class SeverityWeights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    volume: float = Field(0.25, ge=0)
    velocity: float = Field(0.20, ge=0)
    reach: float = Field(0.20, ge=0)
    misinformation: float = Field(0.15, ge=0)
    sensitivity: float = Field(0.20, ge=0)


class SeverityConfig(BaseModel):
    """The `severity:` block of a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: SeverityWeights = SeverityWeights()
    floor: float = Field(0, ge=0, le=100)  # minimum score: e.g. any scam wave is at least "high" (60)
    volume_scale: float = Field(200, gt=0)  # mentions at which volume = 1
    velocity_scale: float = Field(60, gt=0)  # mentions per hour at which velocity = 1
    ratio_scale: float = Field(10, gt=1)  # spike ratio (against the baseline) at which velocity = 1
    reach_scale: float = Field(100_000, gt=0)  # summed reactions + shares + comments at which reach = 1


@dataclass(frozen=True, slots=True)
class SeverityInputs:
    count: int
    velocity: float  # mentions per hour in the rule's window
    reach: int
    misinformation_share: float
    topics: Mapping[str, int]
    baseline_rate: float | None = None  # mentions per hour in the baseline (spike rules)


def _log_scale(value: float, scale: float) -> float:
    return min(1.0, math.log1p(max(0.0, value)) / math.log1p(scale))


def components(inputs: SeverityInputs, config: SeverityConfig) -> dict[str, float]:
    """Each component in 0..1 (shown in the alert so a reader can see why it is high)."""
    velocity = _log_scale(inputs.velocity, config.velocity_scale)
    if inputs.baseline_rate is not None and inputs.baseline_rate > 0 and inputs.velocity > inputs.baseline_rate:
        ratio = inputs.velocity / inputs.baseline_rate
        velocity = max(velocity, min(1.0, math.log(ratio) / math.log(config.ratio_scale)))
    total = sum(inputs.topics.values())
    sensitivity = (sum(TOPIC_SENSITIVITY.get(t, 0.2) * n for t, n in inputs.topics.items()) / total
                   if total else TOPIC_SENSITIVITY["other"])
    return {
        "volume": _log_scale(inputs.count, config.volume_scale),
        "velocity": velocity,
        "reach": _log_scale(inputs.reach, config.reach_scale),
        "misinformation": min(1.0, max(0.0, inputs.misinformation_share)),
        "sensitivity": sensitivity,
    }


def score(inputs: SeverityInputs, config: SeverityConfig) -> float:
    """The 0–100 score (rounded to 0.1)."""
    parts = components(inputs, config)
    weights = config.weights.model_dump()
    total_weight = sum(weights.values())
    raw = 100 * sum(weights[k] * parts[k] for k in parts) / total_weight if total_weight else 0.0
    return round(min(100.0, max(config.floor, raw)), 1)


def severity(inputs: SeverityInputs, config: SeverityConfig) -> tuple[float, Severity]:
    value = score(inputs, config)
    return value, Severity.from_score(value)
