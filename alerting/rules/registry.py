"""The registry of rule types and the small toolkit they share (windows, per-key condition checks).

A rule type is a class registered with ``@rule_type("name")``. It declares its `Params` model, may add
rule-level checks (`check_rule`), and keeps the per-key state the engine asks about: `observe` a matching
mention (returns the condition for its key), `check` a key again at a later time (ticks), and, for time-driven
types such as flatline, `due` keys whose condition holds without any mention. The engine owns the episodes.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from alerting.rules.schema import Params, Rule
from common.claims import Registry
from common.schema import ClassifiedMention

RULE_TYPES: dict[str, type[RuleType]] = {}


def rule_type(name: str) -> Callable[[type[RuleType]], type[RuleType]]:
    """Register a rule type under `name` (the value of a rule file's `type:`)."""
    def register(cls: type[RuleType]) -> type[RuleType]:
        if name in RULE_TYPES:
            raise ValueError(f"rule type {name!r} registered twice")
        cls.type_name = name
        RULE_TYPES[name] = cls
        return cls
    return register


@dataclass(slots=True)
class Check:
    """The condition of one key at one time, with the numbers the alert shows."""

    holds: bool
    window_count: int = 0
    velocity: float = 0.0  # matching mentions per hour in the window
    baseline_rate: float | None = None
    seed: list[ClassifiedMention] = field(default_factory=list)  # window mentions that open an episode
    member: bool = True  # the observed mention belongs to the key's episode (reach: only qualifying posts)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fetch:
    """What the engine remembers of an earlier delivery of a mention (to measure how fast its shares grow)."""

    shares: int
    fetched_at: datetime


@dataclass(slots=True)
class Context:
    """What the engine shares with every rule type."""

    claims: Registry | None
    started: datetime | None = None  # first event time seen: how much history the baselines cover


class Window:
    """Mentions of one key inside a sliding event-time window, kept sorted (late mentions are inserted), with a
    running count of "hits" (e.g. negative mentions for a percentage rule) so no evaluation rescans it."""

    __slots__ = ("times", "items", "hits", "cap")

    def __init__(self, cap: int = 5000) -> None:
        self.times: list[datetime] = []
        self.items: list[tuple[ClassifiedMention, bool]] = []
        self.hits = 0
        self.cap = cap  # bound memory: the oldest entries go first

    def add(self, at: datetime, mention: ClassifiedMention, hit: bool = False) -> None:
        if not self.times or at >= self.times[-1]:
            self.times.append(at)
            self.items.append((mention, hit))
        else:
            i = bisect.bisect_right(self.times, at)
            self.times.insert(i, at)
            self.items.insert(i, (mention, hit))
        self.hits += hit
        if len(self.times) > self.cap:
            self._drop(len(self.times) - self.cap)

    def prune(self, cutoff: datetime) -> None:
        """Forget entries at or before `cutoff`."""
        if self.times and self.times[0] <= cutoff:
            self._drop(bisect.bisect_right(self.times, cutoff))

    def _drop(self, n: int) -> None:
        self.hits -= sum(hit for _, hit in itertools.islice(self.items, n))
        del self.times[:n]
        del self.items[:n]

    def __len__(self) -> int:
        return len(self.times)

    def mentions(self) -> list[ClassifiedMention]:
        return [m for m, _ in self.items]


class Buckets:
    """Counts per fixed time bucket, for baselines over days without keeping the mentions."""

    __slots__ = ("size", "counts", "first", "start")

    def __init__(self, size: timedelta) -> None:
        self.size = size.total_seconds()
        self.counts: dict[int, int] = {}
        self.first: int | None = None  # oldest bucket kept
        self.start = 2**62  # oldest bucket ever counted: how far back the history goes

    def index(self, at: datetime) -> int:
        return int(at.timestamp() // self.size)

    def add(self, at: datetime) -> None:
        i = self.index(at)
        self.counts[i] = self.counts.get(i, 0) + 1
        if self.first is None or i < self.first:
            self.first = i
        if i < self.start:
            self.start = i

    def total(self, start: int, end: int) -> int:
        """Sum of buckets start ≤ i < end."""
        if end - start < len(self.counts):
            return sum(self.counts.get(i, 0) for i in range(start, end))
        return sum(n for i, n in self.counts.items() if start <= i < end)

    def prune(self, before: int) -> None:
        if self.first is None or self.first >= before:
            return  # nothing old enough: the common case on every tick, kept O(1)
        for i in [i for i in self.counts if i < before]:
            del self.counts[i]
        self.first = min(self.counts, default=None)


class RuleType:
    """Base of the rule types. One instance per rule in an engine; it holds the rule's per-key state."""

    type_name: ClassVar[str]
    Params: ClassVar[type[Params]] = Params
    key_fields: ClassVar[tuple[str, ...] | None] = None  # a fixed query key (e.g. claim), None: the rule's own
    sees_all: ClassVar[bool] = False  # `remember` every mention the query does not match (new_term's history)

    def __init__(self, rule: Rule, context: Context) -> None:
        self.rule = rule
        self.params: Any = rule.params
        self.context = context

    @classmethod
    def check_rule(cls, rule: Rule, params: Any) -> list[tuple[str, str]]:
        """Rule-level problems as (key path, message); the base checks a fixed query key."""
        if cls.key_fields is not None and rule.key not in ((), cls.key_fields):
            return [("key", f"luật loại {cls.type_name} có khóa cố định {list(cls.key_fields)} (fixed query key)")]
        return []

    # -- keys

    def fields(self) -> tuple[str, ...]:
        return self.key_fields if self.key_fields is not None else self.rule.key

    def keys(self, mention: ClassifiedMention, tokens: list[str]) -> list[str]:
        """The key values of a matching mention (`tokens`: its analyzed text, shared by all rules): the
        product over the key fields; a mention without a value for a key field does not count for the rule
        (e.g. no province for a per-province rule)."""
        fields = self.fields()
        if not fields:
            return [""]
        values = [key_values(f, mention) for f in fields]
        if len(values) == 1:
            return list(values[0])
        return ["|".join(combo) for combo in itertools.product(*values)]

    # -- state

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        raise NotImplementedError

    def check(self, key: str, now: datetime) -> Check:
        raise NotImplementedError

    def refetched(self, key: str, mention: ClassifiedMention, previous: Fetch, now: datetime) -> Check | None:
        """A re-delivered mention with new counters; most types ignore it (it was counted already)."""
        return None

    def remember(self, mention: ClassifiedMention, tokens: list[str]) -> None:
        """A mention the rule's query does not match (only called when `sees_all`)."""

    def due(self, now: datetime) -> Iterator[tuple[str, Check]]:
        """Keys whose condition holds at `now` without a new mention (time-driven types)."""
        return iter(())

    def prune(self, now: datetime) -> None:
        """Forget state older than any window needs."""

    def title(self, key: str, check: Check, count: int) -> str:
        raise NotImplementedError


def key_values(field_name: str, mention: ClassifiedMention) -> tuple[str, ...]:
    """Raw values of a query-key field (province: the NEW province name only)."""
    if field_name == "province":
        return () if mention.province is None else (mention.province.new,)
    if field_name == "topic":
        return (mention.labels.topic.value,)
    if field_name == "sentiment":
        return (mention.labels.sentiment.value,)
    if field_name == "source":
        return (mention.source.value,)
    if field_name == "claim":
        return tuple(dict.fromkeys(c.claim_id for c in mention.claims))
    if field_name == "cluster":
        return (mention.cluster_id,) if mention.cluster_id else ()
    if field_name == "author":
        value = mention.author.id or mention.author.name
        return (value,) if value else ()
    if field_name == "id":
        return (mention.id,)
    raise KeyError(field_name)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


TOPIC_NAMES = {
    "pension": "lương hưu", "one_time_withdrawal": "rút BHXH một lần", "health_insurance": "BHYT",
    "unemployment": "trợ cấp thất nghiệp", "contribution_evasion": "trốn đóng BHXH", "vssid_app": "ứng dụng VssID",
    "scam_impersonation": "lừa đảo giả danh", "law_policy": "chính sách, pháp luật",
    "maternity_sickness": "thai sản, ốm đau", "service_quality": "chất lượng phục vụ", "other": "khác",
}


def display_key(key: str) -> str:
    """A key as shown in Vietnamese titles: topic ids by name, parts joined with " · "."""
    return " · ".join(TOPIC_NAMES.get(part, part) for part in key.split("|")) if key else "toàn bộ"
