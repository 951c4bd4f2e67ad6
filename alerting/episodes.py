"""The contract between the rule engine (``alerting.engine``) and the alert store (``alerting.store``).

The engine evaluates rules over classified mentions in event time and emits `EpisodeUpdate`s; it knows nothing
about databases. The store turns them into one alert row per (rule, key) episode: ``opened`` creates the alert
(or, when another process already opened the same episode, merges into it), ``updated`` refreshes its facts and
severity, ``resolved`` closes it (recovery). Two engines fed the same stream emit equal updates, so the store can
make the pair idempotent: that is how two alerting processes run side by side without double-alerting.

Every time is an aware UTC datetime. ``key`` is the rule's query-key value(s) joined with "|" ("" for a rule
without a query key), e.g. ``"one_time_withdrawal|Thành phố Hồ Chí Minh"``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @classmethod
    def from_score(cls, score: float) -> Severity:
        """0–100 score → level: < 40 low, < 60 medium, < 80 high, else critical."""
        if score >= 80:
            return cls.critical
        if score >= 60:
            return cls.high
        if score >= 40:
            return cls.medium
        return cls.low

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class UpdateKind(StrEnum):
    opened = "opened"
    updated = "updated"
    resolved = "resolved"


class TopPost(_Frozen):
    """One example post of an episode (text already masked by the crawlers)."""

    mention_id: str
    source: str
    url: str | None
    author: str | None
    created_at: AwareDatetime
    reach: int
    text: str  # first 280 characters
    sentiment: str
    misinformation: bool


class EpisodeFacts(_Frozen):
    """What the communication center needs to judge an episode at a glance (the "explain the spike" facts)."""

    count: int = 0  # matching mentions in the episode so far
    window_count: int = 0  # matching mentions in the rule's current window
    baseline_rate: float | None = None  # mentions per hour in the baseline window (spike rules)
    velocity: float = 0.0  # mentions per hour over the current window
    reach: int = 0  # summed reach of the episode's mentions
    negative_share: float = 0.0
    misinformation_share: float = 0.0
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    sentiment: dict[str, int] = Field(default_factory=dict)  # sentiment → count
    sources: dict[str, int] = Field(default_factory=dict)
    provinces: dict[str, int] = Field(default_factory=dict)  # new (post-merger) province name → count
    topics: dict[str, int] = Field(default_factory=dict)
    claims: dict[str, int] = Field(default_factory=dict)  # claim id → mentions spreading/questioning it
    top_terms: list[str] = Field(default_factory=list)  # most characteristic analyzed terms, best first
    top_posts: list[TopPost] = Field(default_factory=list)  # highest reach first, at most 5
    mention_ids: list[str] = Field(default_factory=list)  # the latest ≤ 200, newest last (for drill-down)
    extra: dict[str, Any] = Field(default_factory=dict)  # rule-type specific (e.g. the new term, the silent source)


class EpisodeUpdate(_Frozen):
    rule: str  # rule name (its YAML file stem)
    rule_type: str  # registry name: frequency, spike, percentage, new_term, known_claim, reach, flatline
    key: str
    kind: UpdateKind
    at: AwareDatetime  # event time that caused the update (mention created_at, or the tick time)
    severity_score: float = Field(ge=0, le=100)
    severity: Severity
    playbook: str | None = None  # crisis type whose playbook the alert starts (rule's `playbook:`)
    title: str  # Vietnamese one-line summary: "Tin đồn 'cấm rút BHXH một lần' lan nhanh (42 bài/giờ)"
    facts: EpisodeFacts

    @property
    def episode(self) -> tuple[str, str]:
        return self.rule, self.key


def utc(value: datetime) -> datetime:
    """Reject naive datetimes early: every time in alerting is aware."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: alerting times must carry a time zone")
    return value
