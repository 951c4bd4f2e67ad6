"""The calendar of known events the communication center maintains (``forecast/data/calendar.yaml``).

Strict on purpose: a typo in a date, a topic or a rule must fail loudly with the file and the entry named, never
silently drop an event the forecast depends on. Recurring rules (monthly pension payments, contribution deadlines)
are expanded on demand by :meth:`Calendar.events_between`.
"""

from __future__ import annotations

import calendar as _cal
import math
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

import yaml

from common.schema import Topic

__all__ = ["EVENT_KINDS", "CalendarError", "Effect", "Rule", "Event", "Occurrence", "Calendar", "load_calendar",
           "default_calendar", "parse_calendar", "log_lift"]

EVENT_KINDS = ("holiday", "pension_payment", "contribution_deadline", "settlement_deadline", "policy_effective",
               "base_salary_change")
TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)
_ENTRY_KEYS = {"id", "name", "kind", "topics", "effect"}
_WHEN_KEYS = ("date", "dates", "rule")


class CalendarError(ValueError):
    """An invalid calendar file; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Effect:
    """Expected effect hint: peak multiplier of daily volume, days before, e-folding days after, duration."""

    lift: float
    lead_days: int
    decay_days: float
    span_days: int = 1

    def weight(self, offset: int) -> float:
        """Multiplicative log-lift profile at ``offset`` days from the event's first day, in [0, 1] of log(lift)."""
        if -self.lead_days <= offset < 0:
            return (offset + self.lead_days + 1) / (self.lead_days + 1)
        if 0 <= offset < self.span_days:
            return 1.0
        if offset >= self.span_days:
            return math.exp(-(offset - self.span_days + 1) / self.decay_days)
        return 0.0

    @property
    def reach(self) -> int:
        """Days after the first day the effect is still noticeable (weight ≥ 1 %)."""
        return self.span_days + math.ceil(self.decay_days * math.log(100))


