"""Dry-run: feed a time-ordered history through fresh rules in simulated time, without touching any store.

The core of ``crisiswatch alert dry-run`` and of the replay harness: ticks are interleaved between mentions every
`tick_every` of event time, so episodes resolve and flatlines fire exactly as they would have live.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from alerting.engine import RuleEngine
from alerting.episodes import EpisodeUpdate, utc
from alerting.rules import Rule
from common.claims import Registry
from common.schema import ClassifiedMention


def dry_run(rules: Iterable[Rule], mentions: Iterable[ClassifiedMention], *,
            tick_every: timedelta = timedelta(minutes=5), until: datetime | None = None,
            claims: Registry | None = None) -> list[EpisodeUpdate]:
    """Every update the rules would have emitted over `mentions` (sorted by ``created_at``; moderately late ones
    are tolerated like live). `until` keeps ticking after the last mention, e.g. to see episodes resolve."""
    if tick_every <= timedelta(0):
        raise ValueError("tick_every phải dương (must be positive)")
    engine = RuleEngine(rules, claims=claims)
    updates: list[EpisodeUpdate] = []
    next_tick: datetime | None = None
    for mention in mentions:
        at = mention.created_at
        if next_tick is None:
            next_tick = at + tick_every
        while next_tick <= at:
            updates.extend(engine.tick(next_tick))
            next_tick += tick_every
        updates.extend(engine.process(mention))
    if until is not None:
        until = utc(until)
        tick = next_tick if next_tick is not None else until
        while tick <= until:
            updates.extend(engine.tick(tick))
            tick += tick_every
    elif engine.watermark is not None:
        updates.extend(engine.tick(engine.watermark))
    return updates
