"""The internal exports (CSV, XLSX): one row per filing, no free text, the cadre as a Telegram id.

Pre-registrations (报备) are not filings: the XLSX gives them a sheet of their own, with their own
columns (PREREG_COLUMNS); the CSV, one table of filings for machines, leaves them out."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.clock import show, zone
from bot.filing.models import ToleranceRequestBody, body_of
from bot.filing.workdays import WorkCalendar
from bot.supervision.stats import acknowledged_within_day, durations, gather, is_decided_late, overdue_deadlines
from storage.protocols import Storage
from storage.timestamps import stamp

__all__ = [
    "COLUMNS",
    "PREREG_COLUMNS",
    "ExportRows",
    "as_rows",
    "export_rows",
    "export_xlsx",
    "write_csv",
    "write_xlsx",
    "xlsx_value",
]

COLUMNS: tuple[str, ...] = (
    "ref",
    "kind",
    "unit",
    "cadre_telegram_id",
    "state",
    "outcome",
    "original_outcome",
    "created_at",
    "accepted_at",
    "decided_at",
    "corrected_at",
    "workdays_to_decision",
    "days_to_decision",
    "overdue",
    "decided_late",
    "consent_public",
    "cited_cases",
    "attachments",
)

PREREG_COLUMNS: tuple[str, ...] = (
    "ref",
    "unit",
    "cadre_telegram_id",
    "created_at",
    "acknowledged_at",
    "acknowledged_within_day",
)

# ---- exports ---------------------------------------------------------------------------------------


@dataclass
class ExportRows:
    requests: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    preregs: list[dict[str, Any]] = field(default_factory=list)

    def all(self) -> list[dict[str, Any]]:
        return [*self.requests, *self.feedback]


async def export_rows(
    storage: Storage,
    *,
    start: date | None,
    end: date | None,
    unit_ids: list[int] | None,
    calendar: WorkCalendar,
    now: datetime,
) -> ExportRows:
    """One row per filing created or decided (answered, for feedback) in the period; oldest first.

    Internal: the cadre appears as a Telegram id, and no free text is exported.
    """
    facts = await gather(storage, start, end, unit_ids, calendar)
    rows = ExportRows()
    for filing in facts.filings:
        decided_at = facts.decided_at(filing)
        if not (facts.in_period(filing.created_at) or facts.in_period(decided_at)):
            continue
        workdays = days = None
        if decided_at:
            workdays, days = (round(v, 2) for v in durations(calendar, filing.created_at, decided_at))
        deadlines = facts.deadlines.get(filing.ref, [])
        body = body_of(filing)
        row = {
            "ref": filing.ref,
            "kind": filing.kind,
            "unit": facts.unit_name(filing.unit_id),
            "cadre_telegram_id": filing.cadre_id,
            "state": filing.state,
            "outcome": filing.outcome or "",
            "original_outcome": facts.original_outcome(filing) or "",
            "created_at": stamp(filing.created_at),
            "accepted_at": _stamp(facts.accepted_at(filing)),
            "decided_at": _stamp(decided_at),
            "corrected_at": _stamp(facts.corrected_at(filing)),
            "workdays_to_decision": workdays if workdays is not None else "",
            "days_to_decision": days if days is not None else "",
            "overdue": int(overdue_deadlines(deadlines, now) > 0),
            "decided_late": int(is_decided_late(deadlines)),
            "consent_public": int(filing.consent_public),
            "cited_cases": len(body.cited_cases) if isinstance(body, ToleranceRequestBody) else 0,
            "attachments": facts.attachments.get(filing.ref, 0),
        }
        (rows.requests if filing.kind == "request" else rows.feedback).append(row)
    for prereg in facts.preregs:
        if not (facts.in_period(prereg.created_at) or facts.in_period(prereg.acknowledged_at)):
            continue
        rows.preregs.append(
            {
                "ref": prereg.ref,
                "unit": facts.unit_name(prereg.unit_id),
                "cadre_telegram_id": prereg.cadre_id,
                "created_at": stamp(prereg.created_at),
                "acknowledged_at": _stamp(prereg.acknowledged_at),
                "acknowledged_within_day": int(acknowledged_within_day(prereg)),
            }
        )
    return rows


def _stamp(at: datetime | None) -> str:
    return stamp(at) if at else ""


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (a unit named '=HYPERLINK(…)')."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def as_rows(rows: ExportRows | Iterable[Mapping[str, Any]]) -> ExportRows:
    if isinstance(rows, ExportRows):
        return rows
    out = ExportRows()
    for row in rows:
        (out.feedback if row.get("kind") == "feedback" else out.requests).append(dict(row))
    return out


def write_csv(rows: ExportRows | Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Requests then feedback in one UTF-8 CSV (with a BOM, so spreadsheet programs read the Chinese).

    For machines: column keys, state and outcome codes and UTC ISO times, as stored; the XLSX is for people.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in as_rows(rows).all():
            writer.writerow([_cell(row.get(c, "")) for c in COLUMNS])
    return path


_TIMES = ("created_at", "accepted_at", "decided_at", "corrected_at", "acknowledged_at")
_FLAGS = ("overdue", "decided_late", "consent_public", "acknowledged_within_day")


def xlsx_value(name: str, value: Any, say: Callable[[str], str], tz: tzinfo) -> Any:
    """A row's value as the XLSX shows it: labels from the catalogue, local times, yes/no."""
    if value in ("", None):
        return ""
    if name in _TIMES:
        return show(str(value), tz)
    if name in _FLAGS:
        return say("exports.flag_yes" if value else "exports.flag_no")
    if name == "kind":
        return say(f"exports.kind.{value}")
    if name == "state":
        return say(f"filing.state.{value}")
    if name in ("outcome", "original_outcome"):
        return say(f"filing.outcome.{value}")
    return value


