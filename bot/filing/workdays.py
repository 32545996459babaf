"""Working days: weekends, public holidays and make-up working days (调休), plus an injectable clock.

Time limits count *working time*: every second of a working day (midnight to midnight in the
calendar's time zone) counts, nothing else does. So "1 working day" after Friday 15:00 is Monday
15:00, and a request accepted on the eve of a week-long holiday is not overdue when it ends.
Pausing a limit (while the cadre is asked for more information) stores the working seconds left
and adds them again from the moment it resumes.

Where working days come from, first match wins:

1. the local override file (``holidays.yaml`` or ``CADREBOT_HOLIDAYS_FILE``): its holidays and
   working days, for a year the package does not know yet or for local holidays;
2. the ``chinese-calendar`` package: the State Council's holidays and make-up days (调休) for the
   years it knows;
3. weekends only, for a year neither covers: deadlines there are *provisional*
   (:meth:`WorkCalendar.is_provisional`) and the admins are warned (``bot/filing/calendar_watch.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import yaml

log = logging.getLogger(__name__)

DAY = 86400
DEFAULT_CALENDAR = Path(__file__).with_name("holidays.yaml")  # the bundled (empty) local override
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_MAX_DAYS = 366 * 20  # no limit is ever this long; protects against a calendar with no working day


# ---- clock -------------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = _aware(at)

    def now(self) -> datetime:
        return self.at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return at.astimezone(UTC)


def parse_iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# ---- calendar ----------------------------------------------------------------------------------


def _zone(spec: str | tzinfo | None) -> tzinfo:
    if spec is None:
        return timezone(timedelta(hours=8))
    if isinstance(spec, tzinfo):
        return spec
    match = _OFFSET.match(spec)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    return ZoneInfo(spec)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class CalendarError(ValueError):
    pass


class HolidaySource(Protocol):
    """An official calendar for some years (the override file is not one of these)."""

    def covers(self, year: int) -> bool: ...

    def is_working_day(self, day: date) -> bool:
        """Only asked for a day of a covered year."""
        ...

    def describe(self) -> str: ...


_PROBE_YEARS = range(1949, 2200)


class ChineseCalendarSource:
    """The ``chinese-calendar`` package (module ``chinese_calendar``): State Council holidays and
    make-up working days, one release per year. It raises NotImplementedError for a year it does not
    know; that never leaves this class (such a year is simply not covered)."""

    def __init__(self) -> None:
        self._cache: dict[date, bool] = {}
        try:
            import chinese_calendar
        except ImportError:  # a broken install: weekends only, and the start-up warning says so
            log.warning("working-day calendar: the chinese-calendar package is not installed")
            self._lib: Any = None
            self.version = "?"
            self.years: tuple[int, ...] = ()
            self._covered: frozenset[int] = frozenset()
            return
        self._lib = chinese_calendar
        self.version = str(getattr(chinese_calendar, "__version__", "?"))
        self.years = tuple(y for y in _PROBE_YEARS if self._knows(y))
        self._covered = frozenset(self.years)

    def _knows(self, year: int) -> bool:
        try:
            self._lib.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def covers(self, year: int) -> bool:
        return year in self._covered

    def is_working_day(self, day: date) -> bool:
        known = self._cache.get(day)
        if known is None:
            try:
                known = bool(self._lib.is_workday(day))
            except NotImplementedError:  # never seen with a covered year; weekends only, never a traceback
                known = day.weekday() < 5
            self._cache[day] = known
        return known

    def describe(self) -> str:
        if self._lib is None:
            return "chinese-calendar (not installed)"
        span = f"{self.years[0]}–{self.years[-1]}" if self.years else "no year"
        return f"chinese-calendar {self.version} ({span})"


_library: ChineseCalendarSource | None = None


def library_source() -> ChineseCalendarSource:
    """The package, loaded once per process."""
    global _library
    if _library is None:
        _library = ChineseCalendarSource()
    return _library


class WorkCalendar:
    def __init__(
        self,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        tz: str | tzinfo | None = None,
        maintained_years: Iterable[int] = (),
        source: HolidaySource | None = None,
    ) -> None:
        """``holidays``/``workdays``/``maintained_years``: the local override, which wins over
        ``source`` (the official calendar; None: weekends and the override only)."""
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        clash = self.holidays & self.workdays
        if clash:
            raise CalendarError(f"dates both holiday and working day: {sorted(clash)}")
        self.tz = _zone(tz)
        self.maintained_years = frozenset(maintained_years)
        self.source = source

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, library: bool = True) -> WorkCalendar:
        """An override file's content over the chinese-calendar package (``library=False``: without it)."""
        holidays: set[date] = set()
        for entry in data.get("holidays") or []:
            if "date" in entry:
                holidays.add(_date(entry["date"]))
                continue
            start, end = _date(entry["from"]), _date(entry["to"])
            if end < start:
                raise CalendarError(f"holiday range ends before it starts: {entry}")
            holidays.update(start + timedelta(days=i) for i in range((end - start).days + 1))
        workdays = {_date(entry["date"]) for entry in data.get("workdays") or []}
        years = [int(y) for y in data.get("maintained_years") or ()]
        return cls(holidays, workdays, data.get("timezone"), years, library_source() if library else None)

    @classmethod
    def from_yaml(
        cls, path: Path | str | None = None, *, library: bool = True, tz: str | tzinfo | None = None
    ) -> WorkCalendar:
        """The override file (default: the bundled one) over the chinese-calendar package; ``tz`` (the
        deployment's CADREBOT_TIMEZONE) wins over the file's zone."""
        data = yaml.safe_load(Path(path or DEFAULT_CALENDAR).read_text(encoding="utf-8")) or {}
        if tz is not None:
            data = {**data, "timezone": tz}
        return cls.from_mapping(data, library=library)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if self.source is not None and self.source.covers(day.year):
            return self.source.is_working_day(day)
        return day.weekday() < 5

    def is_covered(self, year: int) -> bool:
        """False for a year neither the override (``maintained_years``) nor the package covers:
        weekends only are assumed there."""
        return year in self.maintained_years or (self.source is not None and self.source.covers(year))

    is_maintained = is_covered

    def uncovered_years(self, a: datetime, b: datetime) -> list[int]:
        """The years between two moments (local dates, both included) that no source covers."""
        first, last = sorted((self.local_date(a).year, self.local_date(b).year))
        return [year for year in range(first, last + 1) if not self.is_covered(year)]

    def is_provisional(self, a: datetime, b: datetime) -> bool:
        """True when working time between the two moments was counted with weekends only somewhere."""
        return bool(self.uncovered_years(a, b))

    def describe(self) -> str:
        """Where the days come from, for logs and warnings."""
        years = ", ".join(str(y) for y in sorted(self.maintained_years))
        override = f"override years {years}" if years else "no override year"
        return f"{self.source.describe() if self.source else 'no official calendar'}; {override}"

    def local_date(self, at: datetime) -> date:
        return _aware(at).astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.tz).astimezone(UTC)

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Working seconds in [a, b); negative when b is before a."""
        a, b = _aware(a), _aware(b)
        if b < a:
            return -self.working_seconds_between(b, a)
        total = 0.0
        day = self.local_date(a)
        last = self.local_date(b)
        while day <= last:
            if self.is_working_day(day):
                start = max(a, self.day_start(day))
                end = min(b, self.day_start(day + timedelta(days=1)))
                if end > start:
                    total += (end - start).total_seconds()
            day += timedelta(days=1)
        return int(total)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when ``seconds`` of working time have passed since ``start``."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        current = _aware(start)
        remaining = timedelta(seconds=seconds)
        day = self.local_date(current)
        for _ in range(_MAX_DAYS):
            day_end = self.day_start(day + timedelta(days=1))
            if self.is_working_day(day):
                available = day_end - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
            day += timedelta(days=1)
            current = day_end
        raise CalendarError("no working days found; check the holiday calendar")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_seconds(start, days * DAY)
