"""`python -m bench.forecast`: the weekly forecast's targets (issue 8).

- time to fit and forecast one week for 34 provinces × 11 topics with the picked model (target ≤ 60 s) beside
  the climatology baseline, on a simulated 3-year history;
- the rolling-origin backtest's Brier skill score of the picked model over climatology (target ≥ 0.2).

The figures measure our models on our own simulator (see docs/forecast.md), not on real VSS data.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from rich.console import Console
from rich.table import Table

from forecast.backtest import run_backtest
from forecast.event_calendar import default_calendar
from forecast.models import MODELS
from forecast.simulator import simulate

FIT_TARGET_S = 60.0
BSS_TARGET = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast", description=__doc__)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--refit-every", type=int, default=13)
    args = parser.parse_args()
    console = Console()
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
    console.print("* picked by the backtest. BSS = Brier skill vs climatology, MASE = mean over volume/negative/"
                  "misinfo, Cov80 = 80 % interval coverage of volume.")
    console.print(f"{result.positives} of {result.cells * len(result.origins)} cell-weeks had a high+ alert; "
                  f"models refitted every {result.refit_every} weeks.")


if __name__ == "__main__":
    main()
