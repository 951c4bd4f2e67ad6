"""Throughput of common.text.pipeline.process on one core: ``.venv/bin/python tests/common/text/bench_text.py``."""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vn_corpus import make_posts  # noqa: E402

from common.text import clean, detect_province, mask_pii, normalize, tokens  # noqa: E402
from common.text.pipeline import process  # noqa: E402


def rate(fn, posts, repeat=5) -> float:
    best = []
    for _ in range(repeat):
        t0 = time.process_time()
        for p in posts:
            fn(p)
        best.append(time.process_time() - t0)
    return len(posts) / min(best)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    posts = make_posts(2000)
    key = b"bench-key"
    avg = statistics.mean(len(p) for p in posts)
    print(f"{len(posts)} posts, mean length {avg:.0f} chars")
    from common.text import _tone, forms as _n, provinces as _p

    for cache in (_n._TONE_CACHE, _n._WORD_CACHE, _p._SPAN_CACHE):
        cache.clear()
    _tone._traditional.cache_clear()
    cold = make_posts(2000, seed=99)
    t0 = time.process_time()
    for p in cold:
        process(p, key)
    print(f"process, first pass with empty word caches {len(cold) / (time.process_time() - t0):>9,.0f} texts/s")
    cleaned = [clean(p) for p in posts]
    print(f"process (warm caches) {rate(lambda p: process(p, key), posts):>9,.0f} texts/s")
    print(f"  clean      {rate(clean, posts):>9,.0f} texts/s")
    print(f"  mask_pii   {rate(lambda p: mask_pii(p, key), cleaned):>9,.0f} texts/s")
    print(f"  normalize  {rate(normalize, cleaned):>9,.0f} texts/s")
    print(f"  province   {rate(detect_province, cleaned):>9,.0f} texts/s")
    print(f"tokens       {rate(tokens, posts):>9,.0f} texts/s")


if __name__ == "__main__":
    main()
