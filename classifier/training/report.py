"""The evaluation report of a training run: ``report.md`` (in Vietnamese), its PNG figures and ``metrics.json``.

Every figure is computed on the untouched **test** split (``TrainResult.test``) with the model exactly as served:
the chosen combination of the lexical model and the transformer (``.served``), side by side with its two parts
(``.lexical``, ``.transformer``) where that helps to judge the combination. The validation split only appears where
choices were made on it (the combination grid, the training history).

Conventions (the same as ``classifier.metrics``):
- ``relevant`` and ``misinformation`` decisions are made with the manifest thresholds, exactly as
  ``MentionClassifier.predict`` makes them (misinformation = relevant and P(relevant)·P(misinformation | relevant)
  ≥ the threshold); both are evaluated over all records (an irrelevant mention is never misinformation);
- ``sentiment`` and ``topic`` are evaluated over the gold-relevant records only (their labels exist only there);
- calibration looks at each head's own distribution over the records where the head applies (gold label ≥ 0), as
  the temperatures were fitted.

Plots are drawn with matplotlib's object API on the Agg canvas (no pyplot, no global backend switch) in DejaVu
Sans, which covers Vietnamese.
"""
from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import (average_precision_score, confusion_matrix, precision_recall_curve,
                             precision_recall_fscore_support, roc_auc_score, roc_curve)

from classifier.calibration import expected_calibration_error
from classifier.heads import HEAD_NAMES, HEADS
from classifier.metrics import TARGETS, Gold, misinformation_score, quality

if TYPE_CHECKING:
    from classifier.service import MentionClassifier
    from classifier.training.train import SplitPredictions, TrainResult

REPORT_FILE = "report.md"
METRICS_FILE = "metrics.json"
DPI = 100
BINS = 10
SOURCES = ("facebook_post", "facebook_comment", "zalo", "news")
STYLES = ("no_diacritics", "teencode", "caps", "emoji", "sarcasm", "long", "nfd", "mixed_en")
MODELS = ("served", "lexical", "transformer")
N_SLOWEST = 10
N_WRONG = 15
N_GRID = 10

# --- Vietnamese display names -----------------------------------------------------------------------------------
FIGURE_VI = {
    "relevance_f1": "F1 phát hiện liên quan (relevance F1)",
    "sentiment_macro_f1": "Macro-F1 sắc thái (sentiment macro-F1)",
    "misinformation_roc_auc": "ROC-AUC thông tin sai (misinformation ROC-AUC)",
    "topic_accuracy": "Tỉ lệ đúng chủ đề (topic accuracy)",
}
FIGURE_SHORT = {"relevance_f1": "F1 liên quan", "sentiment_macro_f1": "Macro-F1 sắc thái",
                "misinformation_roc_auc": "AUC tin sai", "topic_accuracy": "Đúng chủ đề"}
MODEL_VI = {"served": "Mô hình phục vụ (served)", "lexical": "Từ vựng (lexical)", "transformer": "Transformer"}
HEAD_VI = {"relevant": "Liên quan (relevance)", "sentiment": "Sắc thái (sentiment)",
           "misinformation": "Thông tin sai (misinformation)", "topic": "Chủ đề (topic)"}
CLASS_VI = {
    "relevant": {"no": "không liên quan", "yes": "liên quan"},
    "sentiment": {"negative": "tiêu cực", "neutral": "trung lập", "positive": "tích cực"},
    "misinformation": {"no": "không sai", "yes": "tin sai"},
    "topic": {"pension": "lương hưu", "one_time_withdrawal": "rút BHXH một lần", "health_insurance": "BHYT",
              "unemployment": "BH thất nghiệp", "contribution_evasion": "nợ/trốn đóng", "vssid_app": "VssID, DVC",
              "scam_impersonation": "lừa đảo mạo danh", "law_policy": "luật, chính sách",
              "maternity_sickness": "thai sản, ốm đau", "service_quality": "chất lượng phục vụ", "other": "khác"},
}
SOURCE_VI = {"facebook_post": "Bài đăng Facebook", "facebook_comment": "Bình luận Facebook", "zalo": "Zalo",
             "news": "Báo chí"}
STYLE_VI = {"no_diacritics": "không dấu", "teencode": "teencode, viết tắt", "caps": "viết hoa", "emoji": "emoji",
            "sarcasm": "mỉa mai", "long": "bài dài", "nfd": "Unicode tổ hợp",
            "mixed_en": "lẫn tiếng Anh"}
NO_STYLE = "(không có tag)"


def _class_label(head: str, cls: str) -> str:
    return f"{CLASS_VI[head].get(cls, cls)} (`{cls}`)"


# --- computations (pure, tested) ---------------------------------------------------------------------------------
@dataclass
class HeadDecisions:
    """Gold and predicted class indices of one head over the records where it applies (``rows``)."""

    head: str
    rows: np.ndarray  # indices into the split's records
    y_true: np.ndarray
    y_pred: np.ndarray
    confidence: np.ndarray  # confidence of the predicted class, per row

    @property
    def classes(self) -> tuple[str, ...]:
        return HEADS[self.head]


