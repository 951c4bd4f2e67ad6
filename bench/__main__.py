"""`make bench` / `python -m bench [text|bus|crawl|classify|index|alerting|latency|forecast]`: hot-path figures
beside naive baselines, one run.

Targets (issue #2): text pipeline ≥ 5,000 texts/s on one core; bus produce ≥ 20,000 msg/s and consume
≥ 50,000 msg/s on the embedded broker; the watchlist ≥ 50,000 matches/s on a prepared mention. Classifier
(issue #4): ≥ 150 mentions/s served and ≥ 3× a plain fp32 batch-1 transformer, peak RSS ≤ 2.5 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import warnings

from rich.console import Console

from bench import Figure
from rich.table import Table

TARGETS = {
    "text pipeline: crisiswatch (process + watchlist)": 5_000,
    "rule evaluation: default watchlist on a prepared mention": 50_000,
    "produce: BusProducer (acks=all, idempotent, lz4, batched)": 20_000,
    "consume: batched poll": 50_000,
    "classify: served (cascade + int8, bucketed, batches of 256)": 150,
}


SUITES = ("text", "bus", "crawl", "classify")
# Suites with their own table and options (`python -m bench.<module> --help`), run after the shared table.
OWN_TABLE_SUITES = {"index": "bench.index", "alerting": "bench.alerting", "latency": "bench.alerting_latency",
                    "forecast": "bench.forecast"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suites", nargs="*", metavar="{text,bus,crawl,classify,index,alerting,latency,forecast}",
                        help="default: all (index runs 1M documents: about 10 minutes)")
    parser.add_argument("--texts", type=int, default=20_000, help="texts for the text pipeline")
    parser.add_argument("--mentions", type=int, default=2000, help="mentions for the classifier")
    parser.add_argument("--messages", type=int, default=100_000, help="messages for the bus")
    args = parser.parse_args()
    args.suites = args.suites or [*SUITES, *OWN_TABLE_SUITES]
    if unknown := set(args.suites) - set(SUITES) - set(OWN_TABLE_SUITES):
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join([*SUITES, *OWN_TABLE_SUITES])}")
    warnings.simplefilter("ignore", DeprecationWarning)
    console = Console()
    table = Table(title="crisiswatch benchmarks")
    for column in ("Path", "Items", "Seconds", "Rate (/s)", "Target"):
        table.add_column(column, justify="left" if column == "Path" else "right")
    figures = []
    notes: list[str] = []
    if "text" in args.suites:
        from bench import text

        with console.status("text pipeline (one core)…"):
            figures += text.run(args.texts)
    if "bus" in args.suites:
        from bench import bus

        with console.status("bus on the embedded broker…"):
            figures += bus.run(args.messages)
    if "crawl" in args.suites:
        from bench import crawl
        from crawlers.facebook import bench as facebook
        from crawlers.news import bench as news

        with console.status("crawler parsers…"):
            figures += [Figure(name, count, seconds, baseline="only" in name)
                        for name, count, seconds in news.run()] + facebook.run()
        with console.status("crawls against the replay server…"):
            figures += crawl.run()
    if "classify" in args.suites:
        from bench import classify

        with console.status("classifier (served model vs plain fp32 batch 1)…"):
            found, notes = classify.run(args.mentions)
        figures += found
    for figure in figures:
        target = TARGETS.get(figure.name)
        verdict = "" if target is None else f"{'✓' if figure.rate >= target else '✗'} ≥ {target:,}"
        table.add_row(f"[dim]{figure.name}[/dim]" if figure.baseline else figure.name, f"{figure.count:,}",
                      f"{figure.seconds:.2f}", f"{figure.rate:,.0f}", verdict)
    if figures:
        console.print(table)
    for note in notes:
        console.print(f"  {note}")
    for suite, module in OWN_TABLE_SUITES.items():
        if suite in args.suites:
            subprocess.run([sys.executable, "-m", module], check=False)


main()
