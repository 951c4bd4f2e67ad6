from datetime import timedelta

import numpy as np
import pytest

from forecast.event_calendar import default_calendar
from forecast.models import MODELS, SERIES, GradientBoosting, fit_dispersion, nb_band
from forecast.simulator import simulate


@pytest.fixture(scope="module")
def data():
    history, _ = simulate(1.5, seed=3)
    origin = history.end - timedelta(days=14)
    return history, origin, default_calendar()


@pytest.mark.parametrize("name", list(MODELS))
def test_forecast_shape_intervals_and_probabilities(data, name):
    history, origin, calendar = data
    kwargs = {"max_rows": 5000, "max_iter": 20} if name == "gradient_boosting" else {}
    model = MODELS[name](**kwargs).fit(history.until(origin), calendar)
    forecast = model.predict(origin, 7)
    assert forecast.dates[0] == origin and forecast.horizon == 7
    for s in SERIES:
        band = getattr(forecast, s)
        assert band.mean.shape == (7, 34, 11)
        assert (band.lo <= band.mean).all() and (band.mean <= band.hi).all() and (band.lo < band.hi).any()
    assert forecast.p_high.shape == (34, 11) and ((0 <= forecast.p_high) & (forecast.p_high <= 1)).all()
    # the full history cannot leak the future: the forecast only uses days before the origin
    leaked = model.predict(origin, 7, history=history)
    assert np.array_equal(leaked.volume.mean, forecast.volume.mean)
    assert np.array_equal(leaked.p_high, forecast.p_high)


def test_predict_needs_fit_and_enough_history(data):
    history, origin, calendar = data
    with pytest.raises(RuntimeError, match="gọi fit"):
        GradientBoosting().predict(origin)
    with pytest.raises(ValueError, match="cần ít nhất 42 ngày"):
        MODELS["climatology"]().fit(history.until(history.start + timedelta(days=30)), calendar)


def test_negative_binomial_band():
    band = nb_band(np.array([0.0, 10.0, 100.0]), k=5.0)
    assert band.lo[0] == band.hi[0] == 0
    assert band.lo[1] < 10 < band.hi[1] and band.hi[2] - band.lo[2] > band.hi[1] - band.lo[1]
    rng = np.random.default_rng(0)
    mean = np.full(20000, 20.0)
    draws = rng.negative_binomial(4.0, 4.0 / (4.0 + mean))
    assert fit_dispersion(draws, mean) == pytest.approx(4.0, rel=0.1)
    band = nb_band(mean, fit_dispersion(draws, mean))
    assert np.mean((draws >= band.lo) & (draws <= band.hi)) == pytest.approx(0.8, abs=0.04)
