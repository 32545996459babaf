"""The working-day calendar: weekends, holidays, make-up working days, and the clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.filing.workdays import DAY, CalendarError, FixedClock, WorkCalendar, parse_iso
from storage.timestamps import stamp
from tests.support.clock import ManualClock

CAL = WorkCalendar.from_yaml()
CST = CAL.tz


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)


def test_bundled_calendar() -> None:
    assert CAL.is_maintained(2026)
    assert not CAL.is_working_day(date(2026, 10, 1))  # National Day (Thursday)
    assert CAL.is_working_day(date(2026, 10, 10))  # make-up working Saturday
    assert not CAL.is_working_day(date(2026, 3, 7))  # ordinary Saturday
    assert CAL.is_working_day(date(2026, 3, 9))


def test_add_working_days_over_a_holiday() -> None:
    # Wednesday 30 September 2026, 10:00: the next working day is Thursday 8 October (after 国庆).
    assert CAL.add_working_days(cst(2026, 9, 30, 10), 1) == cst(2026, 10, 8, 10)
    assert CAL.working_seconds_between(cst(2026, 9, 30, 10), cst(2026, 10, 8, 10)) == DAY


def test_make_up_working_day_counts() -> None:
    # Friday 9 October 10:00 + 1 working day = Saturday 10 October 10:00 (调休上班).
    assert CAL.add_working_days(cst(2026, 10, 9, 10), 1) == cst(2026, 10, 10, 10)
    # Friday 13 February + 1 = Saturday 14 February (make-up day before 春节); +2 jumps the festival.
    assert CAL.add_working_days(cst(2026, 2, 13, 15), 1) == cst(2026, 2, 14, 15)
    assert CAL.add_working_days(cst(2026, 2, 13, 15), 2) == cst(2026, 2, 24, 15)


def test_weekend_start_counts_from_monday() -> None:
    assert CAL.add_working_days(cst(2026, 3, 7, 10), 1) == cst(2026, 3, 10, 0)
    assert CAL.working_seconds_between(cst(2026, 3, 7, 0), cst(2026, 3, 9, 0)) == 0


def test_fifteen_working_days() -> None:
    assert CAL.add_working_days(cst(2026, 3, 2, 9), 15) == cst(2026, 3, 23, 9)
    assert CAL.add_working_days(cst(2026, 4, 30, 9), 15) == cst(2026, 5, 25, 9)  # 劳动节 1-5 May, 9 May worked


def test_custom_calendar_and_errors() -> None:
    cal = WorkCalendar.from_mapping(
        {"timezone": "+00:00", "holidays": [{"date": "2030-01-07"}], "workdays": [{"date": "2030-01-05"}]}
    )
    assert cal.is_working_day(date(2030, 1, 5)) and not cal.is_working_day(date(2030, 1, 7))
    assert not cal.is_maintained(2030)
    with pytest.raises(CalendarError):
        WorkCalendar([date(2030, 1, 1)], [date(2030, 1, 1)])
    with pytest.raises(CalendarError):
        WorkCalendar.from_mapping({"holidays": [{"from": "2030-01-05", "to": "2030-01-01"}]})
    with pytest.raises(ValueError):
        CAL.add_working_seconds(cst(2026, 1, 5), -1)


instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)


@given(instants, st.integers(min_value=0, max_value=30 * DAY))
def test_add_then_measure_gives_the_same_working_time(start: datetime, seconds: int) -> None:
    end = CAL.add_working_seconds(start, seconds)
    assert end >= start
    assert CAL.working_seconds_between(start, end) == seconds


@given(instants, instants)
def test_working_time_is_antisymmetric_and_bounded(a: datetime, b: datetime) -> None:
    forward = CAL.working_seconds_between(a, b)
    assert forward == -CAL.working_seconds_between(b, a)
    assert abs(forward) <= abs((b - a).total_seconds())


def test_clocks_and_iso() -> None:
    moment = datetime(2026, 3, 2, 1, 0, 0, 123000, tzinfo=UTC)
    assert FixedClock(moment).now() == moment
    clock = ManualClock(moment)
    assert clock.advance(hours=2) == moment + timedelta(hours=2)
    clock.set(moment)
    assert clock.now() == moment
    assert stamp(moment) == "2026-03-02T01:00:00.123Z"
    assert parse_iso(stamp(moment)) == moment
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))
