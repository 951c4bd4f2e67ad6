"""The evaluation report of a training run (``classifier.training.report``), on the tiny artifact of conftest."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from classifier.heads import HEAD_NAMES, HEADS
from classifier.metrics import TARGETS, Gold, quality
from classifier.training.report import (METRICS_FILE, confidently_wrong, confusion_matrices, group_figures,
                                        head_decisions, measure_latencies, write_report)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _same(reported, computed: float) -> bool:
    """metrics.json writes NaN as null."""
    return reported is None if math.isnan(computed) else reported == pytest.approx(computed, abs=1e-12)


@pytest.fixture(scope="module")
def latencies(tiny_artifact) -> np.ndarray:
    """Made-up latencies with one obvious straggler (timing itself is measured in its own test)."""
    _, result = tiny_artifact
    lat = np.linspace(0.001, 0.02, len(result.test.records))
    lat[3] = 1.5
    return lat


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, tiny_artifact, latencies) -> Path:
    _, result = tiny_artifact
    return write_report(tmp_path_factory.mktemp("eval") / "nested" / "report", result, latencies=latencies)


@pytest.fixture(scope="module")
def metrics(report: Path) -> dict:
    return json.loads((report.parent / METRICS_FILE).read_text(encoding="utf-8"))


def test_report_is_written_in_the_new_directory(report: Path, tiny_artifact) -> None:
    _, result = tiny_artifact
    assert report.name == "report.md" and report.is_file()
    text = report.read_text(encoding="utf-8")
    assert result.manifest["version"] in text
    assert "Chỉ tiêu chất lượng trên tập test" in text
    for name in ("relevance F1", "sentiment macro-F1", "misinformation ROC-AUC", "topic accuracy", "precision",
                 "recall"):
        assert name in text
    # the header carries the corpus split sizes and the chosen thresholds
    splits = result.manifest["corpus"]["splits"]
    assert f"{splits['train']} / {splits['validation']} / {splits['test']}" in text
    assert f"{result.manifest['thresholds']['misinformation']:.3f}" in text


def test_every_referenced_png_exists_and_is_a_real_png(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    expected = {f"confusion_{h}.png" for h in HEAD_NAMES} | {f"reliability_{h}.png" for h in HEAD_NAMES} \
        | {"misinformation_pr.png", "misinformation_roc.png"}
    assert expected <= set(images)
    for name in images:
        assert "/" not in name  # relative, next to report.md
        data = (report.parent / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE, name
        assert len(data) > 5_000, f"{name}: {len(data)} bytes, looks empty"
    # and nothing is written that the report does not show
    assert {p.name for p in report.parent.glob("*.png")} == set(images)


def test_metrics_json_test_figures_are_the_metrics_module_figures(metrics: dict, tiny_artifact) -> None:
    _, result = tiny_artifact
    gold = Gold.of(result.test.records)
    threshold = result.manifest["thresholds"]["relevant"]
    for model in ("served", "lexical", "transformer"):
        expected = quality(gold, getattr(result.test, model), threshold)
        assert set(TARGETS) <= set(metrics["test"][model])
        for key in TARGETS:
            assert _same(metrics["test"][model][key], expected[key]), (model, key)
    # the same figures the training run recorded in the manifest
    for key in TARGETS:
        assert _same(metrics["test"]["served"][key], result.manifest["test"]["served"][key])
    served = quality(gold, result.test.served, threshold)
    assert metrics["test"]["met"] == {k: (not math.isnan(served[k])) and served[k] >= t for k, t in TARGETS.items()}
    assert metrics["version"] == result.manifest["version"]
    assert metrics["test"]["n"] == len(result.test.records)


def test_metrics_json_per_class_figures_and_groups(metrics: dict, tiny_artifact) -> None:
    _, result = tiny_artifact
    n = len(result.test.records)
    n_relevant = sum(r.relevant for r in result.test.records)
    for head in HEAD_NAMES:
        figures = metrics["heads"][head]
        assert list(figures["classes"]) == list(HEADS[head])
        assert sum(c["support"] for c in figures["classes"].values()) == figures["n"]
        assert figures["n"] == (n if head in ("relevant", "misinformation") else n_relevant)
        assert 0 <= figures["macro"]["f1"] <= 1
        assert figures["calibration"]["ece"] is not None and 0 <= figures["calibration"]["ece"] <= 1
        assert sum(b["count"] for b in figures["calibration"]["bins"]) == figures["calibration"]["n"]
    # the relevant head's F1 on the "yes" class is the relevance F1 of the issue
    assert metrics["heads"]["relevant"]["classes"]["yes"]["f1"] == pytest.approx(
        metrics["test"]["served"]["relevance_f1"])
    assert metrics["heads"]["sentiment"]["macro"]["f1"] == pytest.approx(
        metrics["test"]["served"]["sentiment_macro_f1"])
    # every test record is in exactly one source group
    assert sum(g["count"] for g in metrics["by_source"].values()) == n
    assert set(metrics["by_source"]) == {"facebook_post", "facebook_comment", "zalo", "news"}
    for tag, group in metrics["by_style"].items():
        if tag.startswith("("):
            continue
        assert group["count"] == sum(tag in r.style for r in result.test.records)
    assert metrics["misinformation"]["positives"] == sum(r.misinformation for r in result.test.records)


def test_confusion_matrices_count_the_applicable_records(tiny_artifact) -> None:
    _, result = tiny_artifact
    gold = Gold.of(result.test.records)
    thresholds = result.manifest["thresholds"]
    cms = confusion_matrices(gold, result.test.served, thresholds)
    n = len(result.test.records)
    n_relevant = sum(r.relevant for r in result.test.records)
    assert {h: int(cm.sum()) for h, cm in cms.items()} == {"relevant": n, "sentiment": n_relevant,
                                                           "misinformation": n, "topic": n_relevant}
    for head, cm in cms.items():
        assert cm.shape == (len(HEADS[head]),) * 2
    # rows are the gold classes
    assert cms["relevant"][1].sum() == n_relevant
    assert cms["misinformation"][1].sum() == sum(r.misinformation for r in result.test.records)
    # and they agree with the figures
    figures = quality(gold, result.test.served, thresholds["relevant"])
    topic = cms["topic"]
    assert np.trace(topic) / topic.sum() == pytest.approx(figures["topic_accuracy"])
    rel = cms["relevant"]
    tp, fp, fn = rel[1, 1], rel[0, 1], rel[1, 0]
    assert 2 * tp / (2 * tp + fp + fn) == pytest.approx(figures["relevance_f1"])


def test_served_decisions_use_the_manifest_thresholds(tiny_artifact) -> None:
    _, result = tiny_artifact
    gold = Gold.of(result.test.records)
    probs = result.test.served
    strict = dict(result.manifest["thresholds"], misinformation=1.01)
    d = head_decisions(gold, probs, strict)
    assert not d["misinformation"].y_pred.any()  # nothing reaches a threshold above 1
    lenient = dict(result.manifest["thresholds"], misinformation=0.0)
    d = head_decisions(gold, probs, lenient)
    # a threshold of 0 flags exactly the mentions predicted relevant
    assert (d["misinformation"].y_pred == d["relevant"].y_pred).all()


def test_confidently_wrong_lists_real_errors_most_confident_first(metrics: dict, report: Path, tiny_artifact) -> None:
    _, result = tiny_artifact
    wrong = metrics["confidently_wrong"]
    assert 0 < len(wrong) <= 15
    by_id = {r.id: r for r in result.test.records}
    confidences = [w["confidence"] for w in wrong]
    assert confidences == sorted(confidences, reverse=True)
    assert len({w["id"] for w in wrong}) == len(wrong)
    for w in wrong:
        assert w["gold"] != w["predicted"]
        rec = by_id[w["id"]]
        gold_value = {"relevant": "yes" if rec.relevant else "no",
                      "misinformation": "yes" if rec.misinformation else "no",
                      "sentiment": rec.sentiment, "topic": rec.topic}[w["head"]]
        assert w["gold"] == gold_value
        assert f"`{w['id']}`" in report.read_text(encoding="utf-8")


def test_confidently_wrong_on_a_hand_made_case() -> None:
    class Rec:
        def __init__(self, id: str, text: str) -> None:
            self.id, self.text, self.source = id, text, "zalo"

    gold = Gold(y={"relevant": np.array([1, 0, 1]), "sentiment": np.array([0, -1, 2]),
                   "misinformation": np.array([0, -1, 0]), "topic": np.array([0, -1, 1])},
                misinformation=np.array([False, False, False]))
    k = len(HEADS["topic"])
    topic = np.full((3, k), 0.01)
    topic[0, 0] = topic[1, 0] = topic[2, 1] = 0.9
    probs = {"relevant": np.array([[0.1, 0.9], [0.05, 0.95], [0.4, 0.6]]),  # record b: wrongly relevant, 0.95
             "sentiment": np.array([[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.7, 0.2, 0.1]]),  # record c: wrong, 0.7
             "misinformation": np.array([[0.9, 0.1]] * 3), "topic": topic}
    decisions = head_decisions(gold, probs, {"relevant": 0.5, "misinformation": 0.5})
    wrong = confidently_wrong([Rec("a", "x"), Rec("b", "y"), Rec("c", "z")], decisions)
    assert [(w["id"], w["head"], w["gold"], w["predicted"]) for w in wrong] == [
        ("b", "relevant", "no", "yes"), ("c", "sentiment", "positive", "negative")]
    assert wrong[0]["confidence"] == pytest.approx(0.95)
    assert wrong[1]["confidence"] == pytest.approx(0.7)


def test_a_group_without_relevant_records_shows_no_figures(tiny_artifact) -> None:
    _, result = tiny_artifact
    gold = Gold.of(result.test.records)
    irrelevant = np.array([i for i, r in enumerate(result.test.records) if not r.relevant])
    group = group_figures(gold, result.test.served, irrelevant, 0.5)
    assert group["count"] == len(irrelevant) and group["relevant"] == 0
    assert all(math.isnan(group[k]) for k in TARGETS)  # not a misleading 0
    empty = group_figures(gold, result.test.served, np.array([], dtype=int), 0.5)
    assert empty["count"] == 0 and all(math.isnan(empty[k]) for k in TARGETS)


def test_groups_lacking_classes_show_a_dash(report: Path, metrics: dict) -> None:
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"\|\s*nan\s*\|", text, re.IGNORECASE)
    nfd = metrics["by_style"]["nfd"]
    if nfd["count"] == 0:
        assert all(nfd[k] is None for k in TARGETS)
        row = next(line for line in text.splitlines() if "(`nfd`)" in line)
        assert row.count("—") == 4


def test_slowest_examples_come_from_the_latencies(report: Path, metrics: dict, tiny_artifact, latencies) -> None:
    _, result = tiny_artifact
    slowest = metrics["slowest"]
    assert len(slowest) == 10
    assert slowest[0]["id"] == result.test.records[3].id
    assert slowest[0]["ms"] == pytest.approx(1500.0)
    assert [s["ms"] for s in slowest] == sorted((s["ms"] for s in slowest), reverse=True)
    assert metrics["latency"]["all"]["n"] == len(latencies)
    assert metrics["latency"]["all"]["max_ms"] == pytest.approx(1500.0)
    text = report.read_text(encoding="utf-8")
    assert "1500.0" in text


def test_report_without_latencies_and_with_misaligned_ones(tmp_path: Path, tiny_artifact) -> None:
    _, result = tiny_artifact
    path = write_report(tmp_path, result)
    data = json.loads((tmp_path / METRICS_FILE).read_text(encoding="utf-8"))
    assert data["latency"] is None and data["slowest"] == []
    assert "Không đo độ trễ" in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="latencies"):
        write_report(tmp_path / "bad", result, latencies=np.ones(3))


def test_measure_latencies_one_positive_value_per_text(tiny_artifact, tiny_base_dir: Path) -> None:
    from classifier.service import MentionClassifier

    artifact_dir, _ = tiny_artifact
    classifier = MentionClassifier.load(artifact_dir, base_dir=tiny_base_dir)
    texts = ["Rút BHXH 1 lần cần giấy tờ gì ạ?", "app vssid loi ko dang nhap dc",
             "Bán xe máy cũ giá rẻ, có bảo hiểm TNDS", "Tin đồn vỡ quỹ BHXH là sai sự thật"]
    seconds = measure_latencies(classifier, texts)
    assert seconds.shape == (len(texts),)
    assert np.isfinite(seconds).all() and (seconds > 0).all()
    assert measure_latencies(classifier, []).shape == (0,)


def test_claim_matching_counts_and_report_section(tiny_artifact, tiny_base_dir: Path, tmp_path: Path) -> None:
    """Claim matching is scored against the corpus claim labels and shown in the report."""
    from classifier.service import MentionClassifier
    from classifier.training.report import claim_matching

    artifact_dir, result = tiny_artifact
    classifier = MentionClassifier.load(artifact_dir, base_dir=tiny_base_dir)
    test = result.test.records
    records = [r for r in test if r.claim][:15] + [r for r in test if not r.relevant][:15]
    figures = claim_matching(classifier, records)
    assert figures["n"] == 30 and figures["with_claim"] == 15
    for name in ("served", "lexical_only"):
        f = figures[name]
        assert 0 <= f["matched"] <= 15
        assert f["matched"] == 0 or 0 < f["precision"] <= 1
        assert 0 <= f["recall"] <= 1 and f["recall"] == pytest.approx(f["matched"] / 15)
    assert figures["lexical_only"]["matched"] > 0  # the registry's own words find some claims
    path = write_report(tmp_path / "r", result, claims=figures)
    text = path.read_text(encoding="utf-8")
    assert "Khớp tin đồn đã bác bỏ" in text
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["claims"]["with_claim"] == 15
