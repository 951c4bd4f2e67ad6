"""Classifier throughput on this machine: the served classifier (lexical cascade + int8 transformer, texts
bucketed by length) beside a plain fp32 ``transformers`` forward at batch 1 over the same model — one run.

Texts: the test split of the labeled corpus (Facebook posts and comments, Zalo messages, news headline + lead) —
texts the models never saw, so the cascade settles what it would settle on new traffic — sampled with its own
source mix, so the length mix is the one the model meets. Peak RSS is read after the served runs and before the
fp32 baseline is loaded, i.e. what one worker needs.
"""
from __future__ import annotations

import random
import resource
import time

import numpy as np
import torch

from bench import Figure

SERVED = "classify: served (cascade + int8, bucketed, batches of 256)"
INT8_ALL = "classify: int8 transformer on every mention (no cascade), bucketed"
LEXICAL = "classify: lexical model only"
BASELINE = "classify: plain fp32 transformer, batch 1, max 512 tokens"
CHUNK = 256


def _texts(n: int, seed: int = 7) -> list[str]:
    from classifier.corpus import load_corpus

    records = load_corpus().split("test")
    rng = random.Random(seed)
    return [rng.choice(records).text for _ in range(n)]


def run(n: int = 2000, baseline_n: int = 150, artifact_dir=None) -> tuple[list[Figure], list[str]]:
    from classifier.service import MentionClassifier, load_transformer, read_manifest, ARTIFACT_DIR
    from classifier.transformer import PREFIX
    from common.text import normalize

    torch.set_num_threads(2)
    texts = _texts(n)
    artifact_dir = artifact_dir or ARTIFACT_DIR
    classifier = MentionClassifier.load(artifact_dir)
    classifier.predict(texts[:64])  # warm-up (lazy init, first-batch allocations)
    figures: list[Figure] = []

    started = time.perf_counter()
    settled = 0
    for i in range(0, n, CHUNK):
        predictions = classifier.predict(texts[i:i + CHUNK])
        settled += sum(p.settled_by == "lexical" for p in predictions)
    figures.append(Figure(SERVED, n, time.perf_counter() - started))

    started = time.perf_counter()
    for i in range(0, n, CHUNK):
        classifier.lexical_probs(texts[i:i + CHUNK])
    figures.append(Figure(LEXICAL, n, time.perf_counter() - started))

    normalized = [normalize(t) for t in texts]
    started = time.perf_counter()
    for i in range(0, n, CHUNK):
        classifier.transformer_probs(normalized[i:i + CHUNK])
    figures.append(Figure(INT8_ALL, n, time.perf_counter() - started))
    peak_rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2

    lengths = np.array([len(ids) for ids in classifier.tokenizer([PREFIX + t for t in normalized])["input_ids"]])
    del classifier
    model, tokenizer = load_transformer(artifact_dir, read_manifest(artifact_dir), quantize=False)
    sample = normalized[:baseline_n]
    with torch.inference_mode():
        model(**_one(tokenizer, sample[0]))
        started = time.perf_counter()
        for text in sample:
            model(**_one(tokenizer, text))
    figures.append(Figure(BASELINE, len(sample), time.perf_counter() - started, baseline=True))

    served, base = figures[0].rate, figures[-1].rate
    notes = [
        f"tokens per mention: mean {lengths.mean():.0f}, p50 {np.percentile(lengths, 50):.0f}, "
        f"p95 {np.percentile(lengths, 95):.0f}, max {lengths.max()} (truncated at the served max_length)",
        f"settled by the lexical model: {settled / n:.0%} of mentions",
        f"served vs plain fp32 batch 1: {served / base:.1f}× (target ≥ 3×)",
        f"peak RSS of the served classifier: {peak_rss_gb:.2f} GB (target ≤ 2.5 GB)",
    ]
    return figures, notes


def _one(tokenizer, text: str) -> dict:
    from classifier.transformer import PREFIX

    enc = tokenizer(PREFIX + text, truncation=True, max_length=512, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