def write_xlsx(
    rows: ExportRows | Iterable[Mapping[str, Any]],
    path: Path | str,
    *,
    locale: str = "zh",
    tz: tzinfo | None = None,
) -> Path:
    """Three sheets, requests, feedback and pre-registrations, each with a bold, frozen header row,
    in ``locale``'s words; times in ``tz`` (default: the deployment's zone)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from bot.i18n import Catalogue

    catalogue = Catalogue(locale)

    def say(key: str) -> str:
        return catalogue.raw(locale, key)

    zone_ = tz or zone()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = as_rows(rows)
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    sheets = (
        ("exports.sheet_requests", COLUMNS, data.requests),
        ("exports.sheet_feedback", COLUMNS, data.feedback),
        ("exports.sheet_preregs", PREREG_COLUMNS, data.preregs),
    )
    for title, columns, sheet_rows in sheets:
        headers = [say(f"exports.column.{c}") for c in columns]
        sheet = book.create_sheet(say(title))
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        shown = [[_cell(xlsx_value(c, row.get(c, ""), say, zone_)) for c in columns] for row in sheet_rows]
        for values in shown:
            sheet.append(values)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            # a CJK character is about two columns wide
            width = max([_width(header), *(_width(str(v[index - 1])) for v in shown)]) + 2
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width, 40)
    book.save(path)
    return path


async def export_xlsx(
    storage: Storage,
    actor_id: int,
    path: Path | str,
    *,
    start: date | None,
    end: date | None,
    unit_ids: list[int] | None,
    calendar: WorkCalendar,
    now: datetime,
    locale: str = "zh",
) -> Path:
    """The XLSX one person takes out, and the audit entry saying who took which units' filings."""
    rows = await export_rows(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
    written = write_xlsx(rows, path, locale=locale)
    await _record_export(storage, actor_id, "export.xlsx", start, end, unit_ids)
    return written


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
    """The CSV of the same rows, and, like the XLSX, the audit entry of who took them."""
    rows = await export_rows(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
    written = write_csv(rows, path)
    await _record_export(storage, actor_id, "export.csv", start, end, unit_ids)
    return written


async def _record_export(
    storage: Storage, actor_id: int, action: str, start: date | None, end: date | None, unit_ids: list[int] | None
) -> None:
    await storage.audit.append(actor_id, action, "", {"start": str(start), "end": str(end), "units": unit_ids})


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
