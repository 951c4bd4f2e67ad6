"""How the lexical model and the transformer are combined, chosen on the validation split.

A cascade: the lexical model runs on everything (it is ~100× cheaper); it *settles* a mention when it is sure —
clearly irrelevant (P(relevant) < ``settle_irrelevant``) or sure on every head (each head's top probability ≥
``settle_confident``). The rest go to the transformer, whose calibrated probabilities are blended with the lexical
ones (weight ``transformer_weight``; 1.0 = transformer alone). Lexical-only and transformer-only are the corner
cases of the same grid, so the choice between them is made by the same validation score.
"""
from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np

from classifier.heads import HEADS
from classifier.metrics import Gold, overall, quality

NEVER = 1.01  # a confidence threshold no probability reaches


@dataclass(frozen=True)
class Combination:
    settle_irrelevant: float = 0.0
    settle_confident: float = NEVER
    transformer_weight: float = 1.0

    def settled(self, lexical: dict[str, np.ndarray]) -> np.ndarray:
        """Mask of the mentions the lexical model settles alone (all of them when the transformer has no weight)."""
        sure = np.ones(len(lexical["relevant"]), dtype=bool)
        if self.transformer_weight == 0:
            return sure
        for head in HEADS:
            sure &= lexical[head].max(1) >= self.settle_confident
        return (lexical["relevant"][:, 1] < self.settle_irrelevant) | sure

    def blend(self, lexical: dict[str, np.ndarray], transformer: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        w = self.transformer_weight
        return {h: w * transformer[h] + (1 - w) * lexical[h] for h in HEADS}

    def apply(self, lexical: dict[str, np.ndarray], transformer: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Final probabilities when the transformer's output is known for every row (evaluation)."""
        settled = self.settled(lexical)
        blended = self.blend(lexical, transformer)
        return {h: np.where(settled[:, None], lexical[h], blended[h]) for h in HEADS}

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class Choice:
    combination: Combination
    score: float
    settled_share: float
    figures: dict[str, float]


GRID_IRRELEVANT = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4)
GRID_CONFIDENT = (NEVER, 0.99, 0.97, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7)
GRID_WEIGHT = (0.0, 0.25, 0.5, 0.6, 0.75, 0.9, 1.0)


def choose(gold: Gold, lexical: dict[str, np.ndarray], transformer: dict[str, np.ndarray], *,
           tolerance: float = 0.005) -> tuple[Choice, list[Choice]]:
    """Best validation score; among choices within ``tolerance`` of it, the one that settles the most mentions
    lexically (the fastest). Returns the choice and the whole grid, for the report."""
    grid = []
    for irr, conf, w in itertools.product(GRID_IRRELEVANT, GRID_CONFIDENT, GRID_WEIGHT):
        if w == 0.0 and (irr, conf) != (0.0, NEVER):
            continue  # lexical only: settling is moot
        comb = Combination(irr, conf, w)
        settled = float(comb.settled(lexical).mean())
        figures = quality(gold, comb.apply(lexical, transformer))
        grid.append(Choice(comb, overall(figures), settled, figures))
    best = max(c.score for c in grid)
    near = [c for c in grid if c.score >= best - tolerance]
    return max(near, key=lambda c: (c.settled_share, c.score)), grid
