"""Temperature scaling makes over-confident probabilities honest without changing any decision."""
from __future__ import annotations

import numpy as np

from classifier.calibration import expected_calibration_error, fit_temperature, softmax


def _overconfident(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(0, 1.5, size=(n, 3))
    p = softmax(true_logits)
    y = np.array([rng.choice(3, p=row) for row in p])
    return true_logits * 4.0, y  # a model 4× too sure of itself


def test_fitted_temperature_recovers_the_overconfidence() -> None:
    logits, y = _overconfident()
    t = fit_temperature(logits, y)
    assert 3.2 < t < 4.8
    before = softmax(logits)
    after = softmax(logits, t)
    assert (before.argmax(1) == after.argmax(1)).all()
    ece_before = expected_calibration_error(before.max(1), before.argmax(1) == y)
    ece_after = expected_calibration_error(after.max(1), after.argmax(1) == y)
    assert ece_after < ece_before / 3


def test_softmax_handles_classes_never_seen_in_training() -> None:
    p = softmax(np.array([[0.0, -np.inf, 1.0]]), 2.0)
    assert p[0, 1] == 0 and abs(p.sum() - 1) < 1e-9
