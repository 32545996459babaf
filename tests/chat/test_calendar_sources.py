"""Where working days come from: the chinese-calendar package, our YAML as a local override, and
weekends only (provisional, with warnings) for a year neither covers.

Written against the pinned chinese-calendar (1.11.0: 2004–2026). ``test_pinned_library_years``
says so when the pin moves; the years below (2027 uncovered) then need a look.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from bot.config import Settings
from bot.filing import calendar_watch
from bot.filing.deadlines import Deadlines
from bot.filing.workdays import DEFAULT_CALENDAR, ChineseCalendarSource, WorkCalendar
from bot.runtime.app import _deadlines
from bot.runtime.local_chat import LocalChat
from storage.records_filings import Deadline
from tests.support.clock import ManualClock
from tests.support.flows import ADMIN, fill_request, register, texts
from tests.support.paths import DATA

CADRE, SUP = 2, 3
CST = WorkCalendar.from_yaml().tz
REFERENCE_2026 = DATA / "holidays_2026.yaml"

# Test data, not the official 2027 arrangement: a Spring Festival week as an override would add it.
OVERRIDE_2027 = """\
timezone: "+08:00"
maintained_years: [2027]
holidays:
  - {from: 2027-02-06, to: 2027-02-14, name: 春节}
workdays:
  - {date: 2027-02-20, name: 春节调休上班}
