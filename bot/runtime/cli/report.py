"""``cadrebot report`` and ``cadrebot digest``.

A wrong argument (a bad date, an unknown unit) prints one line on stderr and returns 1, never a
traceback; each handler opens the database itself and closes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.runtime.cli.common import ArgError, Handler, fail, open_existing


def add_parsers(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="supervision statistics per unit; optional CSV/XLSX export and a weekly chart"
    )
    _period(report)
    report.add_argument("--unit", metavar="NAME", help="one unit (and its sub-units); default: all units")
    report.add_argument("--xlsx", metavar="FILE", type=Path, help="write requests and feedback to an XLSX file")
    report.add_argument("--csv", metavar="FILE", type=Path, help="write requests and feedback to a CSV file")
    report.add_argument("--chart", metavar="FILE.png", type=Path, help="write a PNG of decisions per week")

    digest = sub.add_parser("digest", help="the anonymised public digest of decisions and corrections (Markdown)")
    _period(digest)
    digest.add_argument("--out", metavar="FILE.md", type=Path, help="write it to a file instead of stdout")


def _period(parser: argparse.ArgumentParser) -> None:
    # Dates are parsed by the handler, so a bad one is one clear line and exit 1 (not argparse's exit 2).
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (local date, inclusive)")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (local date, inclusive)")


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ArgError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _dates(args: argparse.Namespace) -> tuple[date | None, date | None]:
    start = _date(getattr(args, "date_from", None), "--from")
    end = _date(getattr(args, "date_to", None), "--to")
    if start and end and end < start:
        raise ArgError(f"--to {end} is before --from {start}")
    return start, end


def _calendar(settings: Any) -> Any:
    from bot.clock import calendar

    return calendar(settings)


async def _report(settings: Any, args: argparse.Namespace) -> int:
    from bot.i18n import Catalogue
    from bot.supervision.chart import decisions_chart
    from bot.supervision.exports import export_rows, write_csv, write_xlsx
    from bot.supervision.stats import compute_stats, plain_text, stats_text

    try:
        start, end = _dates(args)
        for option, path, suffix in (("--xlsx", args.xlsx, ".xlsx"), ("--chart", args.chart, ".png")):
            if path is not None and path.suffix.lower() != suffix:
                raise ArgError(f"{option} {path}: the file name must end in {suffix}")
        storage = await open_existing(settings)
    except ArgError as exc:
        return fail(str(exc))
    try:
        unit_ids: list[int] | None = None
        if args.unit is not None:
            unit = await storage.units.by_name(args.unit.strip())
            if unit is None:
                return fail(f"unknown unit {args.unit!r}")
            unit_ids = await storage.units.descendants(unit.id)
        calendar, now = _calendar(settings), datetime.now(UTC)
        locale = getattr(settings, "locale", "zh")
        stats = await compute_stats(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
        written: dict[str, str] = {}
        try:
            if args.xlsx or args.csv:
                rows = await export_rows(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
                if args.xlsx:
                    written["xlsx"] = str(write_xlsx(rows, args.xlsx, locale=locale, tz=calendar.tz))
                if args.csv:
                    written["csv"] = str(write_csv(rows, args.csv))
            if args.chart:
                written["chart"] = str(decisions_chart(stats, args.chart, locale=locale))
        except OSError as exc:
            return fail(f"cannot write {exc.filename or ''}: {exc.strerror or exc}")
        if written:
            await storage.audit.append(
                None,
                "report.export",
                args.unit or "*",
                {
                    "from": start.isoformat() if start else None,
                    "to": end.isoformat() if end else None,
                    "unit_ids": unit_ids,
                    "files": written,
                },
            )
        print(plain_text(stats_text(stats, Catalogue(locale), locale, max_units=10_000)))
        print(json.dumps({**stats.model_dump(mode="json"), "files": written}, ensure_ascii=False))
        return 0
    finally:
        await storage.close()


async def _digest(settings: Any, args: argparse.Namespace) -> int:
    from bot.supervision.digest import digest

    try:
        start, end = _dates(args)
        storage = await open_existing(settings)
    except ArgError as exc:
        return fail(str(exc))
    try:
        # The report commands' tests hand in only the settings they use.
        smallest = getattr(settings, "digest_min_unit_decisions", 3)
        text = await digest(storage, start=start, end=end, calendar=_calendar(settings), min_unit_decisions=smallest)
        if args.out:
            try:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(text, encoding="utf-8")
            except OSError as exc:
                return fail(f"cannot write {args.out}: {exc.strerror or exc}")
            print(f"{args.out}: public digest written ({len(text)} characters)")
        else:
            sys.stdout.write(text)
        await storage.audit.append(
            None,
            "report.digest",
            str(args.out or "-"),
            {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None},
        )
        return 0
    finally:
        await storage.close()


COMMANDS: dict[str, Handler] = {"report": _report, "digest": _digest}