def head_decisions(gold: Gold, probs: dict[str, np.ndarray], thresholds: dict[str, float]
                   ) -> dict[str, HeadDecisions]:
    """The served decision of every head, over the records where it is evaluated (see the module docstring)."""
    n = len(gold.misinformation)
    p_rel = probs["relevant"][:, 1]
    rel_pred = p_rel >= thresholds["relevant"]
    score = misinformation_score(probs)
    mis_pred = rel_pred & (score >= thresholds["misinformation"])
    all_rows = np.arange(n)
    out = {
        "relevant": HeadDecisions("relevant", all_rows, gold.y["relevant"].copy(), rel_pred.astype(int),
                                  np.where(rel_pred, p_rel, 1 - p_rel)),
        "misinformation": HeadDecisions("misinformation", all_rows, gold.misinformation.astype(int),
                                        mis_pred.astype(int), np.where(mis_pred, score, 1 - score)),
    }
    for head in ("sentiment", "topic"):
        rows = np.flatnonzero(gold.y[head] >= 0)
        p = probs[head][rows]
        out[head] = HeadDecisions(head, rows, gold.y[head][rows], p.argmax(1), p.max(1))
    return {h: out[h] for h in HEAD_NAMES}


def confusion_matrices(gold: Gold, probs: dict[str, np.ndarray], thresholds: dict[str, float]
                       ) -> dict[str, np.ndarray]:
    """Confusion matrix per head (rows = gold class, columns = predicted class, in ``HEADS`` order)."""
    return {h: confusion_matrix(d.y_true, d.y_pred, labels=range(len(d.classes)))
            for h, d in head_decisions(gold, probs, thresholds).items()}


def class_report(d: HeadDecisions) -> dict[str, Any]:
    """Precision / recall / F1 / support per class, macro and weighted averages, accuracy."""
    labels = list(range(len(d.classes)))
    p, r, f, s = precision_recall_fscore_support(d.y_true, d.y_pred, labels=labels, zero_division=0)
    out: dict[str, Any] = {"n": int(len(d.y_true)), "classes": {}}
    for i, cls in enumerate(d.classes):
        out["classes"][cls] = {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                               "support": int(s[i])}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(d.y_true, d.y_pred, labels=labels, average=avg,
                                                        zero_division=0)
        out[avg] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
    out["accuracy"] = float((d.y_true == d.y_pred).mean()) if len(d.y_true) else float("nan")
    return out


def reliability(gold: Gold, probs: dict[str, np.ndarray], head: str, bins: int = BINS) -> dict[str, Any]:
    """Confidence of the predicted class vs accuracy, per confidence bin (lo, hi], and the ECE."""
    rows = gold.y[head] >= 0
    p = probs[head][rows]
    confidence, correct = p.max(1), (p.argmax(1) == gold.y[head][rows]).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    table = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (confidence > lo) & (confidence <= hi)
        table.append({"lo": float(lo), "hi": float(hi), "count": int(sel.sum()),
                      "confidence": float(confidence[sel].mean()) if sel.any() else float("nan"),
                      "accuracy": float(correct[sel].mean()) if sel.any() else float("nan")})
    ece = expected_calibration_error(confidence, correct, bins) if len(confidence) else float("nan")
    return {"n": int(rows.sum()), "ece": ece, "bins": table}


def group_figures(gold: Gold, probs: dict[str, np.ndarray], idx: np.ndarray, relevant_threshold: float
                  ) -> dict[str, Any]:
    """The four figures on a subset, with its size; NaN where the subset lacks the classes for a figure
    (relevance F1 is NaN, not 0, when the subset has no relevant record)."""
    n = len(idx)
    out: dict[str, Any] = {"count": n, "relevant": 0, "misinformation": 0}
    if n == 0:
        return out | {k: float("nan") for k in TARGETS}
    sub = gold.subset(idx)
    figures = quality(sub, {h: p[idx] for h, p in probs.items()}, relevant_threshold)
    if not (sub.y["relevant"] == 1).any():
        figures["relevance_f1"] = float("nan")
    out["relevant"] = int((sub.y["relevant"] == 1).sum())
    out["misinformation"] = int(sub.misinformation.sum())
    return out | {k: figures[k] for k in TARGETS}


def breakdowns(records: Sequence, gold: Gold, probs: dict[str, np.ndarray], relevant_threshold: float
               ) -> dict[str, dict[str, dict[str, Any]]]:
    """Figures per source and per style tag (plus the records with no tag)."""
    by_source = {s: group_figures(gold, probs, np.array([i for i, r in enumerate(records) if r.source == s],
                                                        dtype=int), relevant_threshold)
                 for s in SOURCES}
    tags = list(STYLES) + sorted({t for r in records for t in r.style} - set(STYLES))
    by_style = {t: group_figures(gold, probs, np.array([i for i, r in enumerate(records) if t in r.style],
                                                       dtype=int), relevant_threshold)
                for t in tags}
    by_style[NO_STYLE] = group_figures(gold, probs, np.array([i for i, r in enumerate(records) if not r.style],
                                                             dtype=int), relevant_threshold)
    return {"source": by_source, "style": by_style}


