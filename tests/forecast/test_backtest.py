import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from forecast.backtest import ModelScore, brier, brier_skill, coverage, mase, pick, reliability, roc_auc
from common.settings import get_settings
from forecast.cli import register
from forecast.run import read_model_choice


def test_metrics_on_a_hand_checkable_case():
    insample = np.array([1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9], float)  # lag-7 diffs: 2 each → scale 2
    assert mase([10, 10], [7, 13], insample) == pytest.approx(3 / 2)
    assert brier([0.9, 0.2, 0.5], [1, 0, 1]) == pytest.approx((0.01 + 0.04 + 0.25) / 3)
    # reference always 0.5: Brier 0.25 → skill 1 − 0.1 / 0.25 = 0.6
    assert brier_skill([0.9, 0.2, 0.5], [0.5] * 3, [1, 0, 1]) == pytest.approx(1 - 0.1 / 0.25)
    assert roc_auc([0.9, 0.2, 0.5, 0.1], [1, 0, 1, 0]) == 1.0
    assert roc_auc([0.1, 0.2], [0, 0]) is None
    assert coverage(np.array([1, 5, 9]), np.array([0, 6, 8]), np.array([2, 7, 10])) == pytest.approx(2 / 3)
    bins = reliability([0.1, 0.1, 0.9, 0.9], [0, 1, 1, 1], bins=2)
    assert bins == [{"p_mean": 0.1, "observed": 0.5, "count": 2}, {"p_mean": 0.9, "observed": 1.0, "count": 2}]
    with pytest.raises(ValueError, match="MASE không xác định"):
        mase([1], [1], np.ones(10))


def _score(name, mase_value, brier_value):
    return ModelScore(name, name, {}, {"volume": mase_value, "negative": mase_value, "misinfo": mase_value}, {},
                      brier_value, 0.0, None, [], 0.0, 0.0)


def test_pick_rule():
    # lowest Brier wins only among models within 5 % of the best volume MASE
    scores = {"a": _score("a", 1.0, 0.02), "b": _score("b", 1.04, 0.015), "c": _score("c", 1.2, 0.01)}
    assert pick(scores) == "b"


def test_cli_backtest_learned_model_beats_climatology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A real check that can fail: on a simulated history the learned model's crisis probability has a
    positive Brier skill over climatology. The pick is stored for `forecast run`."""
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(tmp_path / "state"))
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    out = tmp_path / "bt"
    result = CliRunner().invoke(app, ["forecast", "backtest", "--years", "2", "--weeks", "10", "--seed", "4",
                                      "--refit-every", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Kiểm định lùi" in result.output and "Mô hình được chọn" in result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert len(metrics["origins"]) == 10 and metrics["positives"] > 20
    models = metrics["models"]
    assert set(models) == {"seasonal_naive", "moving_average", "climatology", "gradient_boosting"}
    assert models["climatology"]["brier_skill"] == pytest.approx(0.0)
    assert models["gradient_boosting"]["brier_skill"] > 0.05
    assert models["gradient_boosting"]["roc_auc"] > models["climatology"]["roc_auc"]
    for png in ("reliability.png", "errors.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    choice = json.loads((tmp_path / "state" / "forecast" / "model.json").read_text(encoding="utf-8"))
    assert choice["model"] == metrics["pick"]
    assert read_model_choice(tmp_path / "state" / "forecast")[0] == metrics["pick"]
    get_settings.cache_clear()


def test_cli_rejects_too_short_history():
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register(app)
    result = CliRunner().invoke(app, ["forecast", "backtest", "--years", "1"])
    assert result.exit_code == 2 and "--years phải ≥ 2" in result.output
