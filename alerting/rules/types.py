"""The rule types: frequency, spike, percentage, new_term, known_claim, reach, flatline.

Each keeps only what its condition needs, bounded: mentions inside its window (`Window`), hour-like count
buckets for baselines (`Buckets`), one set of seen values per day for new_term.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, model_validator

from alerting.rules.registry import (
    Buckets,
    Check,
    Context,
    Fetch,
    RuleType,
    Window,
    display_key,
    hours,
    rule_type,
)
from alerting.rules.schema import Duration, Params, PositiveDuration, Rule, format_duration
from common.schema import ClaimStance, ClassifiedMention, Sentiment

Count = Annotated[int, Field(ge=1)]


def _reach(mention: ClassifiedMention) -> int:
    r = mention.reach
    return r.reactions + r.shares + r.comments


class _Windowed(RuleType):
    """Types whose condition is about the mentions of one key inside a sliding window."""

    def __init__(self, rule: Rule, context: Context) -> None:
        super().__init__(rule, context)
        self.windows: dict[str, Window] = {}
        self.span: timedelta = self.params.window

    def hit(self, mention: ClassifiedMention) -> bool:
        return False

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = Window()
        window.add(mention.created_at, mention, self.hit(mention))
        return self.check(key, now)

    def check(self, key: str, now: datetime) -> Check:
        window = self.windows.get(key)
        if window is None:
            return Check(False)
        window.prune(now - self.span)
        return self.evaluate(key, window, now)

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        raise NotImplementedError

    def prune(self, now: datetime) -> None:
        cutoff = now - self.span
        for key in list(self.windows):
            window = self.windows[key]
            window.prune(cutoff)
            if not window:
                del self.windows[key]

    def velocity(self, window: Window) -> float:
        return len(window) / hours(self.span)

    def _title(self, default: str, key: str, check: Check, count: int) -> str:
        template = self.rule.title or default
        return template.format(key=display_key(key), count=count, window_count=check.window_count,
                               velocity=round(check.velocity, 1), window=format_duration(self.span),
                               rule=self.rule.description)


# ------------------------------------------------------------------------------------------------- frequency

class FrequencyParams(Params):
    count: Count  # at least this many matching mentions ...
    window: PositiveDuration  # ... within this long, per key


@rule_type("frequency")
class Frequency(_Windowed):
    """N matching mentions within T, per key (e.g. ≥ 15 "VssID lỗi" complaints in 30 minutes)."""

    Params = FrequencyParams

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        n = len(window)
        holds = n >= self.params.count
        return Check(holds, n, self.velocity(window), seed=window.mentions() if holds else [])

    def title(self, key: str, check: Check, count: int) -> str:
        return self._title("{rule} — {key}: {window_count} bài trong {window}", key, check, count)


# ----------------------------------------------------------------------------------------------------- spike

class SpikeParams(Params):
    window: PositiveDuration = timedelta(hours=1)  # the recent window ...
    baseline: PositiveDuration = timedelta(days=7)  # ... against the rate over this long before it
    ratio: Annotated[float, Field(gt=1)] = 3.0  # recent rate ≥ ratio × baseline rate
    min_count: Count = 10  # and at least this many mentions in the window
    min_baseline_rate: Annotated[float, Field(ge=0)] = 0.5  # per hour: floor of the baseline (new or quiet keys)
    warmup: Duration = timedelta(hours=6)  # no alert until the engine has watched the stream this long: before
    # that a baseline of zero means "not watched yet", not "new"

    @model_validator(mode="after")
    def _baseline_longer(self) -> SpikeParams:
        if self.baseline < self.window:
            raise ValueError("baseline phải dài hơn window (baseline must be at least the window)")
        return self


@rule_type("spike")
class Spike(_Windowed):
    """Rate in the last window against a baseline window, per key. The baseline is kept as counts per
    window-sized bucket, so a 7-day baseline costs at most a few hundred integers per key."""

    Params = SpikeParams

    def __init__(self, rule: Rule, context: Context) -> None:
        super().__init__(rule, context)
        self.buckets: dict[str, Buckets] = {}
        self._cache: dict[str, tuple[int, int, int]] = {}  # key → (start, end, baseline count)

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        buckets = self.buckets.get(key)
        if buckets is None:
            buckets = self.buckets[key] = Buckets(self.span)
        buckets.add(mention.created_at)
        cached = self._cache.get(key)
        if cached is not None and buckets.index(mention.created_at) < cached[1]:
            del self._cache[key]  # a late mention landed in the baseline
        return super().observe(key, mention, now)

    def baseline_rate(self, key: str, now: datetime) -> float | None:
        """Mentions per hour of `key` before the window; None while the engine has not watched `warmup` yet."""
        started = self.context.started
        if started is None or now - started < self.params.warmup:
            return None
        clock = Buckets(self.span)
        end = clock.index(now - self.span)  # the bucket overlapping the window is not baseline
        start = clock.index(now - self.span - self.params.baseline)
        covered = end - max(start, clock.index(started))
        if covered <= 0:
            return None  # not one whole bucket of history before the window yet
        buckets = self.buckets.get(key)
        if buckets is None:
            return 0.0  # watched, never seen: a new key, min_count and min_baseline_rate decide
        cached = self._cache.get(key)
        if cached is None or cached[:2] != (start, end):
            cached = (start, end, buckets.total(start, end))
            self._cache[key] = cached
        return cached[2] / (covered * hours(self.span))

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        n = len(window)
        velocity = self.velocity(window)
        base = self.baseline_rate(key, now)
        holds = (base is not None and n >= self.params.min_count
                 and velocity >= self.params.ratio * max(base, self.params.min_baseline_rate))
        ratio = velocity / base if base else None
        extra = {"ratio": round(ratio, 1) if ratio is not None else None}
        return Check(holds, n, velocity, base, seed=window.mentions() if holds else [], extra=extra)

    def prune(self, now: datetime) -> None:
        super().prune(now)
        before = Buckets(self.span).index(now - self.span - self.params.baseline)  # every key: same bucket size
        for key in list(self.buckets):
            buckets = self.buckets[key]
            buckets.prune(before)
            if not buckets.counts:
                del self.buckets[key]
                self._cache.pop(key, None)

    def title(self, key: str, check: Check, count: int) -> str:
        ratio = check.extra.get("ratio")
        times = f"gấp {ratio:g} lần bình thường" if ratio else "chưa từng có trước đó"
        return self._title(f"{{rule}} — {{key}}: {{window_count}} bài/{{window}}, {times}",
                           key, check, count)


# ------------------------------------------------------------------------------------------------ percentage

class PercentageParams(Params):
    window: PositiveDuration
    of: Literal["negative", "misinformation"] = "negative"  # which share is measured
    threshold: Annotated[float, Field(gt=0, le=1)]  # share ≥ threshold ...
    min_count: Count = 10  # ... among at least this many matching mentions
    min_span: Duration = timedelta(0)  # the window's mentions must spread over this long (a trend, not a burst)


@rule_type("percentage")
class Percentage(_Windowed):
    """Share of negative (or misinformation) mentions among those matching, per key, over a window."""

    Params = PercentageParams

    def hit(self, mention: ClassifiedMention) -> bool:
        if self.params.of == "negative":
            return mention.labels.sentiment is Sentiment.negative
        return mention.labels.misinformation

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        n = len(window)
        share = window.hits / n if n else 0.0
        span = window.times[-1] - window.times[0] if n else timedelta(0)
        holds = n >= self.params.min_count and share >= self.params.threshold and span >= self.params.min_span
        return Check(holds, n, self.velocity(window), seed=window.mentions() if holds else [],
                     extra={"share": round(share, 3), "of": self.params.of})

    def title(self, key: str, check: Check, count: int) -> str:
        what = "tiêu cực" if self.params.of == "negative" else "tin sai"
        share = round(100 * check.extra.get("share", 0))
        return self._title(f"{{rule}} — {{key}}: {share}% bài {what} ({{window_count}} bài/{{window}})",
                           key, check, count)


# -------------------------------------------------------------------------------------------------- new_term

_KNOWN = Check(False)  # shared, never mutated: the engine only reads a check that does not hold


class NewTermParams(Params):
    field: Literal["term", "claim", "cluster"] = "term"  # what must be new
    window: PositiveDuration = timedelta(hours=2)  # a new value counts as new for this long after it appears
    baseline: Annotated[Duration, Field(ge=timedelta(days=1))] = timedelta(days=7)  # "new": not seen during
    # this long before, counted in whole (UTC) days
    warmup: Duration = timedelta(days=1)  # no alert until the engine has watched the stream this long
    min_count: Count = 3  # mentions with the new value within the window
    min_length: Annotated[int, Field(ge=1)] = 4  # terms: ignore shorter words (single syllables are never new)
    max_values: Annotated[int, Field(ge=1000)] = 100_000  # bound of the values remembered per day


@rule_type("new_term")
class NewTerm(RuleType):
    """A claim, cluster or term (word or two-word phrase) not seen in the baseline period, appearing at least
    `min_count` times within `window` in mentions the query matches. "Seen" counts every mention, matching or
    not: a phrase common in ordinary posts is not new when it first shows up in a rumor. The query key is the new
    value itself."""

    Params = NewTermParams
    key_fields = ()
    sees_all = True

    def __init__(self, rule: Rule, context: Context) -> None:
        super().__init__(rule, context)
        self.days: dict[int, set[str]] = {}  # day number → values seen that day (the baseline's memory)
        self.span_days = max(1, math.ceil(self.params.baseline / timedelta(days=1)))
        self.novel: dict[str, tuple[datetime, Window]] = {}  # value → (first seen, its mentions)

    def keys(self, mention: ClassifiedMention, tokens: list[str]) -> list[str]:
        field = self.params.field
        if field == "claim":
            return list(dict.fromkeys(c.claim_id for c in mention.claims))
        if field == "cluster":
            return [mention.cluster_id] if mention.cluster_id else []
        return terms(tokens, self.params.min_length)

    def _day(self, at: datetime) -> set[str]:
        number = int(at.timestamp() // 86400)
        day = self.days.get(number)
        if day is None:
            day = self.days[number] = set()
        return day

    def _known(self, key: str, at: datetime) -> bool:
        today = int(at.timestamp() // 86400)
        days = self.days
        return any(key in days.get(d, ()) for d in range(today - self.span_days, today + 1))

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        at = mention.created_at
        novel = self.novel.get(key)
        day = self._day(at)
        if novel is not None:
            novel[1].add(at, mention)
            if len(day) < self.params.max_values:
                day.add(key)
            return self.check(key, now)
        known = self._known(key, at)
        if len(day) < self.params.max_values:
            day.add(key)
        started = self.context.started
        if known or started is None or at - started < self.params.warmup:
            return _KNOWN  # the common case: a known value, nothing to evaluate
        window = Window()
        window.add(at, mention)
        self.novel[key] = (at, window)
        return self.check(key, now)

    def remember(self, mention: ClassifiedMention, tokens: list[str]) -> None:
        day = self._day(mention.created_at)
        if len(day) < self.params.max_values:
            day.update(self.keys(mention, tokens))

    def check(self, key: str, now: datetime) -> Check:
        novel = self.novel.get(key)
        if novel is None or now - novel[0] > self.params.window:
            return Check(False)
        window = novel[1]
        holds = len(window) >= self.params.min_count
        return Check(holds, len(window), len(window) / hours(self.params.window),
                     seed=window.mentions() if holds else [], extra={"new_value": key, "field": self.params.field})

    def prune(self, now: datetime) -> None:
        for key in [k for k, (since, _) in self.novel.items() if now - since > self.params.window]:
            del self.novel[key]
        oldest = int(now.timestamp() // 86400) - self.span_days
        for number in [d for d in self.days if d < oldest]:
            del self.days[number]

    def title(self, key: str, check: Check, count: int) -> str:
        what = {"term": "Cụm từ mới", "claim": "Tin đồn mới", "cluster": "Nhóm bài mới"}[self.params.field]
        template = self.rule.title or f"{what} “{{key}}” xuất hiện {{count}} lần"
        return template.format(key=key, count=count, window_count=check.window_count,
                               velocity=round(check.velocity, 1), window=format_duration(self.params.window),
                               rule=self.rule.description)


MAX_TERMS = 200  # per mention: a long article's tail adds cost, not news


def terms(words: list[str], min_length: int) -> list[str]:
    """Words of at least `min_length` letters (not numbers) and two-word phrases of a mention's analyzed text,
    from its first `MAX_TERMS` words."""
    words = words[:MAX_TERMS]
    out = dict.fromkeys([w for w in words if len(w) >= min_length and not w.isdigit()])
    out.update(dict.fromkeys(map(" ".join, zip(words, words[1:]))))
    return list(out)


# ----------------------------------------------------------------------------------------------- known_claim

class KnownClaimParams(Params):
    window: PositiveDuration = timedelta(hours=2)
    min_count: Count = 3  # mentions spreading the claim within the window, or ...
    min_reach: Annotated[int, Field(ge=1)] | None = 2000  # ... one of them reaching this many people
    stances: Annotated[list[ClaimStance], Field(min_length=1)] = [ClaimStance.spreads, ClaimStance.questions]
    min_score: Annotated[float, Field(ge=0, le=1)] = 0.5  # claim match score


@rule_type("known_claim")
class KnownClaim(_Windowed):
    """A claim of the registry starts spreading: mentions that spread or question it (never those that quote it
    to refute it, such as the official rebuttal), per claim."""

    Params = KnownClaimParams
    key_fields = ("claim",)

    def keys(self, mention: ClassifiedMention, tokens: list[str]) -> list[str]:
        registry = self.context.claims
        known = None if registry is None else {c.id for c in registry.claims}
        stances = self.params.stances
        return list(dict.fromkeys(
            c.claim_id for c in mention.claims
            if c.stance in stances and c.score >= self.params.min_score and (known is None or c.claim_id in known)))

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        n = len(window)
        top = max((_reach(m) for m, _ in window.items), default=0)
        holds = n >= self.params.min_count or (self.params.min_reach is not None and top >= self.params.min_reach)
        return Check(holds, n, self.velocity(window), seed=window.mentions() if holds else [],
                     extra={"max_reach": top})

    def title(self, key: str, check: Check, count: int) -> str:
        text = key
        if self.context.claims is not None:
            try:
                text = self.context.claims.get(key).claim
            except KeyError:
                pass
        if len(text) > 90:
            text = text[:89].rstrip() + "…"
        return self._title(f"Tin đồn “{text}” đang lan ({{count}} bài, {{velocity}} bài/giờ)", key, check, count)


# ----------------------------------------------------------------------------------------------------- reach

class ReachParams(Params):
    window: PositiveDuration = timedelta(hours=6)  # qualifying posts keep the episode open this long
    min_reach: Annotated[int, Field(ge=1)] | None = 5000  # reactions + shares + comments of one mention
    min_followers: Annotated[int, Field(ge=1)] | None = None  # a high-reach author
    shares_per_hour: Annotated[float, Field(gt=0)] | None = 300  # shares growing this fast ...
    min_shares: Annotated[int, Field(ge=0)] = 100  # ... once the post has at least this many shares

    @model_validator(mode="after")
    def _one_criterion(self) -> ReachParams:
        if self.min_reach is None and self.min_followers is None and self.shares_per_hour is None:
            raise ValueError("cần ít nhất một tiêu chí: min_reach, min_followers hoặc shares_per_hour "
                             "(at least one criterion)")
        return self


@rule_type("reach")
class ReachRule(_Windowed):
    """One mention from a high-reach author, with a high reach, or whose shares grow fast (between two fetches of
    the same post, or since publication on the first fetch)."""

    Params = ReachParams

    def growth(self, mention: ClassifiedMention, previous: Fetch | None) -> float:
        """Shares per hour."""
        if previous is None:
            elapsed = max(hours(mention.fetched_at - mention.created_at), 0.25)
            return mention.reach.shares / elapsed
        elapsed = max(hours(mention.fetched_at - previous.fetched_at), 1 / 60)
        return (mention.reach.shares - previous.shares) / elapsed

    def qualifies(self, mention: ClassifiedMention, previous: Fetch | None = None) -> bool:
        p = self.params
        if p.min_reach is not None and _reach(mention) >= p.min_reach:
            return True
        followers = mention.reach.author_followers
        if p.min_followers is not None and followers is not None and followers >= p.min_followers:
            return True
        return (p.shares_per_hour is not None and mention.reach.shares >= p.min_shares
                and self.growth(mention, previous) >= p.shares_per_hour)

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        if not self.qualifies(mention):
            check = self.check(key, now)
            check.member = False
            return check
        return super().observe(key, mention, now)

    def refetched(self, key: str, mention: ClassifiedMention, previous: Fetch, now: datetime) -> Check | None:
        if not self.qualifies(mention, previous):
            return None
        window = self.windows.get(key)
        if window is not None and any(m.id == mention.id for m, _ in window.items):
            return self.check(key, now)
        check = super().observe(key, mention, now)
        check.extra["shares_per_hour"] = round(self.growth(mention, previous), 1)
        return check

    def evaluate(self, key: str, window: Window, now: datetime) -> Check:
        n = len(window)
        top = max((_reach(m) for m, _ in window.items), default=0)
        return Check(n > 0, n, self.velocity(window), seed=window.mentions(), extra={"max_reach": top})

    def title(self, key: str, check: Check, count: int) -> str:
        top = check.extra.get("max_reach", 0)
        return self._title(f"{{rule}} — {{key}}: {top:,} lượt tương tác".replace(",", "."),
                           key, check, count)


# -------------------------------------------------------------------------------------------------- flatline

class FlatlineParams(Params):
    window: PositiveDuration = timedelta(hours=2)  # at most `threshold` mentions in this long ...
    threshold: Annotated[int, Field(ge=0)] = 0
    baseline: PositiveDuration = timedelta(days=7)
    min_expected: Annotated[float, Field(gt=0)] = 10.0  # ... while previous days had this many at that time
    min_days: Annotated[int, Field(ge=1)] = 3  # days of history before a source can flatline


@rule_type("flatline")
class Flatline(RuleType):
    """A source stopped producing (crawler health): at most `threshold` mentions in the window while the same
    time of day on the previous days had `min_expected` (median), so a sparse source, the night lull, the day
    after a crisis or a quiet week never alerts."""

    Params = FlatlineParams
    key_fields = ("source",)

    def __init__(self, rule: Rule, context: Context) -> None:
        super().__init__(rule, context)
        self.buckets: dict[str, Buckets] = {}
        self.recent: dict[str, deque[datetime]] = {}

    def observe(self, key: str, mention: ClassifiedMention, now: datetime) -> Check:
        buckets = self.buckets.get(key)
        if buckets is None:
            buckets = self.buckets[key] = Buckets(timedelta(hours=1))
        buckets.add(mention.created_at)
        self.recent.setdefault(key, deque()).append(mention.created_at)
        check = self.check(key, now)
        check.member = False
        return check

    def check(self, key: str, now: datetime) -> Check:
        buckets = self.buckets.get(key)
        if buckets is None:
            return Check(False)
        window = self.params.window
        recent = self.recent.get(key) or deque()
        while recent and recent[0] <= now - window:
            recent.popleft()
        expected = self.expected(buckets, now)
        holds = len(recent) <= self.params.threshold and expected >= self.params.min_expected
        last = recent[-1] if recent else None
        return Check(holds, len(recent), len(recent) / hours(window), expected / hours(window),
                     extra={"source": key, "expected": round(expected, 1),
                            "last_seen": last.isoformat() if last else None})

    def expected(self, buckets: Buckets, now: datetime) -> float:
        """Median count of the same time-of-day window on the previous days of the baseline: the night lull is
        expected at night, and one crisis day does not make the next ordinary day look like an outage. 0 until
        `min_days` of history."""
        window = self.params.window
        samples = []
        for day in range(1, max(1, self.params.baseline // timedelta(days=1)) + 1):
            end = now - timedelta(days=day)
            start = buckets.index(end - window)
            if start < buckets.start:
                break
            samples.append(buckets.total(start, buckets.index(end)))
        return float(statistics.median(samples)) if len(samples) >= self.params.min_days else 0.0

    def due(self, now: datetime) -> Iterator[tuple[str, Check]]:
        for key in list(self.buckets):
            check = self.check(key, now)
            if check.holds:
                yield key, check

    def prune(self, now: datetime) -> None:
        before = Buckets(timedelta(hours=1)).index(now - self.params.window - self.params.baseline)
        for key in list(self.buckets):
            buckets = self.buckets[key]
            buckets.prune(before)
            if not buckets.counts:
                del self.buckets[key]
                self.recent.pop(key, None)

    def title(self, key: str, check: Check, count: int) -> str:
        expected = math.ceil(check.extra.get("expected", 0))
        template = self.rule.title or (f"Nguồn {{key}} ngừng cập nhật: không có bài trong {{window}} "
                                       f"(thường ~{expected})")
        return template.format(key=key, count=count, window_count=check.window_count,
                               velocity=round(check.velocity, 1), window=format_duration(self.params.window),
                               rule=self.rule.description)