def confidently_wrong(records: Sequence, decisions: dict[str, HeadDecisions], k: int = N_WRONG
                      ) -> list[dict[str, Any]]:
    """The ``k`` records wrong on some head with the highest confidence in the wrong class (one row per record: its
    most confident error, with the other heads it also got wrong)."""
    errors: dict[int, list[tuple[float, str, int, int]]] = {}
    for head, d in decisions.items():
        for row, yt, yp, c in zip(d.rows, d.y_true, d.y_pred, d.confidence):
            if yt != yp:
                errors.setdefault(int(row), []).append((float(c), head, int(yt), int(yp)))
    ranked = sorted(errors.items(), key=lambda kv: -max(e[0] for e in kv[1]))[:k]
    out = []
    for row, errs in ranked:
        errs.sort(key=lambda e: -e[0])
        conf, head, yt, yp = errs[0]
        rec = records[row]
        out.append({"id": rec.id, "source": rec.source, "head": head, "gold": HEADS[head][yt],
                    "predicted": HEADS[head][yp], "confidence": conf, "also_wrong": [e[1] for e in errs[1:]],
                    "text": rec.text})
    return out


def latency_summary(latencies: np.ndarray) -> dict[str, float]:
    ms = np.asarray(latencies, dtype=float) * 1000
    if not len(ms):
        return {"n": 0}
    return {"n": int(len(ms)), "mean_ms": float(ms.mean()), "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)), "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


def settled_mask(result: TrainResult, split: SplitPredictions) -> np.ndarray:
    """Rows the lexical model settles alone as served: all of them when the transformer's weight is 0 (the service
    then never runs the transformer), otherwise the cascade's mask."""
    if result.manifest["combination"]["transformer_weight"] <= 0:
        return np.ones(len(split.records), dtype=bool)
    return np.asarray(split.settled, dtype=bool)


def measure_latencies(classifier: MentionClassifier, texts: Sequence[str]) -> np.ndarray:
    """Seconds per text, each classified alone (batch 1) through ``classifier.predict([text])``, exactly as served.

    One untimed warm-up call on the first text comes first, so the one-off costs of the first call (thread pools,
    lazy imports) are not charged to a text."""
    if len(texts):
        classifier.predict([texts[0]])
    out = np.empty(len(texts), dtype=float)
    for i, text in enumerate(texts):
        start = time.perf_counter()
        classifier.predict([text])
        out[i] = time.perf_counter() - start
    return out


# --- plots ------------------------------------------------------------------------------------------------------
_RC = {"font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10}


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI)
    return path.name


def plot_confusion(cm: np.ndarray, head: str, path: Path) -> str:
    import matplotlib

    labels = [CLASS_VI[head].get(c, c) for c in HEADS[head]]
    k = len(labels)
    with matplotlib.rc_context(_RC):
        fig = _figure((4.8, 3.8) if k <= 3 else (7.5, 6.5))
        ax = fig.add_subplot()
        ax.imshow(cm, cmap="Blues", vmin=0)
        top = cm.max() if cm.size else 0
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=8 if k > 3 else 10,
                        color="white" if top and cm[i, j] > top / 2 else "black")
        ax.set_xticks(range(k), labels, rotation=45 if k > 3 else 0, ha="right" if k > 3 else "center")
        ax.set_yticks(range(k), labels)
        ax.set_xlabel("Dự đoán (predicted)")
        ax.set_ylabel("Nhãn đúng (gold)")
        ax.set_title(f"Ma trận nhầm lẫn — {HEAD_VI[head]}\nn = {int(cm.sum())}")
        return _save(fig, path)


def plot_reliability(rel: dict[str, Any], head: str, path: Path) -> str:
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _figure((4.8, 4.0))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="Hiệu chỉnh hoàn hảo")
        width = 1 / len(rel["bins"])
        for b in rel["bins"]:
            if not b["count"]:
                continue
            ax.bar(b["lo"], b["accuracy"], width=width, align="edge", color="#4C72B0", edgecolor="white", alpha=0.85)
            ax.plot(b["confidence"], b["accuracy"], "o", color="#DD8452", ms=4)
            ax.text(b["lo"] + width / 2, min(b["accuracy"] + 0.02, 1.02), str(b["count"]), ha="center", va="bottom",
                    fontsize=7)
        ax.bar([], [], color="#4C72B0", label="Tỉ lệ đúng trong khoảng (accuracy)")
        ax.plot([], [], "o", color="#DD8452", label="Độ tự tin trung bình (confidence)")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("Độ tự tin của lớp dự đoán (confidence)")
        ax.set_ylabel("Tỉ lệ đúng (accuracy)")
        ax.set_title(f"Biểu đồ tin cậy — {HEAD_VI[head]}\nn = {rel['n']}, ECE = {_num(rel['ece'])}")
        ax.legend(loc="upper left", fontsize=7)
        return _save(fig, path)


