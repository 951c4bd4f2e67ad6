"""`python -m bench.forecast`: the weekly forecast's targets (issue 8).

- time to fit and forecast one week for 34 provinces × 11 topics with the picked model (target ≤ 60 s) beside
  the climatology baseline, on a simulated 3-year history;
- the rolling-origin backtest's Brier skill score of the picked model over climatology (target ≥ 0.2);
- the adapters (``forecast.sources``): the daily history read from a tantivy index of ``--mentions`` realistic
  mentions (``bench.mentions``, two years) with facets + per-cell day histograms, beside streaming every mention
  with ``export`` and counting (the alternative; both must give the same arrays), and the alert history read from a
  SQLite store of ``--alerts`` alerts. The week's end-to-end time (adapter + fit + forecast) is checked against
  the 60 s target too.

The model figures measure our models on our own simulator (see docs/forecast.md), not on real VSS data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from rich.console import Console
from rich.table import Table

from forecast.backtest import run_backtest
from forecast.event_calendar import default_calendar
from forecast.models import MODELS
from forecast.simulator import simulate

FIT_TARGET_S = 60.0
BSS_TARGET = 0.2


def adapter_timings(console: Console, index_dir: Path, mentions: int, alerts: int, compare_export: bool
                    ) -> dict[str, float]:
    """Seconds per adapter step on a tantivy index in ``index_dir`` (built with ``mentions`` mentions if absent)."""
    from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, UpdateKind
    from alerting.store.alerts import AlertStore
    from alerting.store.database import create_engine_for, upgrade
    from bench.mentions import DAYS, START, generate
    from forecast.history import PROVINCES, TOPICS
    from forecast.sources import alert_history, index_counts, local_midnight
    from index.aggregations import VN_TZ
    from index.backend import SearchFilters, SearchRequest
    from index.tantivy_backend import TantivyBackend

    out: dict[str, float] = {}
    fresh = not index_dir.exists()
    backend = TantivyBackend(index_dir)
    if fresh:
        with console.status(f"indexing {mentions:,} mentions into {index_dir}…"):
            started = time.perf_counter()
            for chunk in generate(mentions):
                backend.index(chunk)
            backend.commit()
            out["build index (not part of the forecast)"] = time.perf_counter() - started
    start = START.astimezone(VN_TZ).date()
    end = start + timedelta(days=DAYS + 1)
    with console.status("history from the index: facets + day histograms…"):
        started = time.perf_counter()
        counts = index_counts(backend, start, end)
        out["index → history (facets + histograms)"] = time.perf_counter() - started
    if compare_export:
        with console.status("history from the index: export + numpy counting…"):
            started = time.perf_counter()
            col_p, col_t = {p: i for i, p in enumerate(PROVINCES)}, {t: i for i, t in enumerate(TOPICS)}
            volume = np.zeros_like(counts["volume"])
            request = SearchRequest(filters=SearchFilters(created_from=local_midnight(start),
                                                          created_to=local_midnight(end)))
            for m in backend.export(request, page_size=2000):
                if m.province is not None and m.province.new in col_p:
                    volume[(m.created_at.astimezone(VN_TZ).date() - start).days, col_p[m.province.new],
                           col_t[m.labels.topic.value]] += 1
            out["index → history (export, volume only)"] = time.perf_counter() - started
        if not np.array_equal(volume, counts["volume"]):
            raise SystemExit("adapter mismatch: histogram and export counts differ")
    backend.close()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/alerts.db"
        upgrade(url)
        engine = create_engine_for(url)
        store = AlertStore(engine, channels=())
        rng = np.random.default_rng(0)
        first = datetime.combine(start, datetime.min.time(), UTC)
        with console.status(f"writing {alerts} alerts…"):
            for i in range(alerts):
                store.apply(EpisodeUpdate(
                    rule="bench", rule_type="spike", key=f"k{i}", kind=UpdateKind.opened,
                    at=first + timedelta(hours=int(rng.integers(0, 24 * DAYS))), severity_score=70,
                    severity=Severity.high, title="bench", facts=EpisodeFacts(
                        count=10, provinces={PROVINCES[int(rng.integers(34))]: 7, PROVINCES[int(rng.integers(34))]: 3},
                        topics={TOPICS[int(rng.integers(11))]: 10})))
        started = time.perf_counter()
        history = alert_history(store, start, end)
        out[f"alert store → history ({alerts} alerts)"] = time.perf_counter() - started
        engine.dispose()
        if history.alerts != alerts:
            raise SystemExit(f"alert adapter read {history.alerts} of {alerts} alerts")
    console.print(f"index: {int(counts['volume'].sum()):,} of the mentions carry a province "
                  f"({start} … {end}, {len(PROVINCES)} × {len(TOPICS)} cells)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast", description=__doc__)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refit-every", type=int, default=13)
    parser.add_argument("--mentions", type=int, default=200_000, help="mentions in the adapter's tantivy index")
    parser.add_argument("--alerts", type=int, default=1000, help="alerts in the adapter's SQLite store")
    parser.add_argument("--index-dir", type=Path, help="reuse (or build) the adapter's index here")
    parser.add_argument("--no-export", action="store_true", help="skip the slower export comparison")
    parser.add_argument("--adapter-only", action="store_true", help="only the adapter timings")
    parser.add_argument("--skip-adapter", action="store_true", help="only the model targets")
    args = parser.parse_args()
    console = Console()
    adapter: dict[str, float] = {}
    if not args.skip_adapter:
        with tempfile.TemporaryDirectory() as tmp:
            adapter = adapter_timings(console, args.index_dir or Path(tmp) / "index", args.mentions, args.alerts,
                                      not args.no_export)
        table = Table(title="forecast adapters (forecast.sources)")
        table.add_column("Step")
        table.add_column("Seconds", justify="right")
        for step, seconds in adapter.items():
            table.add_row(step, f"{seconds:.2f}")
        console.print(table)
        if args.adapter_only:
            return
    calendar = default_calendar()
    history, _ = simulate(args.years, seed=args.seed, calendar=calendar)
    with console.status(f"backtest: {args.weeks} weekly origins…"):
        result = run_backtest(history, calendar, weeks=args.weeks, refit_every=args.refit_every)
    origin = history.end - timedelta(days=7)
    timings = {}
    for name in dict.fromkeys((result.pick, "climatology")):
        with console.status(f"fit + forecast one week: {name}…"):
            started = time.perf_counter()
            forecast = MODELS[name]().fit(history.until(origin), calendar).predict(origin, 7, history=history)
            timings[name] = time.perf_counter() - started
        assert forecast.volume.mean.shape == (7, len(history.provinces), len(history.topics))
    table = Table(title=f"crisiswatch forecast benchmark ({len(history.provinces)} provinces × "
                        f"{len(history.topics)} topics, {args.years:g} simulated years, seed {args.seed})")
    for column in ("Model", "Fit+1 wk (s)", "Target", "Brier", "BSS", "Target", "AUC", "MASE", "Cov80"):
        table.add_column(column, justify="left" if column == "Model" else "right")
    for name, seconds in timings.items():
        s = result.scores[name]
        picked = name == result.pick
        table.add_row(f"{name}{' *' if picked else ''}", f"{seconds:.2f}",
                      (f"≤ {FIT_TARGET_S:.0f} " + ("✔" if seconds <= FIT_TARGET_S else "✘")) if picked else "",
                      f"{s.brier:.4f}", f"{s.brier_skill:+.3f}",
                      (f"≥ {BSS_TARGET} " + ("✔" if s.brier_skill >= BSS_TARGET else "✘")) if picked else "",
                      "—" if s.roc_auc is None else f"{s.roc_auc:.3f}", f"{s.mean_mase:.3f}",
                      f"{s.coverage['volume']:.0%}")
    console.print(table)
    read = sum(v for k, v in adapter.items() if k.startswith(("index → history (facets", "alert store")))
    if adapter:
        total = read + timings[result.pick]
        console.print(f"One weekly run, end to end: history {read:.1f} s + fit and forecast "
                      f"{timings[result.pick]:.1f} s = {total:.1f} s (target ≤ {FIT_TARGET_S:.0f} s "
                      + ("✔" if total <= FIT_TARGET_S else "✘") + ")")
    console.print("* picked by the backtest. BSS = Brier skill vs climatology, MASE = mean over volume/negative/"
                  "misinfo, Cov80 = 80 % interval coverage of volume.")
    console.print(f"{result.positives} of {result.cells * len(result.origins)} cell-weeks had a high+ alert; "
                  f"models refitted every {result.refit_every} weeks.")


if __name__ == "__main__":
    main()
