"""``cadrebot report``, ``cadrebot digest`` and ``cadrebot audit verify``.

``bot.cli`` adds these with :func:`add_parsers` and dispatches ``args.command`` through
:data:`COMMANDS`. Every handler opens the database itself and closes it; a wrong argument (a bad
date, an unknown unit) prints one line on stderr and returns 1, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "ReportArgError", "add_parsers", "build_parser", "main_for_tests"]


class ReportArgError(Exception):
    """A wrong command-line value; the message is one line for stderr."""


def add_parsers(sub: Any) -> None:
    """Add ``report``, ``digest`` and ``audit`` to the ``cadrebot`` sub-command parsers."""
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

    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    verify = audit.add_parser(
        "verify", help="check the audit log's chain, signatures and signed anchor; any edited or deleted entry"
    )
    verify.add_argument("--expect-head", help="ID:HASH printed earlier by `audit head`, kept away from this machine")
    audit.add_parser("head", help="print the newest entry's id and hash, to keep somewhere else")


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
        raise ReportArgError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _dates(args: argparse.Namespace) -> tuple[date | None, date | None]:
    start = _date(getattr(args, "date_from", None), "--from")
    end = _date(getattr(args, "date_to", None), "--to")
    if start and end and end < start:
        raise ReportArgError(f"--to {end} is before --from {start}")
    return start, end


def _fail(message: str) -> int:
    print(f"cadrebot: {message}", file=sys.stderr)
    return 1


def _existing_db(settings: Any) -> Path:
    path = Path(settings.db_path)
    if str(path) != ":memory:" and not path.is_file():
        raise ReportArgError(f"no database at {path} (check CADREBOT_DB_PATH)")
    return path


async def _open(settings: Any) -> Any:
    """The database; a missing file is a wrong setting here (reading must not create an empty one)."""
    from bot.storage_access import open_storage

    return await open_storage(settings, _existing_db(settings))


def _calendar():
    from bot.filing.workdays import WorkCalendar

    return WorkCalendar.from_yaml()


async def _report(settings: Any, args: argparse.Namespace) -> int:
    from bot.i18n import Catalogue
    from bot.supervision.reports import (
        compute_stats,
        decisions_chart,
        export_rows,
        plain_text,
        stats_text,
        write_csv,
        write_xlsx,
    )

    try:
        start, end = _dates(args)
        for option, path, suffix in (("--xlsx", args.xlsx, ".xlsx"), ("--chart", args.chart, ".png")):
            if path is not None and path.suffix.lower() != suffix:
                raise ReportArgError(f"{option} {path}: the file name must end in {suffix}")
        storage = await _open(settings)
    except ReportArgError as exc:
        return _fail(str(exc))
    try:
        unit_ids: list[int] | None = None
        if args.unit is not None:
            unit = await storage.units.by_name(args.unit.strip())
            if unit is None:
                return _fail(f"unknown unit {args.unit!r}")
            unit_ids = await storage.units.descendants(unit.id)
        calendar, now = _calendar(), datetime.now(UTC)
        stats = await compute_stats(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
        written: dict[str, str] = {}
        try:
            if args.xlsx or args.csv:
                rows = await export_rows(storage, start=start, end=end, unit_ids=unit_ids, calendar=calendar, now=now)
                if args.xlsx:
                    written["xlsx"] = str(write_xlsx(rows, args.xlsx))
                if args.csv:
                    written["csv"] = str(write_csv(rows, args.csv))
            if args.chart:
                written["chart"] = str(decisions_chart(stats, args.chart))
        except OSError as exc:
            return _fail(f"cannot write {exc.filename or ''}: {exc.strerror or exc}")
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
        locale = getattr(settings, "locale", "zh")
        print(plain_text(stats_text(stats, Catalogue(locale), locale, max_units=10_000)))
        print(json.dumps({**stats.model_dump(mode="json"), "files": written}, ensure_ascii=False))
        return 0
    finally:
        await storage.close()


async def _digest(settings: Any, args: argparse.Namespace) -> int:
    from bot.supervision.reports import digest

    try:
        start, end = _dates(args)
        storage = await _open(settings)
    except ReportArgError as exc:
        return _fail(str(exc))
    try:
        # The report commands' tests hand in only the settings they use.
        smallest = getattr(settings, "digest_min_unit_decisions", 3)
        text = await digest(storage, start=start, end=end, calendar=_calendar(), min_unit_decisions=smallest)
        if args.out:
            try:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(text, encoding="utf-8")
            except OSError as exc:
                return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
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


async def _audit(settings: Any, args: argparse.Namespace) -> int:
    from bot.ops.audit import AuditProblem, verify_chain
    from storage.audit_seal import AuditKeyError

    if args.action not in ("verify", "head"):
        return _fail(f"unknown audit action {args.action!r}")
    expected: tuple[int, str] | None = None
    if getattr(args, "expect_head", None):
        entry_id, _, digest = str(args.expect_head).partition(":")
        if not entry_id.isdigit() or len(digest) != 64:
            return _fail("--expect-head: expected ID:HASH as printed by `cadrebot audit head`")
        expected = (int(entry_id), digest.lower())
    try:
        storage = await _open(settings)
    except (ReportArgError, AuditKeyError) as exc:
        return _fail(str(exc))
    try:
        entries = await storage.audit.all()
        if args.action == "head":
            newest = entries[-1] if entries else None
            print(f"{newest.id}:{newest.hash}" if newest else "0:" + "0" * 64)
            return 0
        problems = verify_chain(entries, seal=storage.audit.seal)
        if expected is not None:
            match = next((e for e in entries if e.id == expected[0]), None)
            if match is None or match.hash != expected[1]:
                problems.append(AuditProblem(expected[0], "head_mismatch", "differs from the head given"))
        if not problems:
            print(f"audit chain OK: {len(entries)} entries, signatures and anchor verified")
            return 0
        for problem in problems:
            print(f"audit chain broken: {problem}")
        print(f"{len(problems)} problem(s) in {len(entries)} entries", file=sys.stderr)
        return 1
    finally:
        await storage.close()


Handler = Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]
COMMANDS: dict[str, Handler] = {"report": _report, "digest": _digest, "audit": _audit}


def build_parser() -> argparse.ArgumentParser:
    """A parser with only these commands (for tests; ``bot.cli`` builds the real one)."""
    parser = argparse.ArgumentParser(prog="cadrebot")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser


def main_for_tests(argv: list[str], settings: Any) -> int:
    """Parse ``argv`` and run the handler the way ``cadrebot`` does."""
    args = build_parser().parse_args(argv)
    return asyncio.run(COMMANDS[args.command](settings, args))
