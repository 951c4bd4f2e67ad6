import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from forecast.history import HIGH, DailyHistory, HistoryError
from forecast.simulator import simulate


@pytest.fixture(scope="module")
def sim():
    return simulate(3, seed=11)


def test_deterministic_for_a_seed():
    a, _ = simulate(1, seed=5)
    b, _ = simulate(1, seed=5)
    c, _ = simulate(1, seed=6)
    for name in ("volume", "negative", "misinfo", "alerts"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.volume, c.volume)


def test_shape_and_hidden_parameters_stay_out_of_the_history(sim):
    history, hidden = sim
    assert history.volume.shape == (1095, 34, 11)
    assert {f.name for f in dataclasses.fields(DailyHistory)} == \
        {"start", "provinces", "topics", "volume", "negative", "misinfo", "alerts"}
    assert hidden.episodes and not hasattr(history, "episodes") and not hasattr(history, "size")
    assert (history.negative <= history.volume).all() and (history.misinfo <= history.volume).all()


def test_weekly_and_yearly_seasonality(sim):
    history, _ = sim
    total = history.volume.sum(axis=(1, 2))
    weekday = np.array([(history.start + timedelta(days=int(d))).weekday() for d in range(history.n_days)])
    assert total[weekday >= 5].mean() < 0.85 * total[weekday < 5].mean()
    tet = history.index_of(date(2024, 2, 10))
    around = np.r_[total[tet - 35:tet - 14], total[tet + 14:tet + 35]].mean()
    assert total[tet:tet + 5].mean() < 0.8 * around


def test_events_raise_volume(sim):
    history, _ = sim
    law = history.topics.index("law_policy")
    series = history.volume[:, :, law].sum(axis=1)
    before = series[history.index_of(date(2025, 3, 1)):history.index_of(date(2025, 5, 1))].mean()
    at = series[history.index_of(date(2025, 6, 20)):history.index_of(date(2025, 7, 10))].mean()
    assert at > 1.3 * before


def _follow_up_rate(history: DailyHistory, days: int = 14) -> float:
    """Share of high alerts followed by another high alert in the same topic (any province) within ``days``."""
    high = (history.alerts >= HIGH).any(axis=1)  # [day, topic]
    hits = [high[d + 1:d + 1 + days, t].any() for d, t in zip(*np.nonzero(high)) if d + days < history.n_days]
    return float(np.mean(hits))


def test_crises_cluster(sim):
    """Self-excitation: the same simulator without excitation has far fewer follow-up crises."""
    history, _ = sim
    calm, _ = simulate(3, seed=11, overrides={"self_excite": 0.0, "spill": 0.0, "neg_boost": 0.0})
    assert (calm.alerts >= HIGH).sum() < (history.alerts >= HIGH).sum()
    assert _follow_up_rate(history) > _follow_up_rate(calm) + 0.1


def test_history_validation_names_where():
    history, _ = simulate(0.2, seed=1)
    bad = history.negative.copy()
    bad[3, 2, 1] = history.volume[3, 2, 1] + 1
    with pytest.raises(HistoryError, match=f"negative lớn hơn volume tại {history.start + timedelta(days=3)} / "
                                           f"{history.provinces[2]} / {history.topics[1]}"):
        dataclasses.replace(history, negative=bad)
    with pytest.raises(HistoryError, match="không phải tên tỉnh sau sáp nhập: Bình Dương"):
        dataclasses.replace(history, provinces=("Bình Dương",) + history.provinces[1:])
    with pytest.raises(HistoryError, match=r"misinfo: cần mảng \[ngày, tỉnh, chủ đề\]"):
        dataclasses.replace(history, misinfo=history.misinfo[:, :3])
    with pytest.raises(HistoryError, match="nằm ngoài lịch sử"):
        history.until(history.end + timedelta(days=1))
    assert history.until(history.start + timedelta(days=10)).n_days == 10