"""


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


class _Job:
    def __init__(self, application) -> None:
        self.application = application


# ---- sources ------------------------------------------------------------------------------------


def test_pinned_library_years() -> None:
    source = ChineseCalendarSource()
    assert source.years == tuple(range(2004, 2027)), (
        "chinese-calendar covers other years than the pinned 1.11.0: update the years these tests use"
    )
    assert source.covers(2026) and not source.covers(2027) and not source.covers(2003)


def test_library_agrees_with_our_2026_file_on_every_day() -> None:
    ours = WorkCalendar.from_yaml(REFERENCE_2026, library=False)
    bundled = WorkCalendar.from_yaml()
    differ = [d for d in days_of(2026) if chinese_calendar.is_workday(d) != ours.is_working_day(d)]
    assert differ == []
    assert [d for d in days_of(2026) if bundled.is_working_day(d) != ours.is_working_day(d)] == []


def test_bundled_yaml_is_only_an_empty_override() -> None:
    import yaml

    data = yaml.safe_load(DEFAULT_CALENDAR.read_text(encoding="utf-8"))
    assert not data.get("holidays") and not data.get("workdays") and not data.get("maintained_years")
    calendar = WorkCalendar.from_yaml()
    # Years our file never held come from the package: 国庆 2025 and its make-up Saturday.
    assert calendar.is_covered(2025) and calendar.is_covered(2026)
    assert not calendar.is_working_day(date(2025, 10, 1))
    assert calendar.is_working_day(date(2025, 10, 11))
    assert not calendar.is_covered(2027)


def test_override_entries_win_over_the_library() -> None:
    calendar = WorkCalendar.from_mapping(
        {
            "holidays": [{"date": "2026-03-09", "name": "本地假日"}],  # an ordinary Monday
            "workdays": [{"date": "2026-10-01", "name": "本地值班"}],  # 国庆
        }
    )
    assert not calendar.is_working_day(date(2026, 3, 9))
    assert calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 2))  # the rest still from the package
    assert calendar.is_working_day(date(2026, 10, 10))


def test_override_file_adds_a_year_the_library_lacks(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(OVERRIDE_2027, encoding="utf-8")
    calendar = WorkCalendar.from_yaml(path)
    assert calendar.is_covered(2027)
    # Friday 5 February 2027, 10:00 + 1 working day jumps the Spring Festival.
    assert calendar.add_working_days(cst(2027, 2, 5, 10), 1) == cst(2027, 2, 15, 10)
    assert not calendar.is_provisional(cst(2027, 2, 5, 10), cst(2027, 2, 15, 10))
    assert calendar.is_working_day(date(2027, 2, 20))
    # 2026 still comes from the package although this file says nothing about it.
    assert not calendar.is_working_day(date(2026, 10, 1))


def test_uncovered_year_counts_weekends_only_and_is_provisional() -> None:
    calendar = WorkCalendar.from_yaml()
    start = cst(2027, 2, 5, 10)
    due = calendar.add_working_days(start, 1)
    assert due == cst(2027, 2, 8, 10)  # Monday: the holiday is unknown
    assert calendar.is_provisional(start, due)
    assert calendar.uncovered_years(cst(2026, 12, 28, 10), cst(2027, 1, 20, 10)) == [2027]
    assert not calendar.is_provisional(cst(2026, 6, 1), cst(2026, 6, 30))
    assert calendar.working_seconds_between(cst(2027, 2, 5), cst(2027, 2, 12)) == 5 * 86400


def test_library_year_error_never_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(day):
        raise NotImplementedError(f"no available data for year {day.year}")

    source = ChineseCalendarSource()
    monkeypatch.setattr(chinese_calendar, "is_workday", refuse)
    calendar = WorkCalendar(source=source)
    assert calendar.is_working_day(date(2026, 3, 9)) and not calendar.is_working_day(date(2026, 3, 7))
    assert calendar.add_working_days(cst(2026, 10, 1, 10), 1) == cst(2026, 10, 2, 10)


def test_deadline_status_is_provisional_across_an_uncovered_year() -> None:
    deadlines = Deadlines(repo=None, calendar=WorkCalendar.from_yaml())  # type: ignore[arg-type]

    def deadline(start: str, due: str, done: str | None = None) -> Deadline:
        return Deadline(id=1, filing_ref="RC-2026-000001", kind="decide", started_at=start, due_at=due, done_at=done)

    now = cst(2026, 12, 30, 10)
    assert deadlines.status(deadline("2026-12-28T02:00:00.000Z", "2027-01-20T02:00:00.000Z"), now).provisional
    assert not deadlines.status(deadline("2026-12-01T02:00:00.000Z", "2026-12-22T02:00:00.000Z"), now).provisional
    done = deadline("2026-12-28T02:00:00.000Z", "2027-01-20T02:00:00.000Z", "2026-12-29T02:00:00.000Z")
    assert not deadlines.status(done, now).provisional  # met: its due date no longer matters


# ---- through the running bot ----------------------------------------------------------------------


def _calendar_warnings(chat: LocalChat) -> list[str]:
    return [m.plain for m in chat.api.log if m.chat_id == ADMIN and "工作日历缺少" in m.plain]


async def _submit(chat: LocalChat) -> str:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    preview = await fill_request(chat)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    return re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)


def _deadline_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ") and "时限：" in line]


async def test_2027_spring_festival_from_the_override_file(settings: Settings, knowledge, tmp_path: Path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(OVERRIDE_2027, encoding="utf-8")
    settings = settings.model_copy(update={"holidays_file": path})
    clock = ManualClock(cst(2027, 2, 5, 10))
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        ref = await _submit(chat)
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert _deadline_lines(view) == ["• 受理时限：2027-02-15 10:00（进行中）"]
        assert "暂定" not in view
        assert _calendar_warnings(chat) == []
        # The package still answers for 2026, which the override file does not mention.
        assert not chat.services.filings.calendar.is_working_day(date(2026, 10, 1))
    finally:
        await chat.stop()


async def test_uncovered_year_deadlines_are_provisional_and_admins_warned_once(
    settings: Settings, knowledge, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(cst(2027, 2, 5, 10))
    with caplog.at_level(logging.WARNING):
        chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        await chat.settle()
        logged = [r for r in caplog.records if r.levelno == logging.WARNING and "2027" in r.getMessage()]
        assert len(logged) == 1, [r.getMessage() for r in caplog.records]
        warned = _calendar_warnings(chat)
        assert len(warned) == 1 and "2027" in warned[0] and "暂定" in warned[0]

        ref = await _submit(chat)
        # /view (supervisor): weekends only, so Monday 8 February, marked provisional.
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert _deadline_lines(view) == ["• 受理时限：2027-02-08 10:00（暂定）（进行中）"]
        # /my (cadre): the same line.
        listing = await chat.send(CADRE, "/my")
        shown = texts(await chat.press_label(CADRE, listing[-1], ref), CADRE)
        assert _deadline_lines(shown) == ["• 受理时限：2027-02-08 10:00（暂定）（进行中）"]
        # The acceptance notice names a provisional decision deadline.
        notice = next(m for m in chat.api.log if m.chat_id == SUP and ref in m.plain and m.buttons)
        accepted = texts(await chat.press(SUP, notice, f"sv:acc:{ref}"), CADRE)
        assert "认定期限至" in accepted and "暂定" in accepted
        # /stats says which year the calendar does not cover.
        stats = texts(await chat.send(ADMIN, "/stats"), ADMIN)
        assert "工作日历未覆盖 2027 年" in stats
        # The jobs run, nothing raises, nobody is warned twice.
        await _deadlines(_Job(chat.application))
        await chat.settle()
        everything = texts(chat.api.log)
        assert "NotImplementedError" not in everything and "Traceback" not in everything
        assert len(_calendar_warnings(chat)) == 1
    finally:
        await chat.stop()

    # A restart logs again but does not message the admins again.
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        await chat.settle()
        await _deadlines(_Job(chat.application))
        await chat.settle()
        assert _calendar_warnings(chat) == []
    finally:
        await chat.stop()


async def test_deadline_running_into_an_uncovered_year_warns_from_the_job(settings: Settings, knowledge) -> None:
    # Wednesday 30 December 2026: this year is covered, so nothing is said at start-up.
    clock = ManualClock(cst(2026, 12, 30, 10))
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        await chat.settle()
        assert _calendar_warnings(chat) == []
        assert await calendar_watch.uncovered_years(chat.services) == []
        ref = await _submit(chat)
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert _deadline_lines(view) == ["• 受理时限：2026-12-31 10:00（进行中）"]
        notice = next(m for m in chat.api.log if m.chat_id == SUP and ref in m.plain and m.buttons)
        accepted = texts(await chat.press(SUP, notice, f"sv:acc:{ref}"), CADRE)
        assert "暂定" in accepted  # 15 working days from 30 December end in 2027
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert "• 认定时限：2027-01-20 10:00（暂定）（进行中）" in _deadline_lines(view)
        assert await calendar_watch.uncovered_years(chat.services) == [2027]
        await _deadlines(_Job(chat.application))
        await chat.settle()
        warned = _calendar_warnings(chat)
        assert len(warned) == 1 and "2027" in warned[0]
    finally:
        await chat.stop()