def _style(model: str) -> dict[str, Any]:
    """The served curve thick and solid, its parts thin and dashed above it (the served curve often coincides with
    one of them: both stay visible)."""
    return {"served": {"lw": 2.6, "zorder": 2, "color": "#1f77b4", "alpha": 0.8},
            "lexical": {"lw": 1.2, "ls": "--", "zorder": 3, "color": "#ff7f0e"},
            "transformer": {"lw": 1.2, "ls": "--", "zorder": 3, "color": "#2ca02c"}}.get(model, {})


def plot_pr(y: np.ndarray, scores: dict[str, np.ndarray], ap: dict[str, float], threshold: float,
            served_point: tuple[float, float] | None, path: Path) -> str:
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _figure((5.2, 4.2))
        ax = fig.add_subplot()
        for model, score in scores.items():
            prec, rec, _ = precision_recall_curve(y, score)
            ax.step(rec, prec, where="post", **_style(model), label=f"{MODEL_VI[model]} — AP = {_num(ap[model])}")
        if served_point is not None:
            ax.plot(served_point[1], served_point[0], "k*", ms=10, label=f"Ngưỡng vận hành {threshold:.3f}")
        ax.axhline(y.mean(), color="grey", ls=":", lw=1, label=f"Tỉ lệ tin sai = {y.mean():.3f}")
        ax.set_xlim(0, 1.01)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("Độ phủ (recall)")
        ax.set_ylabel("Độ chính xác (precision)")
        ax.set_title(f"Precision–recall: thông tin sai (tập test, n = {len(y)})")
        ax.legend(loc="best", fontsize=7)
        return _save(fig, path)


def plot_roc(y: np.ndarray, scores: dict[str, np.ndarray], auc: dict[str, float], path: Path) -> str:
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _figure((5.2, 4.2))
        ax = fig.add_subplot()
        for model, score in scores.items():
            fpr, tpr, _ = roc_curve(y, score)
            ax.plot(fpr, tpr, **_style(model), label=f"{MODEL_VI[model]} — AUC = {_num(auc[model])}")
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="Ngẫu nhiên")
        ax.set_xlabel("Tỉ lệ dương tính giả (false positive rate)")
        ax.set_ylabel("Tỉ lệ dương tính thật (true positive rate)")
        ax.set_title(f"ROC: thông tin sai (tập test, n = {len(y)})")
        ax.legend(loc="best", fontsize=7)
        return _save(fig, path)


# --- formatting -------------------------------------------------------------------------------------------------
def _is_nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _num(v: Any, digits: int = 3) -> str:
    return "—" if _is_nan(v) else f"{v:.{digits}f}"


def _pct(v: Any) -> str:
    return "—" if _is_nan(v) else f"{100 * v:.1f} %"


