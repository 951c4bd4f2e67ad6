"""End-to-end training on the real corpus with a tiny encoder: what is chosen is chosen on validation only."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from classifier.corpus import Corpus, load_corpus
from classifier.metrics import TARGETS, Gold, quality
from classifier.service import MentionClassifier
from classifier.training.train import TrainConfig, train


def test_artifact_and_manifest(tiny_artifact, tiny_base_dir: Path) -> None:
    artifact_dir, result = tiny_artifact
    manifest = json.loads((artifact_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == result.manifest["version"]
    assert manifest["corpus"]["splits"]["test"] == len(result.test.records)
    for part in ("served", "lexical", "transformer"):
        assert set(manifest["test"][part]) == set(TARGETS)
    assert 0.0 <= manifest["combination"]["transformer_weight"] <= 1.0
    assert all(0.05 <= t <= 20 for part in manifest["temperatures"].values() for t in part.values())
    # the test figures in the manifest are the served model's, recomputed from its predictions
    assert manifest["test"]["served"] == quality(Gold.of(result.test.records), result.test.served)
    # the lexical model is real: even with a random tiny encoder, relevance is learned
    assert manifest["test"]["lexical"]["relevance_f1"] > 0.85
    assert {p.name for p in artifact_dir.iterdir()} >= {"manifest.json", "lexical.joblib", "overlay.safetensors"}
    MentionClassifier.load(artifact_dir, base_dir=tiny_base_dir)


def test_test_labels_never_influence_training(tiny_base_dir: Path, tmp_path: Path) -> None:
    """Scramble every test-split label: the trained model, its calibration and its cascade are identical."""
    corpus = load_corpus()
    test_ids = {r.id for r in corpus.split("test")}
    scrambled = []
    for r in corpus.records:
        if r.id in test_ids:
            r = r.model_copy(update={"relevant": False, "sentiment": None, "topic": None, "misinformation": False,
                                     "claim": None, "stance": None})
        scrambled.append(r)
    other = Corpus(records=tuple(scrambled), splits=corpus.splits)
    config = TrainConfig(n_tuned=1, epochs=1, max_length=64, lexical_c=(8.0,))
    a = train(tmp_path / "a", corpus=corpus, base_dir=tiny_base_dir, config=config).manifest
    b = train(tmp_path / "b", corpus=other, base_dir=tiny_base_dir, config=replace(config)).manifest
    for key in ("temperatures", "combination", "thresholds", "validation", "history"):
        assert a[key] == b[key], key
    assert a["test"] != b["test"]  # while the test figures do see the labels
    assert (tmp_path / "a" / "overlay.safetensors").read_bytes() == (tmp_path / "b" / "overlay.safetensors").read_bytes()
