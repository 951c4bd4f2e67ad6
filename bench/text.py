"""Text pipeline throughput on ONE core: clean + PII masking + normalization + province + default watchlist,
beside a naive baseline (the obvious first version) measured in the same run on the same texts.

The naive baseline: NFC + lowercase + per-word teencode lookup; one regex per PII kind; one regex search per
province alias; the watchlist evaluated by re-analyzing the text for every term of the query.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from bench import Figure
from bench.corpus import texts
from common.query import MatchDocument, Phrase, Term, default_watchlist, default_watchlist_query, parse, walk
from common.text import OLD_TO_NEW, PROVINCES_NEW, TEENCODE, fold, process, tokens


@contextmanager
def one_core() -> Iterator[None]:
    """Run on one core (the target is per core), then give the other cores back for the next benchmark."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def crisiswatch_pipeline(key: bytes):
    watchlist = default_watchlist()

    def run(text: str) -> tuple[str, str | None, bool]:
        result = process(text, key)
        matched = watchlist.matches(MatchDocument.from_tokens(result.tokens))
        return result.masked, result.province.new if result.province else None, matched

    return run


def naive_pipeline():
    phone = re.compile(r"(?:\+84|0)[\s.\-]?\d{2,3}[\s.\-]?\d{3}[\s.\-]?\d{3,4}")
    cccd = re.compile(r"\b\d{12}\b")
    code = re.compile(r"\b\d{10}\b")
    aliases = [(fold(name).lower(), new) for name, new in OLD_TO_NEW.items()]
    aliases += [(fold(name).lower(), name) for name in PROVINCES_NEW]
    leaves = [node for node in walk(parse(default_watchlist_query())) if isinstance(node, (Term, Phrase))]
    needles = [" ".join(tokens(str(leaf.value))) for leaf in leaves]

    def run(text: str) -> tuple[str, str | None, bool]:
        text = unicodedata.normalize("NFC", text)
        masked = cccd.sub("[CCCD]", code.sub("[MÃ_BHXH]", phone.sub("[SĐT]", text)))
        words = [TEENCODE.get(word, word) for word in masked.lower().split()]
        folded = fold(" ".join(words))
        province = next((new for alias, new in aliases if re.search(rf"\b{alias}\b", folded)), None)
        joined = " " + " ".join(tokens(folded)) + " "
        matched = any(f" {needle} " in joined for needle in needles)
        return masked, province, matched

    return run


def watchlist_prepared():
    watchlist = default_watchlist()
    return lambda document: watchlist.matches(document)


def watchlist_naive():
    """Every term of the query searched as a substring of the re-joined tokens."""
    leaves = [node for node in walk(parse(default_watchlist_query())) if isinstance(node, (Term, Phrase))]
    needles = [f" {' '.join(tokens(str(leaf.value)))} " for leaf in leaves]
    return lambda document: any(needle in f" {' '.join(document.tokens)} " for needle in needles)


def measure(name: str, run, corpus: list, baseline: bool = False, repeat: int = 3) -> Figure:
    for text in corpus[:500]:  # warm caches the way a long-running crawler has them
        run(text)
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for text in corpus:
            run(text)
        best = min(best, time.process_time() - started)
    return Figure(name, len(corpus), best, baseline)


def run(count: int = 20_000) -> list[Figure]:
    corpus = texts(count)
    key = b"bench-key"
    with one_core():
        documents = [MatchDocument.from_tokens(process(text, key).tokens) for text in corpus]
        return [
            measure("text pipeline: crisiswatch (process + watchlist)", crisiswatch_pipeline(key), corpus),
            measure("text pipeline: naive baseline", naive_pipeline(), corpus, baseline=True),
            measure("rule evaluation: default watchlist on a prepared mention", watchlist_prepared(), documents),
            measure("rule evaluation: naive substring search per term", watchlist_naive(), documents, baseline=True),
        ]
