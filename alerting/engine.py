"""The rule engine: evaluates every enabled rule on each classified mention, in event time, and emits
`EpisodeUpdate`s (see `alerting.episodes`) for the alert store.

Time. The clock is the watermark: the latest ``created_at`` seen. Windows slide on it, so replaying a week of
history gives the same alerts as living through it. A mention up to `lateness` older than the watermark is still
counted (inserted in place); an older one is dropped and counted in `stats`. `tick(now)` moves time without
mentions: it resolves episodes and runs time-driven rules (flatline); call it every few minutes.

Episodes. One episode per (rule, key): ``opened`` when the condition first holds for the key (facts seeded with
the window's mentions), ``updated`` as it grows — throttled: when the severity level changes, when the count grew by
half since the last update, or after `update_every` of event time with new mentions — and ``resolved`` once the
condition has been false for `resolve_after`.

Realert. After a resolution the same key cannot open a new episode within the rule's `realert` window: a renewed
condition there is suppressed (counted in `stats`), unless it is more severe (a higher level) than the episode
that just ended — an escalation is never hidden. So a residual post after an official refutation, or the tail of
a wave that flickers around the threshold, does not start a new crisis.

Re-delivery. A mention id seen before is never counted again; a re-fetch whose shares grew feeds only the reach
rules ("shares grow fast").
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, TopPost, UpdateKind, utc
from alerting.rules import Check, Context, Rule, RuleType
from alerting.rules.registry import RULE_TYPES, Fetch
from alerting.severity import SeverityInputs, components
from alerting.severity import score as severity_score
from common.claims import Registry, load_registry
from common.query import MatchDocument
from common.schema import ClaimStance, ClassifiedMention, Sentiment

MAX_TOP_POSTS = 5
MAX_MENTION_IDS = 200
MAX_TOP_TERMS = 10
MAX_EPISODE_TERMS = 2000
TERM_CANDIDATES = 100
SEED_TERMS = 50  # an opening episode analyzes the terms of its latest seed mentions only
DF_SAMPLE = frozenset("0123")  # 1 mention in 4 (by id) feeds the document frequencies: idf needs no more


def _reach(mention: ClassifiedMention) -> int:
    r = mention.reach
    return r.reactions + r.shares + r.comments


def mention_terms(tokens: list[str]) -> set[str]:
    """Terms for top-terms statistics: the words and two-word phrases of a mention (built with C-level
    operations: this runs on every mention; numbers and single letters are skipped when scoring)."""
    terms = set(tokens)
    terms.update(map(" ".join, zip(tokens, tokens[1:])))
    return terms


def _showable(term: str) -> bool:
    return len(term) > 1 and not any(part.isdigit() for part in term.split())


class _DocFreq:
    """How many mentions contain each term, over a sample of the stream (halved when large: recent weighs
    more). Only rarity matters, so a sample is as good as every mention and costs a quarter."""

    def __init__(self, limit: int = 200_000) -> None:
        self.df: Counter[str] = Counter()
        self.total = 0
        self.limit = limit

    def add(self, terms: set[str]) -> None:
        self.df.update(terms)
        self.total += 1
        if self.total > self.limit:
            self.df = Counter({t: n // 2 for t, n in self.df.items() if n > 1})
            self.total //= 2

    def idf(self, term: str) -> float:
        """Rarity of `term` in the sampled stream."""
        return math.log((self.total + 2) / (self.df.get(term, 0) + 1))


@dataclass
class _Episode:
    rule: Rule
    owner: RuleType  # the rule's type instance (titles need its context)
    key: str
    opened_at: datetime
    last_true: datetime
    count: int = 0
    reach: int = 0
    negative: int = 0
    misinformation: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    sentiment: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    provinces: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    claims: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    top: list[ClassifiedMention] = field(default_factory=list)
    ids: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_MENTION_IDS))
    check: Check = field(default_factory=lambda: Check(False))
    emitted_count: int = 0
    emitted_at: datetime | None = None
    level: Severity = Severity.low  # last emitted
    peak: Severity = Severity.low  # highest emitted: what a renewed condition must exceed within realert

    def add(self, mention: ClassifiedMention, terms: set[str]) -> None:
        self.count += 1
        reach = _reach(mention)
        self.reach += reach
        labels = mention.labels
        self.negative += labels.sentiment is Sentiment.negative
        spreads = [c.claim_id for c in mention.claims if c.stance is not ClaimStance.refutes]
        self.misinformation += labels.misinformation or bool(spreads)
        at = mention.created_at
        self.first_seen = at if self.first_seen is None or at < self.first_seen else self.first_seen
        self.last_seen = at if self.last_seen is None or at > self.last_seen else self.last_seen
        self.sentiment[labels.sentiment.value] += 1
        self.sources[mention.source.value] += 1
        if mention.province is not None:
            self.provinces[mention.province.new] += 1
        self.topics[labels.topic.value] += 1
        self.claims.update(dict.fromkeys(spreads, 1))
        self.terms.update(terms)
        if len(self.terms) > MAX_EPISODE_TERMS:
            self.terms = Counter(dict(self.terms.most_common(MAX_EPISODE_TERMS // 2)))
        if len(self.top) < MAX_TOP_POSTS or reach > _reach(self.top[-1]):
            self.top.append(mention)
            self.top.sort(key=lambda m: (-_reach(m), m.created_at))
            del self.top[MAX_TOP_POSTS:]
        self.ids.append(mention.id)


class _RuleState:
    """One rule in the engine: its type's state, open episodes and recently resolved keys."""

    def __init__(self, rule: Rule, context: Context) -> None:
        self.rule = rule
        self.type: RuleType = RULE_TYPES[rule.type](rule, context)
        self.matcher = rule.matcher
        self.episodes: dict[str, _Episode] = {}
        self.resolved: dict[str, tuple[datetime, Severity]] = {}  # key → (resolved at, peak level it reached)


