from datetime import date
from pathlib import Path

import pytest
import yaml

from forecast.event_calendar import CalendarError, default_calendar, load_calendar, log_lift, parse_calendar

TET = [date(2023, 1, 22), date(2024, 2, 10), date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6),
       date(2028, 1, 26)]


def _entry(**over):
    entry = {"id": "x", "name": "Sự kiện", "kind": "policy_effective", "topics": ["pension"],
             "effect": {"lift": 1.5, "lead_days": 2, "decay_days": 3}, "date": "2025-07-01"}
    entry.update(over)
    return {k: v for k, v in entry.items() if v is not None}


def test_shipped_calendar_has_exact_tet_dates_and_policy_dates():
    cal = default_calendar()
    tet = [o.date for o in cal.events_between(date(2023, 1, 1), date(2028, 12, 31)) if o.event.id == "tet"]
    assert tet == TET
    july_2025 = {o.event.id for o in cal.events_between(date(2025, 7, 1), date(2025, 7, 1))}
    assert {"law-41-2024", "province-merger-2025"} <= july_2025


def test_recurring_rules_expand():
    cal = default_calendar()
    occ = cal.events_between(date(2024, 1, 1), date(2024, 12, 31))
    pension = [o.date for o in occ if o.event.id == "pension-payment"]
    assert pension == [date(2024, m, 2) for m in range(1, 13)]
    monthly = [o.date for o in occ if o.event.id == "monthly-contribution-deadline"]
    assert date(2024, 2, 29) in monthly and date(2024, 4, 30) in monthly and len(monthly) == 12
    quarterly = [o.date for o in occ if o.event.id == "quarterly-contribution-deadline"]
    assert quarterly == [date(2024, 1, 31), date(2024, 4, 30), date(2024, 7, 31), date(2024, 10, 31)]
    # a rule bounded by `from`
    assert not [o for o in occ if o.event.id == "pension-increase-2026"]
    assert [o.date for o in cal.events_between(date(2026, 1, 1), date(2026, 12, 31))
            if o.event.id == "pension-increase-2026"] == [date(2026, 7, 1)]


def test_log_lift_dips_at_tet_and_rises_before_a_policy_date():
    cal = default_calendar()
    lift = log_lift(cal, date(2025, 1, 1), 365)
    tet = lift[(date(2025, 1, 30) - date(2025, 1, 1)).days]
    assert (tet < 0).all() and tet[10] < -0.5  # Tết dip in every topic ("other" has no deadline overlapping)
    law = lift[(date(2025, 7, 1) - date(2025, 1, 1)).days, 7]  # law_policy
    assert law > 0.7 and law > lift[(date(2025, 4, 15) - date(2025, 1, 1)).days, 7]


@pytest.mark.parametrize("entry, message", [
    (_entry(topics=["pensions"]), "topic không hợp lệ: pensions"),
    (_entry(kind="party"), "kind 'party' không hợp lệ"),
    (_entry(date=None), "cần đúng một trong date, dates, rule"),
    (_entry(rule={"freq": "monthly", "day": 2}), "cần đúng một trong date, dates, rule"),
    (_entry(date="2025-13-01"), "ngày không hợp lệ '2025-13-01'"),
    (_entry(effect={"lift": 0, "lead_days": 1, "decay_days": 1}), "effect.lift = 0 phải > 0"),
    (_entry(effect={"lift": 1.2, "lead_days": 1}), "thiếu effect.decay_days"),
    (_entry(date=None, rule={"freq": "weekly", "day": 1}), "rule.freq 'weekly' không hợp lệ"),
    (_entry(date=None, rule={"freq": "yearly", "day": 1}), "rule.month None không hợp lệ"),
    (_entry(colour="red"), "khóa lạ: colour"),
])
def test_schema_errors_name_the_file_and_entry(entry, message):
    with pytest.raises(CalendarError) as error:
        parse_calendar({"version": 1, "events": [_entry(id="ok"), entry]}, "lich.yaml")
    assert str(error.value).startswith("lich.yaml: mục #2 (x): ")
    assert message in str(error.value)


def test_duplicate_ids_and_bad_files(tmp_path: Path):
    with pytest.raises(CalendarError, match="id 'x' bị trùng"):
        parse_calendar({"version": 1, "events": [_entry(), _entry()]})
    with pytest.raises(CalendarError, match="version 2 không được hỗ trợ"):
        parse_calendar({"version": 2, "events": []})
    broken = tmp_path / "calendar.yaml"
    broken.write_text("version: 1\nevents: [\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=f"{broken}: YAML không hợp lệ"):
        load_calendar(broken)
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"version": 1, "events": [_entry()]}), encoding="utf-8")
    assert [o.date for o in load_calendar(good).events_between(date(2025, 1, 1), date(2025, 12, 31))] == \
        [date(2025, 7, 1)]
