"""The desk's CSV download: the rows of the XLSX export, and, like it, an audit entry of who took them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.filing.workdays import WorkCalendar
from bot.supervision.exports import export_rows, write_csv
from storage.protocols import Storage


async def export_csv(
    storage: Storage,
    actor_id: int,
    path: Path | str,
    *,
    start: date | None,
    end: date | None,
    unit_ids: list[int] | None,
    calendar: WorkCalendar,
    now: datetime,
) -> Path:
    rows = await export_rows(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
    written = write_csv(rows, path)
    await storage.audit.append(actor_id, "export.csv", "", {"start": str(start), "end": str(end), "units": unit_ids})
    return written