@dataclass
class EngineStats:
    mentions: int = 0
    duplicates: int = 0
    refetched: int = 0
    late_dropped: int = 0
    suppressed: int = 0  # renewed conditions inside a realert window


class RuleEngine:
    """Evaluates rules over the classified stream. Not thread-safe: one engine per consumer."""

    def __init__(self, rules: Iterable[Rule], *, claims: Registry | None = None,
                 lateness: timedelta = timedelta(hours=1), max_seen: int = 200_000) -> None:
        self.context = Context(claims=claims if claims is not None else load_registry())
        self.rules = {rule.name: rule for rule in rules}
        self.states = [_RuleState(rule, self.context) for rule in self.rules.values() if rule.enabled]
        self.lateness = lateness
        self.max_seen = max_seen
        self.watermark: datetime | None = None
        self.stats = EngineStats()
        self._seen: OrderedDict[str, Fetch] = OrderedDict()
        self._df = _DocFreq()

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Switch a rule on or off at run time (the operators' switch); returns whether anything changed. A rule
        switched off forgets its windows and episodes (its open alerts stay for people to close); switched back
        on, it starts from empty windows."""
        if name not in self.rules:
            raise KeyError(f"không có luật '{name}'")
        active = {state.rule.name: state for state in self.states}
        if enabled and name not in active:
            self.states.append(_RuleState(self.rules[name], self.context))
            return True
        if not enabled and name in active:
            self.states.remove(active[name])
            return True
        return False

    # ---------------------------------------------------------------------------------------------- mentions

    def process(self, mention: ClassifiedMention) -> list[EpisodeUpdate]:
        """Evaluate every enabled rule on one mention (event time = ``mention.created_at``)."""
        previous = self._seen.get(mention.id)
        if previous is not None:
            self._seen.move_to_end(mention.id)
            self.stats.duplicates += 1
            if mention.reach.shares > previous.shares:
                self._seen[mention.id] = Fetch(mention.reach.shares, mention.fetched_at)
                return self._refetched(mention, previous)
            return []
        at = mention.created_at
        if self.watermark is not None and at < self.watermark - self.lateness:
            self.stats.late_dropped += 1
            return []
        self._seen[mention.id] = Fetch(mention.reach.shares, mention.fetched_at)
        if len(self._seen) > self.max_seen:
            self._seen.popitem(last=False)
        self.stats.mentions += 1
        if self.context.started is None or at < self.context.started:
            self.context.started = at
        if self.watermark is None or at > self.watermark:
            self.watermark = at
        now = self.watermark
        doc = MatchDocument.from_mention(mention)
        terms: set[str] | None = None
        if mention.id[-1] in DF_SAMPLE:
            terms = mention_terms(doc.tokens)
            self._df.add(terms)
        updates: list[EpisodeUpdate] = []
        for state in self.states:
            if not state.matcher.matches(doc):
                if state.type.sees_all:
                    state.type.remember(mention, doc.tokens)
                continue
            rule_type = state.type
            for key in rule_type.keys(mention, doc.tokens):
                check = rule_type.observe(key, mention, now)
                episode = state.episodes.get(key)
                if episode is not None and check.member and terms is None:
                    terms = mention_terms(doc.tokens)
                update = self._after(state, key, check, now, mention, terms or set())
                if update is not None:
                    updates.append(update)
        return updates

    def _refetched(self, mention: ClassifiedMention, previous: Fetch) -> list[EpisodeUpdate]:
        self.stats.refetched += 1
        now = self.watermark or mention.created_at
        doc: MatchDocument | None = None
        updates: list[EpisodeUpdate] = []
        for state in self.states:
            if state.rule.type != "reach":
                continue
            doc = doc or MatchDocument.from_mention(mention)
            if not state.matcher.matches(doc):
                continue
            for key in state.type.keys(mention, doc.tokens):
                check = state.type.refetched(key, mention, previous, now)
                if check is None:
                    continue
                if key in state.episodes:  # already counted in the open episode: growth keeps it open
                    state.episodes[key].last_true = now
                    continue
                update = self._after(state, key, check, now, None, set())
                if update is not None:
                    updates.append(update)
        return updates

    def _after(self, state: _RuleState, key: str, check: Check, now: datetime,
               mention: ClassifiedMention | None, terms: set[str]) -> EpisodeUpdate | None:
        episode = state.episodes.get(key)
        if episode is None:
            return self._open(state, key, check, now) if check.holds else None
        if check.holds:
            episode.last_true = now
        if mention is not None and check.member:
            episode.add(mention, terms)
        episode.check = check
        return self._maybe_update(episode, now)

    def _open(self, state: _RuleState, key: str, check: Check, now: datetime) -> EpisodeUpdate | None:
        rule = state.rule
        episode = _Episode(rule, state.type, key, opened_at=now, last_true=now, check=check)
        for seed in check.seed:
            episode.add(seed, set())
        score, level = self._severity(episode)
        resolved = state.resolved.get(key)
        if resolved is not None and now < resolved[0] + rule.realert and level.rank <= resolved[1].rank:
            self.stats.suppressed += 1
            return None
        for seed in check.seed[-SEED_TERMS:]:  # analyzed only once the episode really opens
            episode.terms.update(mention_terms(MatchDocument.from_mention(seed).tokens))
        state.resolved.pop(key, None)
        state.episodes[key] = episode
        return self._emit(episode, UpdateKind.opened, now, score, level)

    def _maybe_update(self, episode: _Episode, now: datetime) -> EpisodeUpdate | None:
        score, level = self._severity(episode)
        grew = episode.count >= 1.5 * max(episode.emitted_count, 1)
        due = (episode.emitted_at is None or now - episode.emitted_at >= episode.rule.update_every) \
            and episode.count != episode.emitted_count
        if level != episode.level or grew or due:
            return self._emit(episode, UpdateKind.updated, now, score, level)
        return None

    # -------------------------------------------------------------------------------------------------- time

    def tick(self, now: datetime) -> list[EpisodeUpdate]:
        """Move time to `now` (never before the watermark): resolve episodes whose condition has been false for
        `resolve_after`, open time-driven episodes (flatline), forget expired state."""
        now = utc(now)
        if self.watermark is not None and now < self.watermark:
            now = self.watermark
        updates: list[EpisodeUpdate] = []
        for state in self.states:
            rule, rule_type = state.rule, state.type
            rule_type.prune(now)
            for key in list(state.episodes):
                episode = state.episodes[key]
                check = rule_type.check(key, now)
                if check.holds:
                    episode.last_true = now
                    episode.check = check
                    continue
                if now - episode.last_true >= rule.resolve_after:
                    episode.check = check
                    score, level = self._severity(episode)
                    updates.append(self._emit(episode, UpdateKind.resolved, now, score, level))
                    del state.episodes[key]
                    state.resolved[key] = (now, episode.peak)
            for key, check in rule_type.due(now):
                if key not in state.episodes:
                    update = self._open(state, key, check, now)
                    if update is not None:
                        updates.append(update)
            for key in [k for k, (at, _) in state.resolved.items() if now >= at + rule.realert]:
                del state.resolved[key]
        return updates

    # ------------------------------------------------------------------------------------------------- facts

    def _severity(self, episode: _Episode) -> tuple[float, Severity]:
        value = severity_score(self._inputs(episode), episode.rule.severity)
        return value, Severity.from_score(value)

    @staticmethod
    def _inputs(episode: _Episode) -> SeverityInputs:
        check = episode.check
        share = episode.misinformation / episode.count if episode.count else 0.0
        return SeverityInputs(count=episode.count, velocity=check.velocity, reach=episode.reach,
                              misinformation_share=share, topics=episode.topics, baseline_rate=check.baseline_rate)

    def _emit(self, episode: _Episode, kind: UpdateKind, now: datetime, score: float,
              level: Severity) -> EpisodeUpdate:
        episode.emitted_count = episode.count
        episode.emitted_at = now
        episode.level = level
        if level.rank > episode.peak.rank:
            episode.peak = level
        rule, check = episode.rule, episode.check
        parts = components(self._inputs(episode), rule.severity)
        n = episode.count
        facts = EpisodeFacts(
            count=n, window_count=check.window_count, baseline_rate=check.baseline_rate,
            velocity=round(check.velocity, 2), reach=episode.reach,
            negative_share=round(episode.negative / n, 3) if n else 0.0,
            misinformation_share=round(episode.misinformation / n, 3) if n else 0.0,
            first_seen=episode.first_seen, last_seen=episode.last_seen,
            sentiment=dict(episode.sentiment), sources=dict(episode.sources), provinces=dict(episode.provinces),
            topics=dict(episode.topics), claims=dict(episode.claims), top_terms=self._top_terms(episode),
            top_posts=[_top_post(m) for m in episode.top], mention_ids=list(episode.ids),
            extra={**check.extra, "severity_components": {k: round(v, 2) for k, v in parts.items()}})
        return EpisodeUpdate(rule=rule.name, rule_type=rule.type, key=episode.key, kind=kind, at=now,
                             severity_score=score, severity=level, playbook=rule.playbook,
                             title=episode.owner.title(episode.key, check, episode.count), facts=facts)

    def _top_terms(self, episode: _Episode) -> list[str]:
        """Terms characteristic of the episode: frequent in it, rare in the stream (tf × idf)."""
        floor = 2 if episode.count >= 4 else 1
        frequent = episode.terms.most_common(TERM_CANDIDATES)  # a characteristic term is frequent in the episode
        scored = [(n * self._df.idf(t), t) for t, n in frequent if n >= floor and _showable(t)]
        scored.sort(key=lambda item: (-round(item[0], 6), -item[1].count(" "), item[1]))  # ties: phrases first
        chosen: list[str] = []
        words: set[str] = set()
        for value, term in scored:
            if value <= 0 or len(chosen) == MAX_TOP_TERMS:
                break
            if " " not in term and term in words:
                continue  # already shown inside a phrase
            chosen.append(term)
            words.update(term.split())
        return chosen

    def open_episodes(self) -> list[tuple[str, str]]:
        """(rule, key) of every open episode."""
        return [(s.rule.name, key) for s in self.states for key in s.episodes]


def _top_post(mention: ClassifiedMention) -> TopPost:
    return TopPost(mention_id=mention.id, source=mention.source.value, url=mention.url,
                   author=mention.author.name or mention.author.id, created_at=mention.created_at,
                   reach=_reach(mention), text=mention.text[:280], sentiment=mention.labels.sentiment.value,
                   misinformation=mention.labels.misinformation)
