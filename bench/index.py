"""`python -m bench.index [--docs 1000000] [--es-docs 100000]`: the search index on realistic data (issue #5).

One run: generates mentions with `bench.mentions` (generation timed on its own), indexes ``--docs`` of them into
tantivy (`TantivyBackend.index` with its default commit policy, in a temporary directory) and the first
``--es-docs`` into an osmem-server subprocess (`ElasticsearchBackend.index`, bulks of 1,000), then times the five
queries an analyst runs, ``--runs`` times each with varied terms (after a warm-up), on both backends:

1. free text without diacritics ("luong huu cham"), newest first, with highlights;
2. the same plus filters (source, topic, province, a 90-day window, a minimum reach);
3. facets (topic, sentiment, province, source, author; top 10) over a broad query;
4. a day histogram over one year;
5. an export of 10,000 hits through `export` into a null sink.

Beside them, on the same tantivy index, the previous implementation of facets and histograms — Python counting
over every exported hit (kept here only as the baseline) — for ``--baseline-runs`` runs, so the speed-up of the
native aggregations is visible. Targets on tantivy: ≥ 20,000 docs/s indexing and p95 ≤ 50 ms per query type.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import socket
import subprocess
import tempfile
import time
import urllib.request
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.mentions import DAYS, START, generate
from common.schema import Source, Topic
from index.aggregations import FACET_FIELDS, FacetField, Interval, bucket_start
from index.backend import SearchBackend, SearchFilters, SearchRequest

INDEX_TARGET = 20_000  # docs/s into tantivy
P95_TARGET_MS = 50.0
EXPORT_HITS = 10_000
ES_BULK = 1000
FACETS = ["topic", "sentiment", "province", "source", "author"]
FREE_TEXT = ["luong huu cham", "rut bhxh mot lan", "vssid khong dang nhap duoc", "lua dao mao danh",
             "the bhyt het hieu luc", "tro cap that nghiep", "tang luong huu", "quy bhxh sap vo",
             "che do thai san", "xep hang lam thu tuc", "bi tra ho so", "cuoc goi lua dao"]
FILTER_TEXT = ["luong huu", "bhxh", "rut", "bao hiem", "thu tuc", "tro cap"]
FILTER_PROVINCES = ["Hà Nội", "TP. Hồ Chí Minh", "hcm", "Bình Dương", "Đà Nẵng", "Nghệ An", "Thanh Hoa", "Hai Phong"]
BROAD = ["bao hiem", "bhxh", "luong huu", "nguoi lao dong", "thong bao", ""]
QUERIES = ["free text", "text + filters", "facets (5 fields, top 10)", "day histogram, one year",
           f"export {EXPORT_HITS:,} hits"]


# ------------------------------------------------------------------------------------------------ baseline

def python_facets(backend: SearchBackend, request: SearchRequest, fields: Iterable[str], size: int = 10
                  ) -> dict[str, list[tuple[str, int]]]:
    """The previous facets: count in Python over every exported hit (baseline only)."""
    wanted = [FacetField(f) for f in fields]
    counters: dict[FacetField, Counter[str]] = {f: Counter() for f in wanted}
    for m in backend.export(request):
        for f in wanted:
            counters[f].update(FACET_FIELDS[f](m))
    return {f.value: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size] for f, c in counters.items()}


def python_histogram(backend: SearchBackend, request: SearchRequest, interval: Interval
                     ) -> list[tuple[datetime, int]]:
    """The previous date histogram: bucket every exported hit in Python (baseline only)."""
    counts = Counter(bucket_start(m.created_at, interval) for m in backend.export(request))
    if not counts:
        return []
    step = {Interval.hour: timedelta(hours=1), Interval.day: timedelta(days=1), Interval.week: timedelta(weeks=1)}
    out, current = [], min(counts)
    while current <= max(counts):
        out.append((current, counts.get(current, 0)))
        current += step[interval]
    return out


# ------------------------------------------------------------------------------------------------ workload

def _window(rng: random.Random, days: int) -> tuple[datetime, datetime]:
    start = START + timedelta(days=rng.randrange(max(1, DAYS - days)))
    return start, start + timedelta(days=days)


def workload(seed: int = 5) -> dict[str, Callable[[SearchBackend], int]]:
    """The five analyst queries; each call draws new terms / filters and returns how many items it produced."""
    rng = random.Random(seed)
    topics = list(Topic)  # the generator's order: the first ones are the most frequent

    def free_text(b: SearchBackend) -> int:
        return len(b.search(SearchRequest(query=rng.choice(FREE_TEXT), size=20, highlight=True)).hits)

    def with_filters(b: SearchBackend) -> int:
        start, end = _window(rng, 180)
        filters = SearchFilters(source=rng.sample(list(Source), rng.randint(1, 2)), topic=rng.sample(topics[:4], 2),
                                province=rng.choice(FILTER_PROVINCES), created_from=start, created_to=end,
                                min_reach=rng.choice([0, 1, 5]))
        return len(b.search(SearchRequest(query=rng.choice(FILTER_TEXT), filters=filters, size=20)).hits)

    def facets(b: SearchBackend) -> int:
        return sum(len(v) for v in b.facets(SearchRequest(query=rng.choice(BROAD)), FACETS, size=10).values())

    def histogram(b: SearchBackend) -> int:
        return len(b.date_histogram(_year(rng), Interval.day))

    def export(b: SearchBackend) -> int:
        return sum(1 for _ in itertools.islice(b.export(SearchRequest(query=rng.choice(["bao hiem", ""]))),
                                               EXPORT_HITS))

    return dict(zip(QUERIES, (free_text, with_filters, facets, histogram, export), strict=True))


def _year(rng: random.Random) -> SearchRequest:
    start, end = _window(rng, 365)
    return SearchRequest(query=rng.choice(BROAD), filters=SearchFilters(created_from=start, created_to=end))


def latencies(run: Callable[[], Any], runs: int, warmup: int = 3) -> list[float]:
    """Seconds of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        run()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        out.append(time.perf_counter() - started)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ------------------------------------------------------------------------------------------------ backends

