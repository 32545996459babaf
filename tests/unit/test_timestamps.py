"""Stored moments: text that sorts as time, read back as the same aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from storage.timestamps import Moment, stamp, stamp_values

zones = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)


class Row(BaseModel):
    at: Moment


@given(moments)
def test_a_stamp_reads_back_as_the_same_moment_in_utc(at: datetime) -> None:
    read = Row.model_validate({"at": stamp(at)}).at
    assert read == at
    assert read.tzinfo is UTC


@given(moments, moments)
def test_stamps_sort_as_time(a: datetime, b: datetime) -> None:
    assert (stamp(a) < stamp(b)) == (a < b)


def test_naive_times_are_refused_on_both_sides() -> None:
    with pytest.raises(ValueError):
        stamp(datetime(2026, 3, 2, 9, 0))
    with pytest.raises(ValidationError):
        Row.model_validate({"at": datetime(2026, 3, 2, 9, 0)})


def test_rows_written_before_milliseconds_still_read() -> None:
    assert Row.model_validate({"at": "2026-03-02T01:00:00Z"}).at == datetime(2026, 3, 2, 1, tzinfo=UTC)
    assert stamp_values({"done_at": datetime(2026, 3, 2, 1, tzinfo=UTC), "n": 3}) == {
        "done_at": "2026-03-02T01:00:00.000Z",
        "n": 3,
    }
