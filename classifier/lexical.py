"""The lexical model: TF-IDF over word n-grams (the shared analyzer, so teencode and text without diacritics meet
their full forms) and character n-grams (robust to typos and stretched words), one logistic regression per head.

Fast (thousands of texts/s) and strong on short texts: the cascade lets it settle the cases it is sure of.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifier.heads import HEADS
from common.text import tokens


def _word_analyzer(text: str) -> list[str]:
    toks = tokens(text)
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def _char_text(text: str) -> str:
    return " ".join(tokens(text))


class LexicalModel:
    """``fit(texts, targets)`` with ``targets[head]`` a list of class indices or ``None`` (head not applicable)."""

    def __init__(self, C: float = 8.0, seed: int = 0) -> None:  # noqa: N803 (sklearn's name)
        self.C = C
        self.seed = seed
        self.word = TfidfVectorizer(analyzer=_word_analyzer, min_df=2, sublinear_tf=True, max_features=60_000)
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                    max_features=120_000, preprocessor=_char_text)
        self.heads: dict[str, LogisticRegression] = {}

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str], targets: dict[str, Sequence[int | None]]) -> LexicalModel:
        self.word.fit(texts)
        self.char.fit(texts)
        x = self.features(texts)
        for head in HEADS:
            rows = [i for i, y in enumerate(targets[head]) if y is not None]
            y = np.array([targets[head][i] for i in rows])
            clf = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)
            clf.fit(x[rows], y)
            # float32 weights: half the artifact, same predictions to 1e-6
            clf.coef_ = clf.coef_.astype(np.float32)
            clf.intercept_ = clf.intercept_.astype(np.float32)
            self.heads[head] = clf
        return self

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Per head, an (n, n_classes) array of log-probabilities (classes missing from training get −inf)."""
        x = self.features(texts)
        out: dict[str, np.ndarray] = {}
        for head, classes in HEADS.items():
            clf = self.heads[head]
            full = np.full((len(texts), len(classes)), -np.inf)
            full[:, clf.classes_] = clf.predict_log_proba(x)
            out[head] = full
        return out

    def explain(self, text: str, head: str, class_index: int, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` n-grams of ``text`` that push hardest toward ``class_index`` of ``head`` (tf-idf × weight)."""
        clf = self.heads[head]
        x = self.features([text])
        if len(clf.classes_) == 2:
            weights = clf.coef_[0] if class_index == clf.classes_[1] else -clf.coef_[0]
        elif class_index in clf.classes_:
            weights = clf.coef_[list(clf.classes_).index(class_index)]
        else:
            return []
        names = np.concatenate([self.word.get_feature_names_out(),
                                np.char.add("~", self.char.get_feature_names_out().astype(str))])
        contrib = x.multiply(weights).tocsr()
        order = np.argsort(-contrib.data)[:k]
        return [(str(names[contrib.indices[i]]), float(contrib.data[i])) for i in order if contrib.data[i] > 0]

    def save(self, path: Path) -> None:
        joblib.dump({"sklearn": sklearn.__version__, "model": self}, path, compress=3)

    @staticmethod
    def load(path: Path) -> LexicalModel:
        data = joblib.load(path)
        if data["sklearn"] != sklearn.__version__:
            raise RuntimeError(f"{path} was saved with scikit-learn {data['sklearn']}, this is {sklearn.__version__}:"
                               " retrain with `crisiswatch train`")
        return data["model"]
