"""The cascade: what the lexical model settles, how the rest are blended, and how the choice is made."""
from __future__ import annotations

import numpy as np

from classifier.combine import NEVER, Combination, choose
from classifier.heads import HEADS
from classifier.metrics import Gold


def _probs(rows: list[dict[str, list[float]]]) -> dict[str, np.ndarray]:
    return {h: np.array([r[h] for r in rows], dtype=float) for h in HEADS}


def _row(rel: float, conf: float) -> dict[str, list[float]]:
    def head(k: int) -> list[float]:
        rest = (1 - conf) / (k - 1)
        return [conf] + [rest] * (k - 1)
    return {"relevant": [1 - rel, rel], "sentiment": head(3), "misinformation": head(2), "topic": head(11)}


def test_settles_clearly_irrelevant_and_confident_rows_only() -> None:
    # row 1: clearly irrelevant; row 2: relevant 0.99 and every other head 0.93; row 3: unsure
    lexical = _probs([_row(0.01, 0.5), _row(0.99, 0.93), _row(0.9, 0.6)])
    comb = Combination(settle_irrelevant=0.05, settle_confident=0.95, transformer_weight=1.0)
    assert comb.settled(lexical).tolist() == [True, False, False]
    comb = Combination(settle_irrelevant=0.05, settle_confident=0.9, transformer_weight=1.0)
    assert comb.settled(lexical).tolist() == [True, True, False]


def test_apply_keeps_lexical_for_settled_rows_and_blends_the_rest() -> None:
    lexical = _probs([_row(0.01, 0.5), _row(0.6, 0.6)])
    transformer = _probs([_row(0.9, 0.9), _row(0.2, 0.8)])
    out = Combination(0.05, NEVER, 0.5).apply(lexical, transformer)
    assert np.allclose(out["relevant"][0], lexical["relevant"][0])
    assert np.allclose(out["relevant"][1], 0.5 * lexical["relevant"][1] + 0.5 * transformer["relevant"][1])


def test_choice_prefers_the_better_model_on_validation() -> None:
    rng = np.random.default_rng(1)
    n = 300
    y_rel = rng.integers(0, 2, n)
    gold = Gold(y={"relevant": y_rel,
                   "sentiment": np.where(y_rel == 1, rng.integers(0, 3, n), -1),
                   "misinformation": np.where(y_rel == 1, rng.integers(0, 2, n), -1),
                   "topic": np.where(y_rel == 1, rng.integers(0, 11, n), -1)},
                misinformation=np.zeros(n, dtype=bool))
    gold.misinformation = gold.y["misinformation"] == 1

    def onehot(y: np.ndarray, k: int, sure: float) -> np.ndarray:
        y = np.where(y < 0, 0, y)
        p = np.full((n, k), (1 - sure) / (k - 1))
        p[np.arange(n), y] = sure
        return p

    perfect = {h: onehot(gold.y[h], len(c), 0.9) for h, c in HEADS.items()}
    noise = {h: rng.dirichlet(np.ones(len(c)), n) for h, c in HEADS.items()}
    choice, grid = choose(gold, lexical=noise, transformer=perfect)
    assert choice.combination.transformer_weight >= 0.75
    assert choice.score > 0.95 and len(grid) > 50
    # the other way round: the lexical model alone is chosen (and it settles everything)
    choice, _ = choose(gold, lexical=perfect, transformer=noise)
    assert choice.combination.transformer_weight == 0.0 and choice.settled_share == 1.0