def index_tantivy(path: Path, docs: int) -> tuple[float, float, int]:
    """(generation seconds, indexing seconds incl. the final commit and merges, size on disk in bytes)."""
    from index.tantivy_backend import TantivyBackend

    generating = indexing = 0.0
    backend = TantivyBackend(path)
    chunks = generate(docs)
    while True:
        started = time.perf_counter()
        chunk = next(chunks, None)
        generating += time.perf_counter() - started
        if chunk is None:
            break
        started = time.perf_counter()
        backend.index(chunk)
        indexing += time.perf_counter() - started
    started = time.perf_counter()
    backend.close()  # final commit, waits for merges
    indexing += time.perf_counter() - started
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return generating, indexing, size


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_osmem() -> tuple[subprocess.Popen, str]:
    """An osmem-server subprocess on a free port (as tests/index/conftest.py), killed with this process."""
    import osmem_server

    from common.bus.broker import death_signal_preexec

    binary = Path(osmem_server.__file__).parent / "bin" / "osmem-server"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(binary), "-addr", f"127.0.0.1:{port}", "-no-ja", "-no-stdin-watch",
                             "-parent-pid", str(os.getpid())], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=death_signal_preexec())
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=1):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"osmem-server không khởi động được (mã thoát {proc.poll()})") from None
            time.sleep(0.05)


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident memory in MB: of this process, or of child `pid` (VmHWM, read before it exits)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------------------------------ main

