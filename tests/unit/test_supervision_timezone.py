"""One time zone (CADREBOT_TIMEZONE, default Asia/Shanghai) for every displayed time and day boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from bot import clock
from bot.config import Settings
from bot.supervision.exports import COLUMNS, write_xlsx

FILED = "2026-03-04T23:30:00+00:00"  # 07:30 on 5 March in Beijing


def test_the_setting_defaults_to_beijing_and_refuses_a_wrong_zone() -> None:
    assert Settings(_env_file=None).timezone == "Asia/Shanghai"  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(_env_file=None, timezone="Mars/Olympus")  # type: ignore[call-arg]


def test_a_filing_is_shown_and_searched_on_its_local_day() -> None:
    tz = clock.zone()
    assert clock.show(FILED, tz) == "2026-03-05 07:30"
    start, end = clock.day_bounds(date(2026, 3, 5), tz)
    assert (start, end) == (datetime(2026, 3, 4, 16, tzinfo=UTC), datetime(2026, 3, 5, 16, tzinfo=UTC))
    assert start <= datetime.fromisoformat(FILED) < end  # /search 2026-03-05 finds it
    assert clock.show(None, tz) == "" and clock.show("2026-03-05T00:00:00", tz) == "2026-03-05 08:00"


def test_the_work_calendar_counts_days_in_the_deployment_zone() -> None:
    berlin = clock.calendar(SimpleNamespace(timezone="Europe/Berlin", holidays_file=None))
    assert str(berlin.tz) == "Europe/Berlin"
    assert berlin.local_date(datetime.fromisoformat(FILED)) == date(2026, 3, 5)  # 00:30 in Berlin
    assert berlin.day_start(date(2026, 3, 5)) == datetime(2026, 3, 4, 23, tzinfo=UTC)
    beijing = clock.calendar(SimpleNamespace(timezone="Asia/Shanghai", holidays_file=None))
    assert beijing.day_start(date(2026, 3, 5)) == datetime(2026, 3, 4, 16, tzinfo=UTC)


def test_the_xlsx_shows_local_times_of_the_zone_given(tmp_path: Path) -> None:
    row = {"ref": "RC-1", "kind": "request", "created_at": FILED, "decided_at": "", "outcome": "tolerated"}
    col = COLUMNS.index("created_at") + 1
    beijing = load_workbook(write_xlsx([row], tmp_path / "bj.xlsx")).worksheets[0]
    assert beijing.cell(2, col).value == "2026-03-05 07:30"
    berlin = load_workbook(write_xlsx([row], tmp_path / "be.xlsx", tz=clock.zone("Europe/Berlin"))).worksheets[0]
    assert berlin.cell(2, col).value == "2026-03-05 00:30"
    assert berlin.cell(2, COLUMNS.index("decided_at") + 1).value is None  # no decision: an empty cell
