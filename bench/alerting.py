"""`python -m bench.alerting [--mentions 20000] [--baseline-mentions 2000]`: rule evaluation cost per mention.

50 active rules (the default rule set plus generated variations of it: per topic, per province, per claim) over a
realistic stream from `bench.mentions` (its two-year timeline squeezed into one week, ~120 mentions an hour, so
windows and baselines are busy; its claim ids mapped onto the claims registry), in event time with a tick every
five simulated minutes. Measures `RuleEngine.process` per mention (mean and p95, µs) beside the obvious baseline:
ElastAlert-style, every rule keeps the matching mentions it has seen and recounts its window (and its baseline)
from scratch for the mention's key on each mention — run on the first ``--baseline-mentions`` only, it is slow.
Target (issue #6): mean ≤ 1 ms per mention with 50 rules.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta

from rich.console import Console
from rich.table import Table

from alerting.engine import RuleEngine
from alerting.rules import Rule, load_rules
from alerting.rules.registry import key_values
from common.claims import load_registry
from common.query import MatchDocument
from common.schema import ClaimMatch, ClassifiedMention, Topic

from bench.mentions import generate

TARGET_US = 1000.0
RULES = 50
TICK = timedelta(minutes=5)


def rule_set() -> list[Rule]:
    """The defaults plus variations until there are `RULES` active rules."""
    rules = load_rules()
    variations: list[tuple[str, dict]] = []
    for topic in Topic:
        variations.append((f"freq-{topic.value}", {
            "type": "frequency", "query": f"topic:{topic.value} sentiment:negative", "key": "province",
            "params": {"count": 20, "window": "1h"}}))
        variations.append((f"spike-{topic.value}", {
            "type": "spike", "query": f"topic:{topic.value}", "key": "province",
            "params": {"window": "1h", "baseline": "7d", "ratio": 4, "min_count": 15}}))
        variations.append((f"pct-{topic.value}", {
            "type": "percentage", "query": f"topic:{topic.value}", "key": "source",
            "params": {"window": "1d", "threshold": 0.8, "min_count": 50}}))
    variations.append(("known-claim-questions", {"type": "known_claim", "params": {"stances": ["questions"]}}))
    variations.append(("reach-any", {"type": "reach", "key": "source", "params": {"min_reach": 20000}}))
    variations.append(("new-cluster", {"type": "new_term", "params": {"field": "cluster", "min_count": 5}}))
    variations.append(("claim-province", {"type": "frequency", "query": "misinformation:true",
                                          "key": ["claim", "province"], "params": {"count": 5, "window": "2h"}}))
    variations.append(("text-lua-dao", {"type": "frequency", "query": '"lừa đảo" OR "giả mạo" OR "mạo danh"',
                                        "params": {"count": 30, "window": "1h"}}))
    for name, data in variations[: RULES - len(rules)]:
        rules.append(Rule.from_dict({"description": f"biến thể {name}", **data}, name=name))
    return rules


def stream(n: int) -> list[ClassifiedMention]:
    """`n` generated mentions, in time order, squeezed into one week ending now-ish, claims from the registry."""
    ids = [c.id for c in load_registry().claims]
    mentions = sorted((m for chunk in generate(n) for m in chunk), key=lambda m: m.created_at)
    start = datetime(2026, 3, 2, tzinfo=mentions[0].created_at.tzinfo)
    step = timedelta(days=7) / max(n, 1)
    out = []
    for i, m in enumerate(mentions):
        at = start + i * step
        claims = [ClaimMatch.model_construct(claim_id=ids[int(c.claim_id[-2:]) % len(ids)], score=c.score,
                                             stance=c.stance) for c in m.claims]
        out.append(m.model_copy(update={"created_at": at, "fetched_at": at + timedelta(minutes=10),
                                        "claims": claims}))
    return out


def run_engine(rules: list[Rule], mentions: list[ClassifiedMention]) -> tuple[list[float], int, float]:
    """Per-mention µs of `process`, the number of updates, total seconds spent in ticks."""
    engine = RuleEngine(rules)
    times: list[float] = []
    updates = 0
    tick_seconds = 0.0
    next_tick = mentions[0].created_at + TICK
    clock = time.perf_counter
    for m in mentions:
        while next_tick <= m.created_at:
            t = clock()
            updates += len(engine.tick(next_tick))
            tick_seconds += clock() - t
            next_tick += TICK
        t = clock()
        updates += len(engine.process(m))
        times.append((clock() - t) * 1e6)
    return times, updates, tick_seconds


def _window(rule: Rule) -> tuple[timedelta, timedelta]:
    params = rule.params
    window = getattr(params, "window", timedelta(hours=1))
    return window, getattr(params, "baseline", timedelta(0))


def run_baseline(rules: list[Rule], mentions: list[ClassifiedMention]) -> list[float]:
    """ElastAlert-style: keep every matching mention per rule, recount the key's window and baseline per mention."""
    history: dict[str, list[tuple[ClassifiedMention, tuple[str, ...]]]] = {r.name: [] for r in rules}
    spans = {r.name: _window(r) for r in rules}
    times: list[float] = []
    clock = time.perf_counter
    for m in mentions:
        t = clock()
        doc = MatchDocument.from_mention(m)
        for rule in rules:
            if not rule.matcher.matches(doc):
                continue
            key = tuple(v for f in rule.key for v in key_values(f, m)[:1])
            kept = history[rule.name]
            kept.append((m, key))
            window, baseline = spans[rule.name]
            now = m.created_at
            in_window = sum(1 for old, k in kept if k == key and now - old.created_at <= window)
            if baseline:
                in_baseline = sum(1 for old, k in kept
                                  if k == key and window < now - old.created_at <= window + baseline)
                _ = in_window > 3 * in_baseline
        times.append((clock() - t) * 1e6)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.alerting", description=__doc__)
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--baseline-mentions", type=int, default=2000)
    args = parser.parse_args()
    console = Console()
    rules = rule_set()
    t = time.perf_counter()
    mentions = stream(args.mentions)
    built = time.perf_counter() - t
    console.print(f"{len(rules)} rules, {len(mentions):,} mentions over 7 days (built in {built:.1f} s)")
    engine_times, updates, tick_seconds = run_engine(rules, mentions)
    base_times = run_baseline(rules, mentions[: args.baseline_mentions])
    same = engine_times[: len(base_times)]
    table = Table(title="Rule evaluation per mention (50 rules)")
    for column in ("path", "mentions", "mean µs", "p95 µs", "target"):
        table.add_column(column, justify="right" if column != "path" else "left")
    mean = statistics.fmean(engine_times)
    table.add_row("RuleEngine.process (all)", f"{len(engine_times):,}", f"{mean:.0f}", f"{p95(engine_times):.0f}",
                  f"≤ {TARGET_US:.0f} {'✓' if mean <= TARGET_US else '✗'}")
    table.add_row(f"RuleEngine.process (first {len(same):,})", f"{len(same):,}", f"{statistics.fmean(same):.0f}",
                  f"{p95(same):.0f}", "")
    table.add_row("baseline: recount windows per mention", f"{len(base_times):,}",
                  f"{statistics.fmean(base_times):.0f}", f"{p95(base_times):.0f}", "")
    console.print(table)
    console.print(f"{updates:,} episode updates; ticks every 5 simulated minutes took {tick_seconds:.2f} s in total; "
                  f"baseline is {statistics.fmean(base_times) / statistics.fmean(same):.1f}× slower on the same "
                  f"mentions (and grows with history)")


if __name__ == "__main__":
    main()
