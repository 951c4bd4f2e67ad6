"""A documented generative model of daily mention counts per (province, topic): the stand-in for the history we
do not have. Everything a forecaster could exploit is listed here and in ``docs/forecast.md``; the forecasters only
ever receive the :class:`~forecast.history.DailyHistory` and the public calendar, never :class:`HiddenParams`.

Daily expected volume of cell (p, t) on day d (before crises)::

    base[d,p,t] = size[p] · rate[t] · weekly[dow(d), t] · yearly[doy(d), t] · trend(d) · exp(event[d,t])

- ``size``: skewed, population-like province weights (log-normal, the two big cities largest), mean 1;
- ``rate``: topic base rates (mentions per day in an average province);
- ``weekly``: weekday profile per topic (weekends 55–80 % of a weekday, Monday highest);
- ``yearly``: a mid-year (June–July) and a year-end (December) peak with topic-specific amplitudes;
- ``trend``: slow growth of the listening coverage (``growth`` per year);
- ``event``: calendar events (Tết dip, pension payment days, deadlines, policy dates) with the calendar's profile
  (lead, span, decay) but a hidden TRUE lift = hint ** gamma[event] (gamma ~ U(0.6, 1.4)): the hint is only a hint.

Counts are gamma-Poisson (negative binomial, dispersion ``dispersion``) around the expected volume plus the excess
volume of active crisis episodes. Crisis episodes (the kinds of ARCHITECTURE.md §5, table ``KINDS``) start in a cell
with a daily hazard::

    hazard = base_hazard[kind] · topic_fit · (1 + event_boost[kind] · window(d, t))
             · min(max_excite, (1 + self_excite · E_cell + spill · E_topic)
                              · (1 + neg_boost · max(0, neg_share_7d − usual − 0.1)))

where ``E_cell`` / ``E_topic`` are exponentially decaying (``memory_days``) sums of past episode magnitudes in the
same cell / the same topic nationally (Hawkes-like self-excitation and spread between provinces). An episode has a
quiet *precursor* (a few days of slightly raised volume with crisis-like negative and misinformation shares, the
slow-burn's long ramp), then a *main phase* peaking at ``M ×`` the cell's usual volume and decaying exponentially.
The alert opens on the main phase's first day with a severity from the magnitude ``M`` (``SEVERITY_CUTS``).
VssID outages are national: on a contribution/settlement deadline day, with probability ``outage_prob``, one hits
a random, size-weighted share of provinces at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from forecast.event_calendar import Calendar, default_calendar, log_lift
from forecast.history import PROVINCES, TOPICS, DailyHistory

__all__ = ["CrisisKind", "KINDS", "SEVERITY_CUTS", "BUILD_UP", "Episode", "HiddenParams", "simulate"]


@dataclass(frozen=True)
class CrisisKind:
    name: str
    topics: tuple[str, ...]
    base_hazard: float  # per cell-day, before multipliers
    magnitude: tuple[float, float]  # log-normal (mu, sigma) of M, the main-phase peak excess / usual volume
    precursor: tuple[int, int]  # precursor length range in days (inclusive)
    decay_days: float
    negative: float  # negative share of the excess volume
    misinfo: float  # misinformation share of the excess volume
    triggers: tuple[str, ...] = ()  # calendar kinds whose windows raise the hazard
    event_boost: float = 0.0


KINDS: tuple[CrisisKind, ...] = (
    CrisisKind("rumor_wave", ("one_time_withdrawal", "law_policy", "pension", "health_insurance"),
               2.5e-3, (0.9, 0.8), (2, 7), 2.5, 0.55, 0.65, ("policy_effective", "base_salary_change"), 7.0),
    CrisisKind("scam_wave", ("scam_impersonation", "vssid_app", "pension"),
               2.5e-3, (0.9, 0.8), (3, 8), 5.0, 0.45, 0.55, ("pension_payment",), 1.0),
    CrisisKind("staff_video", ("service_quality", "health_insurance"),
               1e-3, (1.1, 0.9), (0, 0), 1.5, 0.85, 0.10),
    CrisisKind("contribution_evasion", ("contribution_evasion", "unemployment"),
               2e-3, (0.9, 0.8), (5, 14), 8.0, 0.70, 0.05, ("contribution_deadline", "settlement_deadline"), 2.0),
    CrisisKind("slow_burn", ("pension", "service_quality", "unemployment", "maternity_sickness"),
               1.5e-3, (1.0, 0.6), (10, 28), 10.0, 0.75, 0.08),
    CrisisKind("outage", ("vssid_app", "service_quality"),
               2e-4, (1.2, 0.7), (0, 0), 1.0, 0.80, 0.05),
)
#: magnitude M → severity code (forecast.history.SEVERITIES): < 1.5 low, < 3 medium, < 6 high, else critical
SEVERITY_CUTS = (1.5, 3.0, 6.0)
#: the precursor's last day reaches this share of the main phase's peak excess
BUILD_UP = 0.6


@dataclass(frozen=True)
class Episode:
    kind: str
    province: int
    topic: int
    start: int  # day index of the precursor's first day
    main: int  # day index of the main phase's first day (= the alert day)
    magnitude: float
    severity: int


@dataclass(frozen=True)
class HiddenParams:
    """What the simulator knows and the forecasters must never see."""

    seed: int
    size: np.ndarray  # [P]
    rate: np.ndarray  # [T]
    weekly: np.ndarray  # [7, T]
    yearly_amp: np.ndarray  # [2, T]: mid-year and year-end peak amplitudes (log)
    growth: float
    dispersion: float
    event_gamma: dict[str, float]
    neg_base: np.ndarray  # [T] usual negative share
    mis_base: np.ndarray  # [T] usual misinformation share
    self_excite: float = 1.0
    spill: float = 6.0
    neg_boost: float = 2.0
    max_excite: float = 5.0
    memory_days: float = 12.0
    outage_prob: float = 0.35
    episodes: list[Episode] = field(default_factory=list)


def _params(rng: np.random.Generator, seed: int, calendar: Calendar, provinces: tuple[str, ...]) -> HiddenParams:
    size = np.sort(rng.lognormal(0.0, 0.8, len(provinces)))[::-1]
    order = sorted(range(len(provinces)),
                   key=lambda i: (provinces[i] not in ("Thành phố Hồ Chí Minh", "Hà Nội"), rng.random()))
    weights = np.empty(len(provinces))
    weights[order] = size
    rate = np.array([6, 5, 8, 3, 2, 4, 2, 3, 2, 3, 5], float) * rng.uniform(0.8, 1.2, len(TOPICS))
    weekly = np.ones((7, len(TOPICS)))
    weekly[0] = rng.uniform(1.05, 1.2, len(TOPICS))
    weekly[5] = rng.uniform(0.65, 0.8, len(TOPICS))
    weekly[6] = rng.uniform(0.55, 0.7, len(TOPICS))
    return HiddenParams(
        seed=seed, size=weights / weights.mean(), rate=rate, weekly=weekly,
        yearly_amp=np.vstack([rng.uniform(0.05, 0.35, len(TOPICS)), rng.uniform(0.05, 0.3, len(TOPICS))]),
        growth=float(rng.uniform(0.05, 0.15)), dispersion=float(rng.uniform(8, 15)),
        event_gamma={e.id: float(rng.uniform(0.6, 1.4)) for e in calendar.events},
        neg_base=rng.uniform(0.12, 0.3, len(TOPICS)), mis_base=rng.uniform(0.01, 0.05, len(TOPICS)),
    )


def _expected(params: HiddenParams, calendar: Calendar, start: date, n_days: int) -> np.ndarray:
    """Usual expected volume [day, province, topic] (no crises)."""
    days = np.arange(n_days)
    dow = np.array([(start + timedelta(days=int(d))).weekday() for d in days])
    doy = np.array([(start + timedelta(days=int(d))).timetuple().tm_yday for d in days])
    mid = np.exp(-0.5 * ((doy - 185) / 25.0) ** 2)
    year_end = np.exp(-0.5 * (np.minimum(np.abs(doy - 350), 365 - np.abs(doy - 350)) / 18.0) ** 2)
    log_t = (params.yearly_amp[0][None] * mid[:, None] + params.yearly_amp[1][None] * year_end[:, None]
             + np.log(params.weekly[dow]) + (params.growth * days / 365.0)[:, None]
             + log_lift(calendar, start, n_days, TOPICS,
                        lambda e: e.effect.lift ** params.event_gamma.get(e.id, 1.0)))
    return np.exp(log_t)[:, None, :] * params.size[None, :, None] * params.rate[None, None, :]


def _windows(calendar: Calendar, start: date, n_days: int) -> dict[str, np.ndarray]:
    """Per calendar kind, [day, topic] in {0, 1}: inside an event's crisis-prone window (lead → 10 days after)."""
    out: dict[str, np.ndarray] = {}
    column = {t: i for i, t in enumerate(TOPICS)}
    for occ in calendar.events_between(start - timedelta(days=30), start + timedelta(days=n_days + 30)):
        window = out.setdefault(occ.event.kind, np.zeros((n_days, len(TOPICS))))
        first = (occ.date - start).days
        lo, hi = max(0, first - max(occ.event.effect.lead_days, 3)), min(n_days, first + 10)
        if lo < hi:
            window[lo:hi, [column[t] for t in occ.event.topics]] = 1.0
    return out


