"""The deployment's one time zone (``CADREBOT_TIMEZONE``): how a stored time is shown, and where a day begins.

Storage keeps UTC ISO strings; everything a person reads (reports, exports, search dates, the
knowledge-base history) goes through :func:`show` and :func:`day_bounds` with the same zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_ZONE", "calendar", "day_bounds", "show", "zone"]

DEFAULT_ZONE = "Asia/Shanghai"


def zone(name: str | tzinfo | None = None) -> tzinfo:
    """An IANA zone by name (``None``: the default); a wrong name is a ValueError, for the settings check."""
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from exc


def _parse(at: str | datetime) -> datetime:
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def show(at: str | datetime | None, tz: tzinfo, *, seconds: bool = False) -> str:
    """A stored moment as a person reads it: local date and time, no offset (``""`` for none)."""
    if at is None or at == "":
        return ""
    return _parse(at).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The local day ``day`` as [start, end) in UTC: what "filed on 2026-03-05" means."""
    start = datetime.combine(day, time(), tz)
    return start.astimezone(UTC), datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)


def calendar(settings: Any) -> Any:
    """The work calendar of the settings' holiday file, counting days in the settings' time zone."""
    from bot.filing.workdays import WorkCalendar

    path: Path | None = getattr(settings, "holidays_file", None)
    return WorkCalendar.from_yaml(path, tz=zone(getattr(settings, "timezone", None)))