def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.index", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000, help="mentions indexed into tantivy")
    parser.add_argument("--es-docs", type=int, default=100_000, help="mentions indexed into osmem (0 = skip)")
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each query type")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the Python baselines")
    args = parser.parse_args()
    if args.docs < EXPORT_HITS or args.es_docs < 0 or args.runs < 1 or args.baseline_runs < 1:
        parser.error(f"--docs phải ≥ {EXPORT_HITS:,}, --es-docs ≥ 0, --runs và --baseline-runs ≥ 1")
    warnings.simplefilter("ignore", DeprecationWarning)
    from index.elasticsearch_backend import ElasticsearchBackend
    from index.tantivy_backend import TantivyBackend

    console = Console()
    table = Table(title=f"crisiswatch index benchmark — tantivy {args.docs:,} / osmem {args.es_docs:,} mentions")
    for column in ("Path", "Items", "Seconds", "Rate (/s)", "p50 ms", "p95 ms", "Target"):
        table.add_column(column, justify="left" if column == "Path" else "right")
    notes = [f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPU(s)"]

    def row(name: str, items: int | str, seconds: float | None = None, rate: float | None = None,
            times: list[float] | None = None, target: str = "", baseline: bool = False) -> None:
        p50 = p95 = ""
        if times:
            p50, p95 = f"{percentile(times, 50) * 1000:,.1f}", f"{percentile(times, 95) * 1000:,.1f}"
        cells = (f"{items:,}" if isinstance(items, int) else items, "" if seconds is None else f"{seconds:,.2f}",
                 "" if rate is None else f"{rate:,.0f}", p50, p95, target)
        table.add_row(f"[dim]{name}[/dim]" if baseline else name, *cells)
        console.log(name, *(c for c in cells if c))  # as it is measured: a long run interrupted still tells

    def verdict(ok: bool, text: str) -> str:
        return f"{'✓' if ok else '✗'} {text}"

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        path = Path(tmp) / "tantivy"
        with console.status(f"sinh và đánh chỉ mục {args.docs:,} mention vào tantivy…"):
            generating, indexing, size = index_tantivy(path, args.docs)
        rss_index = peak_rss_mb()
        row("generate mentions (bench.mentions)", args.docs, generating, args.docs / generating)
        rate = args.docs / indexing
        row("tantivy: index (TantivyBackend.index + commits)", args.docs, indexing, rate,
            target=verdict(rate >= INDEX_TARGET, f"≥ {INDEX_TARGET:,}/s"))
        notes.append(f"tantivy index on disk: {size / 2**20:,.0f} MB ({size / args.docs:,.0f} B/mention); "
                     f"peak RSS of the benchmark after indexing: {rss_index:,.0f} MB (generator included)")

        tantivy = TantivyBackend(path)
        work = workload()
        with console.status("truy vấn tantivy…"):
            for name, run in work.items():
                items: list[int] = []
                times = latencies(lambda run=run: items.append(run(tantivy)), args.runs)
                p95 = percentile(times, 95) * 1000
                row(f"tantivy: {name}", f"{sum(items[3:]) / len(times):,.0f}/run", times=times,
                    target=verdict(p95 <= P95_TARGET_MS, f"p95 ≤ {P95_TARGET_MS:.0f} ms"))
        rng = random.Random(11)
        with console.status("baseline: facets / histogram tính bằng Python trên tantivy…"):
            request = SearchRequest(query=rng.choice(BROAD))
            assert python_facets(tantivy, request, FACETS) == tantivy.facets(request, FACETS), "facets differ"
            year = _year(rng)
            assert python_histogram(tantivy, year, Interval.day) == tantivy.date_histogram(year, Interval.day)
            times = latencies(lambda: python_facets(tantivy, SearchRequest(query=rng.choice(BROAD)), FACETS),
                              args.baseline_runs, warmup=0)
            row("tantivy baseline: facets counted in Python over export", "", times=times, baseline=True)
            times = latencies(lambda: python_histogram(tantivy, _year(rng), Interval.day), args.baseline_runs,
                              warmup=0)
            row("tantivy baseline: day histogram in Python over export", "", times=times, baseline=True)
        notes.append("native facets and histogram equal the Python baseline on the benchmark data: yes")
        notes.append(f"peak RSS of the benchmark after the tantivy queries: {peak_rss_mb():,.0f} MB")
        tantivy.close()

    if args.es_docs:
        proc, url = start_osmem()
        try:
            es = ElasticsearchBackend(url, prefix="bench")
            with console.status(f"đánh chỉ mục {args.es_docs:,} mention vào osmem…"):
                indexing = 0.0
                for chunk in generate(args.es_docs, chunk=ES_BULK):
                    started = time.perf_counter()
                    es.index(chunk)
                    indexing += time.perf_counter() - started
                started = time.perf_counter()
                es.commit()
                indexing += time.perf_counter() - started
            row("osmem: index (ElasticsearchBackend.index, bulks of 1,000)", args.es_docs, indexing,
                args.es_docs / indexing)
            work = workload()
            with console.status("truy vấn osmem…"):
                for name, run in work.items():
                    items = []
                    times = latencies(lambda run=run: items.append(run(es)), args.runs)
                    row(f"osmem: {name}", f"{sum(items[3:]) / len(times):,.0f}/run", times=times)
            notes.append(f"osmem-server peak RSS: {peak_rss_mb(proc.pid):,.0f} MB for {args.es_docs:,} mentions")
            es.close()
        finally:
            proc.kill()
            proc.wait(timeout=10)
    console.print(table)
    for note in notes:
        console.print(f"  {note}")


if __name__ == "__main__":
    main()