def _deadline_days(calendar: Calendar, start: date, n_days: int) -> set[int]:
    return {(o.date - start).days for o in calendar.events_between(start, start + timedelta(days=n_days - 1))
            if o.event.kind in ("contribution_deadline", "settlement_deadline")}


def simulate(years: float = 3.0, *, seed: int = 0, start: date = date(2023, 1, 2),
             calendar: Calendar | None = None,
             provinces: tuple[str, ...] = PROVINCES,
             overrides: dict[str, float] | None = None) -> tuple[DailyHistory, HiddenParams]:
    """Simulate ``years`` of daily history from ``start``; deterministic for a given seed and calendar.
    ``overrides`` replaces scalar hidden parameters (e.g. ``{"self_excite": 0, "spill": 0}`` for experiments)."""
    if years <= 0:
        raise ValueError("years phải > 0")
    calendar = calendar or default_calendar()
    rng = np.random.default_rng(seed)
    n_days = int(round(years * 365))
    params = _params(rng, seed, calendar, provinces)
    if overrides:
        params = replace(params, **overrides)
    n_p, n_t = len(provinces), len(TOPICS)
    usual = _expected(params, calendar, start, n_days)
    cell_mean = usual.mean(axis=0)  # [P, T]: the "usual volume" crisis magnitudes are relative to
    windows = _windows(calendar, start, n_days)
    deadlines = _deadline_days(calendar, start, n_days)
    pad = 120
    excess = np.zeros((n_days + pad, n_p, n_t))
    excess_neg = np.zeros_like(excess)
    excess_mis = np.zeros_like(excess)
    volume = np.zeros((n_days, n_p, n_t), np.int64)
    negative = np.zeros_like(volume)
    misinfo = np.zeros_like(volume)
    alerts = np.zeros_like(volume, dtype=np.int8)
    e_cell = np.zeros((n_p, n_t))
    decay = math.exp(-1.0 / params.memory_days)
    fits = {k.name: np.isin(np.array(TOPICS), k.topics).astype(float) for k in KINDS}
    kinds = {k.name: k for k in KINDS}
    neg_7 = np.zeros((7, n_p, n_t))
    vol_7 = np.zeros((7, n_p, n_t))
    starts: dict[int, list[Episode]] = {}

    def add_episode(kind: CrisisKind, d: int, p: int, t: int, magnitude: float, precursor: int) -> None:
        main = d + precursor
        if main >= n_days:
            return
        tail = np.arange(min(pad, n_days - main))
        profile = np.zeros(precursor + len(tail))
        ramp = (np.arange(precursor) + 1) / max(precursor, 1)
        # build-up (posts in groups and comments before the wave goes mainstream): rises to BUILD_UP × the peak
        profile[:precursor] = ramp ** 1.5 * BUILD_UP
        profile[precursor:] = np.exp(-tail / kind.decay_days)
        profile *= cell_mean[p, t] * magnitude
        span = slice(d, d + len(profile))
        excess[span, p, t] += profile
        excess_neg[span, p, t] += profile * kind.negative
        excess_mis[span, p, t] += profile * kind.misinfo
        severity = 1 + int(np.searchsorted(SEVERITY_CUTS, magnitude, side="right"))
        alerts[main, p, t] = max(alerts[main, p, t], severity)
        episode = Episode(kind.name, p, t, d, main, float(magnitude), severity)
        params.episodes.append(episode)
        starts.setdefault(main, []).append(episode)

    outage = kinds["outage"]
    outage_topic = TOPICS.index("vssid_app")
    for d in range(n_days):
        # hazard from state up to yesterday
        e_topic = e_cell.mean(axis=0, keepdims=True)
        neg_share = neg_7.sum(0) / np.maximum(vol_7.sum(0), 1.0)
        neg_excess = np.clip(neg_share - params.neg_base[None, :] - 0.1, 0.0, None)
        excite = np.minimum((1 + params.self_excite * e_cell + params.spill * e_topic)
                            * (1 + params.neg_boost * neg_excess), params.max_excite)
        for kind in KINDS:
            hazard = kind.base_hazard * fits[kind.name][None, :] * excite
            for trigger in kind.triggers:
                if trigger in windows:
                    hazard = hazard * (1 + kind.event_boost * windows[trigger][d][None, :])
            for p, t in zip(*np.nonzero(rng.random((n_p, n_t)) < np.minimum(hazard, 0.5))):
                add_episode(kind, d, int(p), int(t), float(rng.lognormal(*kind.magnitude)),
                            int(rng.integers(kind.precursor[0], kind.precursor[1] + 1)))
        if d in deadlines and rng.random() < params.outage_prob:
            share = rng.uniform(0.2, 0.8)
            hit = rng.random(n_p) < np.clip(share * params.size / params.size.mean(), 0, 0.95)
            common = float(rng.lognormal(*outage.magnitude))
            for p in np.nonzero(hit)[0]:
                add_episode(outage, d, int(p), outage_topic, common * float(rng.lognormal(0, 0.3)), 0)
        # today's counts
        mean = usual[d] + excess[d]
        lam = rng.gamma(params.dispersion, mean / params.dispersion)
        volume[d] = rng.poisson(lam)
        share_neg = np.clip((usual[d] * params.neg_base[None, :] + excess_neg[d]) / mean, 0, 1)
        share_mis = np.clip((usual[d] * params.mis_base[None, :] + excess_mis[d]) / mean, 0, 1)
        negative[d] = rng.binomial(volume[d], share_neg)
        misinfo[d] = rng.binomial(volume[d], share_mis)
        neg_7[d % 7], vol_7[d % 7] = negative[d], volume[d]
        e_cell = e_cell * decay
        for ep in starts.pop(d, ()):
            e_cell[ep.province, ep.topic] += ep.magnitude
    history = DailyHistory(start, tuple(provinces), TOPICS, volume, negative, misinfo, alerts)
    return history, params