@dataclass(frozen=True, slots=True)
class Rule:
    freq: str  # monthly | quarterly | yearly
    day: int | None  # None = last day of the month
    month: int | None = None  # yearly: 1–12; quarterly: 1–3 (month within the quarter)
    start: date | None = None
    until: date | None = None

    def dates(self, first: date, last: date) -> list[date]:
        out: list[date] = []
        for year in range(first.year, last.year + 1):
            if self.freq == "monthly":
                months = range(1, 13)
            elif self.freq == "quarterly":
                months = range(self.month or 1, 13, 3)
            else:
                months = [self.month or 1]
            for month in months:
                n_days = _cal.monthrange(year, month)[1]
                d = date(year, month, n_days if self.day is None else min(self.day, n_days))
                if first <= d <= last and (self.start is None or d >= self.start) and \
                        (self.until is None or d <= self.until):
                    out.append(d)
        return out


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    name: str
    kind: str
    topics: tuple[str, ...]
    effect: Effect
    dates: tuple[date, ...] = ()
    rule: Rule | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One expanded event day (the first day of its span)."""

    event: Event
    date: date

    @property
    def end(self) -> date:
        return self.date + timedelta(days=self.event.effect.span_days - 1)


@dataclass(frozen=True)
class Calendar:
    events: tuple[Event, ...]
    source: str = "<memory>"

    def events_between(self, start: date, end: date) -> list[Occurrence]:
        """Occurrences whose first day lies in [start, end] (inclusive), recurring rules expanded, by date."""
        if end < start:
            raise ValueError(f"events_between: end {end} is before start {start}")
        out: list[Occurrence] = []
        for event in self.events:
            days = event.rule.dates(start, end) if event.rule else [d for d in event.dates if start <= d <= end]
            out += [Occurrence(event, d) for d in days]
        return sorted(out, key=lambda o: (o.date, o.event.id))


def _fail(source: str, where: str, message: str) -> CalendarError:
    return CalendarError(f"{source}: {where}: {message}")


def _date(value: Any, source: str, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(source, where, f"ngày không hợp lệ {value!r} (cần YYYY-MM-DD)") from None


def _number(raw: dict, key: str, source: str, where: str, *, minimum: float, strict: bool, default: Any = None,
            integer: bool = False) -> Any:
    value = raw.get(key, default)
    if value is None:
        raise _fail(source, where, f"thiếu effect.{key}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise _fail(source, where, f"effect.{key} phải là số{' nguyên' if integer else ''}, không phải {value!r}")
    if value < minimum or (strict and value == minimum):
        raise _fail(source, where, f"effect.{key} = {value} phải {'>' if strict else '≥'} {minimum}")
    return value


def _effect(raw: Any, source: str, where: str) -> Effect:
    if not isinstance(raw, dict):
        raise _fail(source, where, "effect phải là một bảng {lift, lead_days, decay_days, span_days}")
    unknown = set(raw) - {"lift", "lead_days", "decay_days", "span_days"}
    if unknown:
        raise _fail(source, where, f"effect có khóa lạ: {', '.join(sorted(unknown))}")
    return Effect(
        lift=float(_number(raw, "lift", source, where, minimum=0, strict=True)),
        lead_days=_number(raw, "lead_days", source, where, minimum=0, strict=False, integer=True),
        decay_days=float(_number(raw, "decay_days", source, where, minimum=0, strict=True)),
        span_days=_number(raw, "span_days", source, where, minimum=1, strict=False, default=1, integer=True),
    )


def _rule(raw: Any, source: str, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, where, "rule phải là một bảng {freq, day, month}")
    unknown = set(raw) - {"freq", "day", "month", "from", "until"}
    if unknown:
        raise _fail(source, where, f"rule có khóa lạ: {', '.join(sorted(unknown))}")
    freq = raw.get("freq")
    if freq not in ("monthly", "quarterly", "yearly"):
        raise _fail(source, where, f"rule.freq {freq!r} không hợp lệ (monthly, quarterly, yearly)")
    day = raw.get("day")
    if day != "last" and (isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31):
        raise _fail(source, where, f"rule.day {day!r} không hợp lệ (1–31 hoặc last)")
    month = raw.get("month")
    if freq == "monthly" and month is not None:
        raise _fail(source, where, "rule.month không dùng với freq monthly")
    if freq != "monthly":
        top = 12 if freq == "yearly" else 3
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= top:
            raise _fail(source, where, f"rule.month {month!r} không hợp lệ (1–{top} với freq {freq})")
    start = _date(raw["from"], source, where) if "from" in raw else None
    until = _date(raw["until"], source, where) if "until" in raw else None
    return Rule(freq, None if day == "last" else day, month, start, until)


def _event(raw: Any, index: int, source: str, seen: set[str]) -> Event:
    where = f"mục #{index + 1}"
    if not isinstance(raw, dict):
        raise _fail(source, where, "mỗi sự kiện phải là một bảng")
    if isinstance(raw.get("id"), str):
        where = f"mục #{index + 1} ({raw['id']})"
    missing = _ENTRY_KEYS - set(raw)
    if missing:
        raise _fail(source, where, f"thiếu khóa: {', '.join(sorted(missing))}")
    unknown = set(raw) - _ENTRY_KEYS - set(_WHEN_KEYS)
    if unknown:
        raise _fail(source, where, f"khóa lạ: {', '.join(sorted(unknown))}")
    event_id, name, kind = raw["id"], raw["name"], raw["kind"]
    if not isinstance(event_id, str) or not event_id.strip():
        raise _fail(source, where, "id phải là chuỗi không rỗng")
    if event_id in seen:
        raise _fail(source, where, f"id {event_id!r} bị trùng")
    seen.add(event_id)
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, where, "name phải là chuỗi không rỗng")
    if kind not in EVENT_KINDS:
        raise _fail(source, where, f"kind {kind!r} không hợp lệ ({', '.join(EVENT_KINDS)})")
    topics = raw["topics"]
    if not isinstance(topics, list) or not topics:
        raise _fail(source, where, "topics phải là danh sách không rỗng")
    if topics == ["all"]:
        topics = list(TOPICS)
    bad = [t for t in topics if t not in TOPICS]
    if bad:
        raise _fail(source, where, f"topic không hợp lệ: {', '.join(map(str, bad))} (chọn trong {', '.join(TOPICS)})")
    when = [k for k in _WHEN_KEYS if k in raw]
    if len(when) != 1:
        raise _fail(source, where, "cần đúng một trong date, dates, rule")
    dates: tuple[date, ...] = ()
    rule = None
    if when[0] == "date":
        dates = (_date(raw["date"], source, where),)
    elif when[0] == "dates":
        if not isinstance(raw["dates"], list) or not raw["dates"]:
            raise _fail(source, where, "dates phải là danh sách ngày không rỗng")
        dates = tuple(sorted(_date(d, source, where) for d in raw["dates"]))
    else:
        rule = _rule(raw["rule"], source, where)
    return Event(event_id, name.strip(), kind, tuple(topics), _effect(raw["effect"], source, where), dates, rule)


def parse_calendar(doc: Any, source: str = "<memory>") -> Calendar:
    """Validate a parsed YAML document into a :class:`Calendar`."""
    if not isinstance(doc, dict) or set(doc) != {"version", "events"}:
        raise CalendarError(f"{source}: tệp lịch phải có đúng hai khóa: version, events")
    if doc["version"] != 1:
        raise CalendarError(f"{source}: version {doc['version']!r} không được hỗ trợ (chỉ 1)")
    if not isinstance(doc["events"], list):
        raise CalendarError(f"{source}: events phải là danh sách")
    seen: set[str] = set()
    return Calendar(tuple(_event(raw, i, source, seen) for i, raw in enumerate(doc["events"])), source)


def load_calendar(path: Path | str) -> Calendar:
    """Load and validate a calendar YAML file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(f"{path}: không đọc được tệp lịch: {error}") from error
    except yaml.YAMLError as error:
        raise CalendarError(f"{path}: YAML không hợp lệ: {error}") from error
    return parse_calendar(doc, str(path))


def default_calendar() -> Calendar:
    """The calendar shipped in ``forecast/data/calendar.yaml``."""
    with resources.as_file(resources.files("forecast").joinpath("data/calendar.yaml")) as path:
        return load_calendar(path)


def log_lift(calendar: Calendar, start: date, n_days: int, topics: tuple[str, ...] = TOPICS,
             lift_of: Any = None) -> "np.ndarray":
    """Sum over events of ``log(lift) × profile`` per day and topic: array [n_days, len(topics)].

    ``lift_of(event) -> float`` overrides the hinted lift (the simulator uses its hidden true lifts; models use
    the hints). Events starting before ``start`` are included when their effect still reaches the window.
    """
    import numpy as np

    out = np.zeros((n_days, len(topics)))
    column = {t: i for i, t in enumerate(topics)}
    end = start + timedelta(days=n_days - 1)
    horizon = max((e.effect.reach for e in calendar.events), default=0)
    lead = max((e.effect.lead_days for e in calendar.events), default=0)
    for occ in calendar.events_between(start - timedelta(days=horizon), end + timedelta(days=lead)):
        effect = occ.event.effect
        lift = effect.lift if lift_of is None else lift_of(occ.event)
        cols = [column[t] for t in occ.event.topics if t in column]
        first = (occ.date - start).days
        for offset in range(-effect.lead_days, effect.reach + 1):
            day = first + offset
            if 0 <= day < n_days:
                out[day, cols] += math.log(lift) * effect.weight(offset)
    return out
