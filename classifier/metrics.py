"""The quality figures of the issue, computed one way everywhere (training, model selection, report).

- relevance F1: binary F1 of ``relevant`` over all records;
- sentiment macro-F1 and topic accuracy: over the gold-relevant records (the labels exist only there);
- misinformation ROC-AUC: over all records, score = P(relevant) · P(misinformation | relevant).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from classifier.heads import HEADS, targets

TARGETS = {"relevance_f1": 0.95, "sentiment_macro_f1": 0.80, "misinformation_roc_auc": 0.93, "topic_accuracy": 0.85}


@dataclass
class Gold:
    """Gold class indices per head (−1 where the head does not apply) and the misinformation flag."""

    y: dict[str, np.ndarray]
    misinformation: np.ndarray

    @classmethod
    def of(cls, records: Sequence) -> Gold:
        per = [targets(r) for r in records]
        y = {h: np.array([-1 if t[h] is None else t[h] for t in per], dtype=int) for h in HEADS}
        return cls(y=y, misinformation=np.array([bool(r.misinformation) for r in records]))

    def subset(self, idx: np.ndarray) -> Gold:
        return Gold(y={h: v[idx] for h, v in self.y.items()}, misinformation=self.misinformation[idx])


def misinformation_score(probs: dict[str, np.ndarray]) -> np.ndarray:
    return probs["relevant"][:, 1] * probs["misinformation"][:, 1]


def quality(gold: Gold, probs: dict[str, np.ndarray], relevant_threshold: float = 0.5) -> dict[str, float]:
    """The four target figures (NaN where a subset lacks the classes to compute one)."""
    rel_pred = probs["relevant"][:, 1] >= relevant_threshold
    rel = gold.y["relevant"] == 1
    out = {"relevance_f1": float(f1_score(gold.y["relevant"], rel_pred, zero_division=0))}
    if rel.any():
        out["sentiment_macro_f1"] = float(f1_score(gold.y["sentiment"][rel], probs["sentiment"][rel].argmax(1),
                                                   average="macro", labels=range(len(HEADS["sentiment"])),
                                                   zero_division=0))
        out["topic_accuracy"] = float(accuracy_score(gold.y["topic"][rel], probs["topic"][rel].argmax(1)))
    else:
        out["sentiment_macro_f1"] = out["topic_accuracy"] = float("nan")
    if 0 < gold.misinformation.sum() < len(gold.misinformation):
        out["misinformation_roc_auc"] = float(roc_auc_score(gold.misinformation, misinformation_score(probs)))
    else:
        out["misinformation_roc_auc"] = float("nan")
    return out


def overall(figures: dict[str, float]) -> float:
    """One number for model selection: the mean of the four target figures."""
    return float(np.nanmean([figures[k] for k in TARGETS]))