def _cell(text: str, limit: int) -> str:
    """A text in a markdown table cell: one line, pipes and HTML escaped, cut to ``limit`` characters."""
    one = " ".join(str(text).split())
    if len(one) > limit:
        one = one[:limit].rstrip() + "…"
    return one.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    seps = [":--" if a == "l" else "--:" if a == "r" else ":-:" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(seps) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _clean(v: Any) -> Any:
    """JSON-safe: NaN/inf → null, numpy scalars and arrays → Python."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    return v


def _seconds(s: float | None) -> str:
    if s is None:
        return "—"
    m, sec = divmod(int(round(s)), 60)
    h, m = divmod(m, 60)
    human = f"{h} giờ {m} phút {sec} giây" if h else f"{m} phút {sec} giây" if m else f"{sec} giây"
    return f"{s:.1f} s ({human})"


def _combination_cells(comb: dict[str, float]) -> list[str]:
    conf = comb["settle_confident"]
    return [_num(comb["settle_irrelevant"], 2), "không dùng" if conf > 1 else _num(conf, 2),
            _num(comb["transformer_weight"], 2)]


# --- the report -------------------------------------------------------------------------------------------------
def claim_matching(classifier: MentionClassifier, records: Sequence) -> dict[str, Any]:
    """Claim matching on labeled records, as served (lexical + embedding) and with lexical overlap alone: a record
    counts as matched when its best claim is its gold claim; a predicted claim on a record without one, or a wrong
    claim, is a false positive. Stance accuracy is over correctly matched records."""
    from classifier.service import claim_matcher

    predictions = classifier.predict([r.text for r in records])
    lexical_only = claim_matcher(classifier.claims.registry)
    out: dict[str, Any] = {"n": len(records), "with_claim": sum(r.claim is not None for r in records)}
    for name in ("served", "lexical_only"):
        tp = fp = fn = stance_ok = 0
        for record, prediction in zip(records, predictions):
            if name == "served":
                matches = prediction.claims
            else:
                matches = lexical_only.match(record.text) if prediction.labels.relevant else []
            best = matches[0] if matches else None
            if best is not None and best.claim_id == record.claim:
                tp += 1
                stance_ok += best.stance.value == (record.stance.value if record.stance else None)
            else:
                fp += best is not None
                fn += record.claim is not None
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        out[name] = {"precision": precision, "recall": recall, "f1": f1,
                     "stance_accuracy": stance_ok / tp if tp else float("nan"), "matched": tp}
    return out


def write_report(out_dir: Path, result: TrainResult, *, latencies: np.ndarray | None = None,
                 claims: dict[str, Any] | None = None) -> Path:
    """Write ``report.md``, its PNGs and ``metrics.json`` into ``out_dir`` (created); returns the path of
    ``report.md``. ``latencies`` (seconds, see ``measure_latencies``) must be aligned with ``result.test.records``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = result.manifest
    thresholds = manifest["thresholds"]
    test = result.test
    records = test.records
    gold = Gold.of(records)
    val_gold = Gold.of(result.validation.records)
    models = {m: getattr(test, m) for m in MODELS}
    if latencies is not None:
        latencies = np.asarray(latencies, dtype=float)
        if len(latencies) != len(records):
            raise ValueError(f"{len(latencies)} latencies for {len(records)} test records")

    # figures
    test_figures = {m: quality(gold, p, thresholds["relevant"]) for m, p in models.items()}
    val_figures = {m: quality(val_gold, getattr(result.validation, m), thresholds["relevant"]) for m in MODELS}
    settled = settled_mask(result, test)
    val_settled = settled_mask(result, result.validation)
    decisions = head_decisions(gold, test.served, thresholds)
    reports = {h: class_report(d) for h, d in decisions.items()}
    cms = {h: confusion_matrix(d.y_true, d.y_pred, labels=range(len(d.classes))) for h, d in decisions.items()}
    calib = {h: reliability(gold, test.served, h) for h in HEAD_NAMES}
    groups = breakdowns(records, gold, test.served, thresholds["relevant"])
    wrong = confidently_wrong(records, decisions)

    y_mis = gold.misinformation.astype(int)
    mis_scores = {m: misinformation_score(p) for m, p in models.items()}
    two_classes = 0 < y_mis.sum() < len(y_mis)
    auc = {m: float(roc_auc_score(y_mis, s)) if two_classes else float("nan") for m, s in mis_scores.items()}
    ap = {m: float(average_precision_score(y_mis, s)) if two_classes else float("nan") for m, s in mis_scores.items()}
    mis_rep = reports["misinformation"]["classes"]["yes"]

    # plots
    files: dict[str, Any] = {"confusion": {}, "reliability": {}}
    for h in HEAD_NAMES:
        files["confusion"][h] = plot_confusion(cms[h], h, out_dir / f"confusion_{h}.png")
        files["reliability"][h] = plot_reliability(calib[h], h, out_dir / f"reliability_{h}.png")
    if two_classes:
        files["pr"] = plot_pr(y_mis, mis_scores, ap, thresholds["misinformation"],
                              (mis_rep["precision"], mis_rep["recall"]), out_dir / "misinformation_pr.png")
        files["roc"] = plot_roc(y_mis, mis_scores, auc, out_dir / "misinformation_roc.png")

    met = {k: (not _is_nan(test_figures["served"][k])) and test_figures["served"][k] >= t for k, t in TARGETS.items()}
    grid = sorted(result.grid, key=lambda c: (-c.score, -c.settled_share))
    chosen = manifest["combination"]
    slowest = []
    if latencies is not None:
        for i in np.argsort(-latencies, kind="stable")[:N_SLOWEST]:
            r = records[i]
            slowest.append({"id": r.id, "ms": float(latencies[i] * 1000), "source": r.source, "chars": len(r.text),
                            "settled_by": "lexical" if settled[i] else "transformer", "text": r.text})
    latency = None
    if latencies is not None:
        latency = {"all": latency_summary(latencies), "lexical": latency_summary(latencies[settled]),
                   "transformer": latency_summary(latencies[~settled])}

    metrics = {
        "version": manifest.get("version"),
        "created_at": manifest.get("created_at"),
        "corpus": manifest.get("corpus"),
        "train_seconds": manifest.get("train_seconds"),
        "combination": chosen,
        "thresholds": thresholds,
        "temperatures": manifest.get("temperatures"),
        "targets": TARGETS,
        "test": {**test_figures, "settled_share": float(settled.mean()) if len(settled) else float("nan"),
                 "n": len(records), "met": met},
        "validation": {**val_figures, "settled_share": float(val_settled.mean()) if len(val_settled) else float("nan"),
                       "n": len(result.validation.records)},
        "heads": {h: {**reports[h], "confusion_matrix": cms[h].tolist(), "calibration": calib[h]}
                  for h in HEAD_NAMES},
        "misinformation": {"roc_auc": auc, "average_precision": ap, "threshold": thresholds["misinformation"],
                           "positives": int(y_mis.sum())},
        "by_source": groups["source"],
        "by_style": groups["style"],
        "latency": latency,
        "claims": claims,
        "slowest": slowest,
        "confidently_wrong": wrong,
        "history": result.history,
        "grid_top": [{"combination": c.combination.as_dict(), "score": c.score, "settled_share": c.settled_share,
                      "figures": c.figures} for c in grid[:N_GRID]],
        "files": files,
    }
    (out_dir / METRICS_FILE).write_text(json.dumps(_clean(metrics), indent=2, ensure_ascii=False, allow_nan=False)
                                        + "\n", encoding="utf-8")

    # --- markdown ---------------------------------------------------------------------------------------------
    corpus = manifest.get("corpus", {})
    splits = corpus.get("splits", {})
    spec = manifest.get("transformer", {})
    md: list[str] = [f"# Báo cáo đánh giá mô hình phân loại — `{manifest.get('version', '?')}`", ""]
    n_met = sum(met.values())
    md += [f"Mô hình phục vụ (served) đạt **{n_met}/{len(TARGETS)}** chỉ tiêu trên tập kiểm tra (test) gồm "
           f"**{len(records)}** bản ghi chưa từng dùng để huấn luyện, chọn mô hình hay chọn ngưỡng.", ""]
    md += ["## Thông tin chung", ""]
    md += _table(["Mục", "Giá trị"], [
        ["Phiên bản mô hình (version)", f"`{manifest.get('version', '?')}`"],
        ["Thời điểm tạo (created_at)", manifest.get("created_at", "—")],
        ["Kho dữ liệu (corpus)", f"{corpus.get('records', '—')} bản ghi, digest `{corpus.get('digest', '—')}`"],
        ["Chia tập (train / validation / test)",
         " / ".join(str(splits.get(s, "—")) for s in ("train", "validation", "test"))],
        ["Thời gian huấn luyện", _seconds(manifest.get("train_seconds"))],
        ["Transformer", f"{spec.get('layers', '—')} lớp × {spec.get('hidden', '—')}, tinh chỉnh "
                        f"{spec.get('n_tuned', '—')} lớp trên cùng, max_length {spec.get('max_length', '—')}, "
                        f"{spec.get('quantization', '—')}"],
        ["Cấu hình huấn luyện", ", ".join(f"{k}={v}" for k, v in manifest.get("training", {}).items()) or "—"],
    ], align="ll")
    md += ["### Cách kết hợp (combination) chọn trên tập validation", "",
           "Mô hình từ vựng chạy trên mọi đề cập và *tự quyết* (settle) những đề cập rõ ràng; phần còn lại do "
           "transformer xử lý, xác suất được trộn với mô hình từ vựng theo trọng số transformer.", ""]
    conf_cells = _combination_cells(chosen)
    md += _table(["Tham số", "Giá trị"], [
        ["Ngưỡng tự quyết \"không liên quan\" (settle_irrelevant): P(liên quan) <", conf_cells[0]],
        ["Ngưỡng tự quyết khi chắc chắn mọi đầu ra (settle_confident)", conf_cells[1]],
        ["Trọng số transformer (transformer_weight)", conf_cells[2]],
        ["Tỉ lệ do mô hình từ vựng tự quyết — validation", _pct(metrics["validation"]["settled_share"])],
        ["Tỉ lệ do mô hình từ vựng tự quyết — test", _pct(metrics["test"]["settled_share"])],
        ["Ngưỡng liên quan (thresholds.relevant)", _num(thresholds["relevant"])],
        ["Ngưỡng thông tin sai (thresholds.misinformation), trên P(liên quan)·P(tin sai \\| liên quan)",
         _num(thresholds["misinformation"])],
    ], align="lr")
    temps = manifest.get("temperatures")
    if temps:
        md += ["Nhiệt độ hiệu chỉnh (temperature scaling, khớp trên validation):", ""]
        md += _table(["Mô hình"] + [HEAD_VI[h] for h in HEAD_NAMES],
                     [[MODEL_VI.get(m, m)] + [_num(temps[m].get(h)) for h in HEAD_NAMES] for m in temps])

    md += ["## Chỉ tiêu chất lượng trên tập test", ""]
    md += _table(["Chỉ số", "Mục tiêu", MODEL_VI["served"], MODEL_VI["lexical"], MODEL_VI["transformer"], "Kết quả"],
                 [[FIGURE_VI[k], f"≥ {t:.2f}"] + [_num(test_figures[m][k]) for m in MODELS]
                  + ["✅ đạt" if met[k] else "❌ chưa đạt"] for k, t in TARGETS.items()], align="lrrrrl")
    md += ["Để tham khảo, cùng các chỉ số trên tập validation (nơi chọn cách kết hợp và ngưỡng, nên thường cao hơn "
           "test một chút):", ""]
    md += _table(["Chỉ số"] + [MODEL_VI[m] for m in MODELS],
                 [[FIGURE_VI[k]] + [_num(val_figures[m][k]) for m in MODELS] for k in TARGETS])

    md += ["## Chi tiết từng đầu ra (mô hình phục vụ, tập test)", "",
           "- *Liên quan* và *thông tin sai*: quyết định với ngưỡng trong manifest, như khi phục vụ; tính trên toàn "
           "bộ bản ghi test (đề cập không liên quan không bao giờ là tin sai).",
           "- *Sắc thái* và *chủ đề*: chỉ tính trên các bản ghi thực sự liên quan (nhãn đúng), vì chỉ ở đó mới có "
           "nhãn.",
           ""]
    for h in HEAD_NAMES:
        rep = reports[h]
        md += [f"### {HEAD_VI[h]}", "", f"n = {rep['n']}, tỉ lệ đúng (accuracy) = {_num(rep['accuracy'])}, "
               f"macro-F1 = **{_num(rep['macro']['f1'])}**, ECE = {_num(calib[h]['ece'])}.", ""]
        rows = [[_class_label(h, c), _num(v["precision"]), _num(v["recall"]), _num(v["f1"]), v["support"]]
                for c, v in rep["classes"].items()]
        rows += [[f"*{name}*", _num(rep[avg]["precision"]), _num(rep[avg]["recall"]), _num(rep[avg]["f1"]), rep["n"]]
                 for avg, name in (("macro", "trung bình macro (macro avg)"),
                                   ("weighted", "trung bình có trọng số (weighted avg)"))]
        md += _table(["Lớp", "Độ chính xác (precision)", "Độ phủ (recall)", "F1", "Số mẫu (support)"], rows)
        md += [f"![Ma trận nhầm lẫn — {HEAD_VI[h]}]({files['confusion'][h]})", ""]

    md += ["## Thông tin sai: ROC và precision–recall", ""]
    if two_classes:
        md += [f"Điểm = P(liên quan) · P(tin sai | liên quan); {int(y_mis.sum())} bản ghi tin sai trên "
               f"{len(y_mis)}. Dấu ★ là ngưỡng vận hành {thresholds['misinformation']:.3f}: độ chính xác "
               f"{_num(mis_rep['precision'])}, độ phủ {_num(mis_rep['recall'])}.", ""]
        md += _table(["Mô hình", "ROC-AUC", "Độ chính xác trung bình (average precision)"],
                     [[MODEL_VI[m], _num(auc[m]), _num(ap[m])] for m in MODELS])
        md += [f"![Đường precision–recall]({files['pr']})", "", f"![Đường ROC]({files['roc']})", ""]
    else:
        md += ["Tập test không có đủ hai lớp (có và không có tin sai): không tính được ROC-AUC.", ""]

    md += ["## Hiệu chỉnh xác suất (calibration)", "",
           "Độ tự tin của lớp được dự đoán so với tỉ lệ đúng thực tế, 10 khoảng; số trên mỗi cột là số mẫu trong "
           "khoảng. ECE (expected calibration error) càng nhỏ càng tốt: xác suất 0.8 nên đúng khoảng 80 % số lần. "
           "Mỗi đầu ra được xét trên các bản ghi mà nó áp dụng (thông tin sai: phân phối P(tin sai | liên quan) trên "
           "các bản ghi liên quan).", ""]
    md += _table(["Đầu ra", "Số mẫu", "ECE"], [[HEAD_VI[h], calib[h]["n"], _num(calib[h]["ece"])] for h in HEAD_NAMES])
    md += [" ".join(f"![Biểu đồ tin cậy — {HEAD_VI[h]}]({files['reliability'][h]})" for h in HEAD_NAMES), ""]

    group_header = ["Số bản ghi", "Liên quan", "Tin sai"] + [FIGURE_SHORT[k] for k in TARGETS]

    def group_rows(table: dict[str, dict[str, Any]], names: dict[str, str]) -> list[list[Any]]:
        return [[f"{names.get(g, g)} (`{g}`)" if g in names else g, v["count"], v["relevant"], v["misinformation"]]
                + [_num(v[k]) for k in TARGETS] for g, v in table.items()]

    total = group_figures(gold, test.served, np.arange(len(records)), thresholds["relevant"])
    total_row = [["**Toàn bộ test**", total["count"], total["relevant"], total["misinformation"]]
                 + [_num(total[k]) for k in TARGETS]]
    md += ["## Theo nguồn và theo kiểu viết (mô hình phục vụ, tập test)", "",
           "“—” khi nhóm thiếu lớp để tính chỉ số (ví dụ không có bản ghi liên quan, hoặc chỉ một lớp tin sai). "
           "Nhóm nhỏ dao động mạnh: đọc cùng cột số bản ghi.", "", "### Theo nguồn (source)", ""]
    md += _table(["Nguồn"] + group_header, group_rows(groups["source"], SOURCE_VI) + total_row)
    md += ["### Theo kiểu viết (style tag)", "", "Một bản ghi có thể mang nhiều tag.", ""]
    md += _table(["Kiểu viết"] + group_header, group_rows(groups["style"], STYLE_VI) + total_row)

    if claims is not None:
        md += ["## Khớp tin đồn đã bác bỏ (claim matching, tập test)", "",
               f"{claims['with_claim']} / {claims['n']} bản ghi test có nhãn tin đồn. Khớp đúng = tin đồn điểm cao "
               "nhất trùng nhãn; lập trường (stance) tính trên các bản ghi khớp đúng.", ""]
        md += _table(["Cách khớp", "Precision", "Recall", "F1", "Lập trường đúng (stance accuracy)"],
                     [[label, _num(claims[key]["precision"]), _num(claims[key]["recall"]), _num(claims[key]["f1"]),
                       _num(claims[key]["stance_accuracy"])]
                      for key, label in (("served", "Từ vựng + embedding (phục vụ)"),
                                         ("lexical_only", "Chỉ trùng từ (lexical)"))])
        md += [""]
    md += ["## Độ trễ (latency)", ""]
    if latency is None:
        md += ["Không đo độ trễ trong lần chạy này.", ""]
    else:
        md += ["Mỗi văn bản được phân loại riêng (batch 1) qua `MentionClassifier.predict`, đúng như khi phục vụ.", ""]
        md += _table(["Nhóm", "Số văn bản", "Trung bình (ms)", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Lớn nhất (ms)"],
                     [[name, s["n"]] + [_num(s.get(k), 1) for k in ("mean_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms")]
                      for name, s in (("Tất cả", latency["all"]), ("Mô hình từ vựng tự quyết", latency["lexical"]),
                                      ("Qua transformer", latency["transformer"]))])
        md += [f"### {len(slowest)} văn bản chậm nhất", ""]
        md += _table(["#", "ms", "Nguồn", "Xử lý bởi", "Số ký tự", "Văn bản (100 ký tự đầu)"],
                     [[i + 1, _num(s["ms"], 1), s["source"], s["settled_by"], s["chars"], _cell(s["text"], 100)]
                      for i, s in enumerate(slowest)], align="rrllrl")

    md += [f"## {len(wrong)} lỗi tự tin nhất (tập test)", "",
           "Bản ghi sai ở một đầu ra nào đó với độ tự tin cao nhất vào lớp sai (mỗi bản ghi một dòng: lỗi tự tin "
           "nhất, các đầu ra khác cũng sai ghi ở cột cuối). Với *thông tin sai*, độ tự tin là điểm P(liên quan)·"
           "P(tin sai | liên quan) (hoặc 1 − điểm khi dự đoán “không”). Đây là nơi nên xem lại nhãn trước tiên.", ""]
    md += _table(["#", "id", "Nguồn", "Đầu ra", "Nhãn đúng (gold)", "Dự đoán", "Độ tự tin", "Văn bản", "Cũng sai"],
                 [[i + 1, f"`{w['id']}`", w["source"], w["head"], _class_label(w["head"], w["gold"]),
                   _class_label(w["head"], w["predicted"]), _num(w["confidence"]), _cell(w["text"], 150),
                   ", ".join(w["also_wrong"]) or "—"] for i, w in enumerate(wrong)], align="rllllrrll")

    md += ["## Lịch sử huấn luyện transformer (history)", "",
           "Điểm validation (validation_score) là trung bình bốn chỉ số của riêng transformer; giữ epoch tốt nhất.",
           ""]
    if result.history:
        keys = list(dict.fromkeys(k for row in result.history for k in row))
        md += _table(keys, [[_num(row.get(k), 4) if isinstance(row.get(k), float) else row.get(k, "—") for k in keys]
                            for row in result.history])
    else:
        md += ["(trống)", ""]

    md += [f"## Lưới kết hợp (combination grid): {min(N_GRID, len(grid))} lựa chọn tốt nhất trên validation", "",
           f"{len(grid)} tổ hợp được thử; điểm (score) là trung bình bốn chỉ số trên validation. Trong các tổ hợp "
           "cách điểm cao nhất không quá 0.005, tổ hợp cho mô hình từ vựng tự quyết nhiều nhất (nhanh nhất) được "
           "chọn (★).", ""]
    grid_rows = []
    shown = grid[:N_GRID]
    chosen_listed = any(c.combination.as_dict() == chosen for c in shown)
    if not chosen_listed:
        shown = shown + [c for c in grid if c.combination.as_dict() == chosen][:1]
    for c in shown:
        rank = grid.index(c) + 1
        mark = " ★" if c.combination.as_dict() == chosen else ""
        grid_rows.append([f"{rank}{mark}"] + _combination_cells(c.combination.as_dict())
                         + [_num(c.score, 4), _pct(c.settled_share)] + [_num(c.figures.get(k)) for k in TARGETS])
    md += _table(["Hạng", "settle_irrelevant", "settle_confident", "Trọng số transformer", "Điểm (score)",
                  "Tỉ lệ tự quyết"] + [FIGURE_SHORT[k] for k in TARGETS], grid_rows)

    md += ["---", "", f"Số liệu đầy đủ, dạng máy đọc được: [`{METRICS_FILE}`]({METRICS_FILE}).", ""]
    path = out_dir / REPORT_FILE
    path.write_text("\n".join(md), encoding="utf-8")
    return path
