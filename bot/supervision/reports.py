"""Superior and social supervision: statistics, exports, a weekly chart and the public digest.

Transport-free: every function takes a storage backend (``SqliteStorage``) and plain values;
``bot.runtime.report_cli`` and the ``/stats`` handler only format and deliver what these return.

Definitions (the same everywhere in this module):

* **Period** — ``start``/``end`` are local calendar dates (the work calendar's time zone), both
  inclusive; ``None`` leaves that side open.
* **State counts** (requests and feedback) and **overdue now** cover filings *created* in the
  period; **overdue now** counts deadlines neither met nor paused whose due time has passed.
* **A decision** is a request's *first* ``decide`` event (a look-back correction is a new
  decision on the same request, but does not restart the clock). Decisions *made* in the period
  give the outcome counts, the time to decision and the weekly chart. The outcome counted is the
  one that stands now (the corrected outcome after a correction); ``original_outcome`` in the
  exports keeps the first one.
* **Time to decision** runs from submission to the first decision (including any time spent
  waiting for the cadre's answers), in working days (the work calendar) and calendar days.
  Median: the middle value (mean of the two middle ones); p90: nearest rank (the smallest value
  with at least 90 % of the values at or below it).
* **Decided late**: the decision closed the ``decide`` deadline after its due time.
* **Look-back**: items reviewed (confirmed or corrected) in the period; correction rate =
  corrected / reviewed (``None`` when nothing was reviewed).
* For feedback, the export's ``accepted_at`` is when it was read and ``decided_at`` when it was
  answered or forwarded.
"""

from __future__ import annotations

import csv
import html
import json
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bot.filing import states
from bot.filing.workdays import DAY, WorkCalendar, iso, parse_iso
from bot.supervision.anonymise import anonymise
from storage.records_filings import Deadline, Filing

__all__ = [
    "COLUMNS",
    "ExportRows",
    "Stats",
    "UnitStats",
    "compute_stats",
    "decisions_chart",
    "digest",
    "export_rows",
    "public_text",
    "stats_text",
    "weekly_counts",
    "write_csv",
    "write_xlsx",
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

OUTCOME_LABELS_EN = {
    "tolerated": "tolerated",
    "partially_tolerated": "partially tolerated",
    "not_tolerated": "not tolerated",
}
OUTCOME_LABELS_ZH = {"tolerated": "予以容错", "partially_tolerated": "部分容错", "not_tolerated": "不予容错"}
_OUTCOME_COLOURS = {"tolerated": "#2e7d32", "partially_tolerated": "#f9a825", "not_tolerated": "#c62828"}


# ---- the statistics model ----------------------------------------------------------------------


class UnitStats(BaseModel):
    unit_id: int | None = None  # None: filings of users without a unit (or the total)
    unit: str = ""
    requests: int = 0
    requests_by_state: dict[str, int] = Field(default_factory=dict)
    decided: int = 0
    by_outcome: dict[str, int] = Field(default_factory=dict)
    feedback: int = 0
    feedback_by_state: dict[str, int] = Field(default_factory=dict)
    median_workdays: float | None = None
    p90_workdays: float | None = None
    median_days: float | None = None
    p90_days: float | None = None
    overdue_now: int = 0
    decided_late: int = 0
    lookback_reviewed: int = 0
    lookback_corrected: int = 0
    correction_rate: float | None = None


class Stats(BaseModel):
    start: date | None = None
    end: date | None = None
    unit_ids: list[int] | None = None
    generated_at: str
    total: UnitStats
    units: list[UnitStats] = Field(default_factory=list)
    # ISO week ("2026-W10") -> outcome -> decisions that week (gaps filled with zeros).
    weekly: dict[str, dict[str, int]] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        t = self.total
        return not (t.requests or t.decided or t.feedback or t.lookback_reviewed or t.overdue_now)


# ---- gathering -----------------------------------------------------------------------------------


@dataclass
class _Facts:
    """Everything the statistics, exports and digest need, read once."""

    filings: list[Filing]
    unit_names: dict[int, str]
    first: dict[str, dict[str, tuple[str, dict[str, Any]]]]  # action -> ref -> (at, payload)
    deadlines: dict[str, list[Deadline]]
    attachments: Counter[str]
    lookback: list[Any]
    lo: str | None
    hi: str | None

    def in_period(self, at: str | None) -> bool:
        if at is None:
            return False
        return (self.lo is None or at >= self.lo) and (self.hi is None or at < self.hi)

    def decided_at(self, filing: Filing) -> str | None:
        """The first decision (requests) or the first answer/forwarding (feedback)."""
        if filing.kind == "request":
            hit = self.first["decide"].get(filing.ref)
            return hit[0] if hit else None
        times = [self.first[a][filing.ref][0] for a in ("answer", "forward") if filing.ref in self.first[a]]
        return min(times) if times else None

    def accepted_at(self, filing: Filing) -> str | None:
        hit = self.first["accept" if filing.kind == "request" else "read"].get(filing.ref)
        return hit[0] if hit else None

    def original_outcome(self, filing: Filing) -> str | None:
        hit = self.first["decide"].get(filing.ref)
        if not hit:
            return None
        return (hit[1].get("decision") or {}).get("outcome") or filing.outcome

    def corrected_at(self, filing: Filing) -> str | None:
        hit = self.first["correct"].get(filing.ref)
        return hit[0] if hit else None

    def unit_name(self, unit_id: int | None) -> str:
        return self.unit_names.get(unit_id, "") if unit_id is not None else ""


def _bounds(calendar: WorkCalendar, start: date | None, end: date | None) -> tuple[str | None, str | None]:
    if start is not None and end is not None and end < start:
        raise ValueError("the period ends before it starts")
    lo = iso(calendar.day_start(start)) if start is not None else None
    hi = iso(calendar.day_start(end + timedelta(days=1))) if end is not None else None
    return lo, hi


async def _gather(
    storage: Any, start: date | None, end: date | None, unit_ids: list[int] | None, calendar: WorkCalendar
) -> _Facts:
    lo, hi = _bounds(calendar, start, end)
    filings = await storage.filings.by_units(unit_ids)
    db = storage.db
    first: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
        a: {} for a in ("accept", "decide", "correct", "read", "answer", "forward")
    }
    rows = await db.fetchall(
        "SELECT e.filing_ref, e.action, e.at, e.payload FROM filing_events e JOIN ("
        " SELECT MIN(id) AS id FROM filing_events"
        " WHERE action IN ('accept', 'decide', 'correct', 'read', 'answer', 'forward')"
        " GROUP BY filing_ref, action) f ON f.id = e.id"
    )
    for row in rows:
        first[row["action"]][row["filing_ref"]] = (row["at"], json.loads(row["payload"] or "{}"))
    deadlines: dict[str, list[Deadline]] = defaultdict(list)
    for row in await db.fetchall("SELECT * FROM deadlines ORDER BY id"):
        deadline = Deadline(**dict(row))
        deadlines[deadline.filing_ref].append(deadline)
    attachments: Counter[str] = Counter()
    for row in await db.fetchall(
        "SELECT filing_ref, COUNT(*) AS n FROM attachments WHERE filing_ref IS NOT NULL GROUP BY filing_ref"
    ):
        attachments[row["filing_ref"]] = int(row["n"])
    names = {u.id: u.name for u in await storage.units.all()}
    items = await storage.filings.lookback_items()
    return _Facts(filings, names, first, deadlines, attachments, items, lo, hi)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _overdue_deadlines(deadlines: Iterable[Deadline], now: datetime) -> int:
    return sum(1 for d in deadlines if d.done_at is None and d.paused_at is None and now >= parse_iso(d.due_at))


def _decided_late(deadlines: Iterable[Deadline]) -> bool:
    return any(d.kind == "decide" and d.done_at is not None and d.done_at > d.due_at for d in deadlines)


def _durations(calendar: WorkCalendar, created_at: str, decided_at: str) -> tuple[float, float]:
    a, b = parse_iso(created_at), parse_iso(decided_at)
    return calendar.working_seconds_between(a, b) / DAY, (b - a).total_seconds() / DAY


class _Tally:
    def __init__(self, unit_id: int | None, unit: str) -> None:
        self.unit_id, self.unit = unit_id, unit
        self.requests: Counter[str] = Counter()
        self.feedback: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.workdays: list[float] = []
        self.days: list[float] = []
        self.overdue = 0
        self.late = 0
        self.reviewed = 0
        self.corrected = 0

    def result(self) -> UnitStats:
        has_time = bool(self.workdays)
        return UnitStats(
            unit_id=self.unit_id,
            unit=self.unit,
            requests=sum(self.requests.values()),
            requests_by_state={s: self.requests[s] for s in states.REQUEST_STATES if self.requests[s]},
            decided=sum(self.outcomes.values()),
            by_outcome={o: self.outcomes[o] for o in states.OUTCOMES},
            feedback=sum(self.feedback.values()),
            feedback_by_state={s: self.feedback[s] for s in states.FEEDBACK_STATES if self.feedback[s]},
            median_workdays=_round(statistics.median(self.workdays)) if has_time else None,
            p90_workdays=_round(_percentile(self.workdays, 0.9)) if has_time else None,
            median_days=_round(statistics.median(self.days)) if has_time else None,
            p90_days=_round(_percentile(self.days, 0.9)) if has_time else None,
            overdue_now=self.overdue,
            decided_late=self.late,
            lookback_reviewed=self.reviewed,
            lookback_corrected=self.corrected,
            correction_rate=round(self.corrected / self.reviewed, 4) if self.reviewed else None,
        )


def iso_week(calendar: WorkCalendar, at: str) -> str:
    year, week, _ = calendar.local_date(parse_iso(at)).isocalendar()
    return f"{year}-W{week:02d}"


def _fill_weeks(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Every ISO week from the first to the last with data, zeros where nothing was decided."""
    if not counts:
        return {}
    keys = sorted(counts)
    first = date.fromisocalendar(int(keys[0][:4]), int(keys[0][6:]), 1)
    last = date.fromisocalendar(int(keys[-1][:4]), int(keys[-1][6:]), 1)
    weeks: dict[str, dict[str, int]] = {}
    day = first
    while day <= last:
        year, week, _ = day.isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = {o: int(counts.get(key, {}).get(o, 0)) for o in states.OUTCOMES}
        day += timedelta(days=7)
    return weeks


async def compute_stats(
    storage: Any,
    *,
    start: date | None,
    end: date | None,
    unit_ids: list[int] | None,
    calendar: WorkCalendar,
    now: datetime,
) -> Stats:
    """Statistics per unit and in total (see the module docstring for every definition)."""
    facts = await _gather(storage, start, end, unit_ids, calendar)
    tallies: dict[int | None, _Tally] = {}
    if unit_ids is not None:
        for unit_id in sorted(unit_ids, key=lambda u: (facts.unit_name(u), u)):
            tallies[unit_id] = _Tally(unit_id, facts.unit_name(unit_id))
    total = _Tally(None, "")

    def tally(unit_id: int | None) -> _Tally:
        if unit_id not in tallies:
            tallies[unit_id] = _Tally(unit_id, facts.unit_name(unit_id))
        return tallies[unit_id]

    weekly: dict[str, Counter[str]] = defaultdict(Counter)
    by_ref = {f.ref: f for f in facts.filings}
    for filing in facts.filings:
        deadlines = facts.deadlines.get(filing.ref, [])
        if facts.in_period(filing.created_at):
            overdue = _overdue_deadlines(deadlines, now)
            for t in (tally(filing.unit_id), total):
                (t.requests if filing.kind == "request" else t.feedback)[filing.state] += 1
                t.overdue += overdue
        if filing.kind != "request":
            continue
        decided_at = facts.decided_at(filing)
        if not facts.in_period(decided_at):
            continue
        assert decided_at is not None
        outcome = filing.outcome or facts.original_outcome(filing)
        workdays, days = _durations(calendar, filing.created_at, decided_at)
        late = _decided_late(deadlines)
        for t in (tally(filing.unit_id), total):
            if outcome:
                t.outcomes[outcome] += 1
            t.workdays.append(workdays)
            t.days.append(days)
            t.late += late
        if outcome:
            weekly[iso_week(calendar, decided_at)][outcome] += 1
    for item in facts.lookback:
        filing = by_ref.get(item.filing_ref)
        if filing is None or item.result is None or not facts.in_period(item.reviewed_at):
            continue
        for t in (tally(filing.unit_id), total):
            t.reviewed += 1
            t.corrected += item.result == "corrected"
    units = sorted(tallies.values(), key=lambda t: (t.unit_id is None, t.unit, t.unit_id or 0))
    return Stats(
        start=start,
        end=end,
        unit_ids=sorted(unit_ids) if unit_ids is not None else None,
        generated_at=iso(now),
        total=total.result(),
        units=[t.result() for t in units],
        weekly=_fill_weeks(weekly),
    )


# ---- the phone-friendly summary --------------------------------------------------------------------

TextsLike = Any  # bot.i18n.Catalogue, or texts(locale, key, **values) -> str


def _translator(texts: TextsLike) -> Callable[..., str]:
    return texts.t if hasattr(texts, "t") else texts


def _safe(value: str) -> str:
    """Mark a fragment built from catalogue text and numbers as already-safe HTML."""
    from bot.i18n import Html

    return Html(value)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _unit_block(t: Callable[..., str], locale: str, u: UnitStats, title: str) -> list[str]:
    sep = t(locale, "reports.sep")
    lines = [t(locale, "reports.unit_header", unit=title)]
    if u.requests:
        parts = sep.join(
            t(locale, "reports.count", label=t(locale, f"reports.state.{s}"), n=n)
            for s, n in u.requests_by_state.items()
        )
        lines.append(t(locale, "reports.requests", n=u.requests, states=_safe(parts)))
    else:
        lines.append(t(locale, "reports.requests", n=0, states=t(locale, "reports.none")))
    if u.decided:
        parts = sep.join(
            t(locale, "reports.count", label=t(locale, f"reports.outcome.{o}"), n=n)
            for o, n in u.by_outcome.items()
            if n
        )
        lines.append(t(locale, "reports.outcomes", n=u.decided, outcomes=_safe(parts)))
        lines.append(
            t(
                locale,
                "reports.timing",
                median_wd=_number(u.median_workdays),
                median_d=_number(u.median_days),
                p90_wd=_number(u.p90_workdays),
                p90_d=_number(u.p90_days),
            )
        )
    else:
        lines.append(t(locale, "reports.no_decisions"))
    lines.append(t(locale, "reports.overdue", overdue=u.overdue_now, late=u.decided_late))
    if u.lookback_reviewed:
        rate = f"{round((u.correction_rate or 0) * 100)}%"
        lines.append(
            t(locale, "reports.lookback", reviewed=u.lookback_reviewed, corrected=u.lookback_corrected, rate=rate)
        )
    else:
        lines.append(t(locale, "reports.lookback_none"))
    if u.feedback:
        parts = sep.join(
            t(locale, "reports.count", label=t(locale, f"reports.state.{s}"), n=n)
            for s, n in u.feedback_by_state.items()
        )
        lines.append(t(locale, "reports.feedback", n=u.feedback, states=_safe(parts)))
    return lines


def period_text(texts: TextsLike, locale: str, start: date | None, end: date | None) -> str:
    t = _translator(texts)
    if start and end:
        return t(locale, "reports.period", start=start.isoformat(), end=end.isoformat())
    if start:
        return t(locale, "reports.period_from", start=start.isoformat())
    if end:
        return t(locale, "reports.period_to", end=end.isoformat())
    return t(locale, "reports.period_all")


def stats_text(stats: Stats, texts: TextsLike, locale: str, *, max_units: int = 8) -> str:
    """A short HTML summary for a phone: the total first, then up to ``max_units`` units."""
    t = _translator(texts)
    lines = [t(locale, "reports.title", period=_safe(period_text(texts, locale, stats.start, stats.end)))]
    if stats.empty:
        lines.append(t(locale, "reports.empty"))
        return "\n".join(lines)
    if len(stats.units) == 1:  # one unit: its block is the total, shown once under its name
        only = stats.units[0]
        return "\n".join(lines + _unit_block(t, locale, stats.total, only.unit or t(locale, "reports.no_unit")))
    lines += _unit_block(t, locale, stats.total, t(locale, "reports.all_units"))
    if len(stats.units) > 1:
        for unit in stats.units[:max_units]:
            lines.append("")
            lines += _unit_block(t, locale, unit, unit.unit or t(locale, "reports.no_unit"))
        if len(stats.units) > max_units:
            lines.append("")
            lines.append(t(locale, "reports.more_units", n=len(stats.units) - max_units))
    return "\n".join(lines)


def plain_text(html_text: str) -> str:
    """The summary without HTML (for a terminal)."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


# ---- exports ---------------------------------------------------------------------------------------


@dataclass
class ExportRows:
    requests: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)

    def all(self) -> list[dict[str, Any]]:
        return [*self.requests, *self.feedback]


async def export_rows(
    storage: Any,
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
    facts = await _gather(storage, start, end, unit_ids, calendar)
    rows = ExportRows()
    for filing in facts.filings:
        decided_at = facts.decided_at(filing)
        if not (facts.in_period(filing.created_at) or facts.in_period(decided_at)):
            continue
        workdays = days = None
        if decided_at:
            workdays, days = (round(v, 2) for v in _durations(calendar, filing.created_at, decided_at))
        deadlines = facts.deadlines.get(filing.ref, [])
        body = filing.body or {}
        row = {
            "ref": filing.ref,
            "kind": filing.kind,
            "unit": facts.unit_name(filing.unit_id),
            "cadre_telegram_id": filing.cadre_id,
            "state": filing.state,
            "outcome": filing.outcome or "",
            "original_outcome": facts.original_outcome(filing) or "",
            "created_at": filing.created_at,
            "accepted_at": facts.accepted_at(filing) or "",
            "decided_at": decided_at or "",
            "corrected_at": facts.corrected_at(filing) or "",
            "workdays_to_decision": workdays if workdays is not None else "",
            "days_to_decision": days if days is not None else "",
            "overdue": int(_overdue_deadlines(deadlines, now) > 0),
            "decided_late": int(_decided_late(deadlines)),
            "consent_public": int(filing.consent_public),
            "cited_cases": len(body.get("cited_cases") or []),
            "attachments": facts.attachments.get(filing.ref, 0),
        }
        (rows.requests if filing.kind == "request" else rows.feedback).append(row)
    return rows


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (a unit named '=HYPERLINK(…)')."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _as_rows(rows: ExportRows | Iterable[Mapping[str, Any]]) -> ExportRows:
    if isinstance(rows, ExportRows):
        return rows
    out = ExportRows()
    for row in rows:
        (out.feedback if row.get("kind") == "feedback" else out.requests).append(dict(row))
    return out


def write_csv(rows: ExportRows | Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Requests then feedback in one UTF-8 CSV (with a BOM, so spreadsheet programs read the Chinese)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in _as_rows(rows).all():
            writer.writerow([_cell(row.get(c, "")) for c in COLUMNS])
    return path


def write_xlsx(rows: ExportRows | Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Two sheets, ``requests`` and ``feedback``, each with a bold, frozen header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _as_rows(rows)
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, sheet_rows in (("requests", data.requests), ("feedback", data.feedback)):
        sheet = book.create_sheet(title)
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet_rows:
            sheet.append([_cell(row.get(c, "")) for c in COLUMNS])
        sheet.freeze_panes = "A2"
        for index, name in enumerate(COLUMNS, start=1):
            width = max([len(name), *(len(str(r.get(name, ""))) for r in sheet_rows)]) + 2
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width, 40)
    book.save(path)
    return path


# ---- the chart -------------------------------------------------------------------------------------


def weekly_counts(
    source: Stats | ExportRows | Iterable[Mapping[str, Any]], calendar: WorkCalendar | None = None
) -> dict[str, dict[str, int]]:
    """Decisions per ISO week by outcome, from statistics (as computed) or from export rows."""
    if isinstance(source, Stats):
        return source.weekly
    calendar = calendar or WorkCalendar.from_yaml()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _as_rows(source).requests:
        outcome = row.get("outcome") or row.get("original_outcome")
        if row.get("decided_at") and outcome:
            counts[iso_week(calendar, str(row["decided_at"]))][str(outcome)] += 1
    return _fill_weeks(counts)


def decisions_chart(source: Stats | ExportRows | Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """A PNG of decisions per ISO week, stacked by outcome; an empty chart says there is no data.

    Chart text is ASCII on purpose: the default font may have no Chinese glyphs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    weeks = weekly_counts(source)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(weeks) + 3), 4), dpi=100)
    try:
        ax.set_title("Tolerance decisions per week by outcome")
        ax.set_xlabel("ISO week of decision")
        ax.set_ylabel("Decisions")
        if not weeks:
            ax.text(0.5, 0.5, "No decisions in this period", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            labels = list(weeks)
            positions = list(range(len(labels)))
            bottom = [0] * len(labels)
            for outcome in states.OUTCOMES:
                values = [weeks[w].get(outcome, 0) for w in labels]
                ax.bar(
                    positions,
                    values,
                    bottom=bottom,
                    label=OUTCOME_LABELS_EN[outcome],
                    color=_OUTCOME_COLOURS[outcome],
                )
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.set_xticks(positions)
            ax.set_xticklabels(labels, rotation=45, ha="right")
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_ylim(0, max(bottom) * 1.35 + 0.5)  # room for the legend above the bars
            ax.legend(loc="upper left", ncol=3, fontsize="small", frameon=False)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path


# ---- the public digest -----------------------------------------------------------------------------

OTHER_UNITS = "其他单位"  # units with too few decisions in the period to be named
_MARKDOWN = re.compile(r"([\\`*_\[\]{}<>#|~])")


def public_text(text: str, names: Iterable[str] = (), *, limit: int | None = None) -> str:
    """Free text for the digest: anonymised (``bot.supervision.anonymise``), on one line, shortened, Markdown-safe.

    It is shortened only after anonymising, so a cut can never leave half a phone number readable.
    """
    out = " ".join(anonymise(text, names).split())
    if limit is not None and len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return _MARKDOWN.sub(r"\\\1", out)


def _md_cell(value: str) -> str:
    return _MARKDOWN.sub(r"\\\1", " ".join(value.split()))


async def digest(
    storage: Any,
    *,
    start: date | None,
    end: date | None,
    calendar: WorkCalendar | None = None,
    now: datetime | None = None,
    min_unit_decisions: int = 3,
) -> str:
    """The anonymised public digest (Markdown, Simplified Chinese) of decisions and corrections.

    No names, no Telegram ids, no reference numbers; free text only of filings whose cadre
    consented to publication, anonymised; clearing notes (written for publication) anonymised.
    A unit with fewer than ``min_unit_decisions`` decisions in the period is never named: its
    counts and lines go under 其他单位, so that a small count cannot point to a person.
    """
    calendar = calendar or WorkCalendar.from_yaml()
    now = now or datetime.now(UTC)
    facts = await _gather(storage, start, end, None, calendar)
    users = await storage.db.fetchall("SELECT display_name FROM users")
    all_names = [r["display_name"] or "" for r in users]

    def clean(text: str, limit: int | None = None) -> str:
        return public_text(text, all_names, limit=limit)

    decided = [f for f in facts.filings if f.kind == "request" and facts.in_period(facts.decided_at(f))]
    per_unit: dict[int | None, Counter[str]] = defaultdict(Counter)
    for f in decided:
        per_unit[f.unit_id][f.outcome or facts.original_outcome(f) or ""] += 1
    total = Counter[str]()
    for counts in per_unit.values():
        total.update(counts)
    named = {u for u, counts in per_unit.items() if sum(counts.values()) >= min_unit_decisions}

    def unit_label(unit_id: int | None) -> str:
        if unit_id not in named:
            return OTHER_UNITS
        return _md_cell(facts.unit_name(unit_id)) if unit_id is not None else "未分配单位"

    if start and end:
        period = f"{start.isoformat()} 至 {end.isoformat()}"
    elif start:
        period = f"{start.isoformat()} 起"
    elif end:
        period = f"截至 {end.isoformat()}"
    else:
        period = "全部时间"
    lines = [
        f"# 容错纠错工作公开通报（{period}）",
        "",
        "> 本通报由 cadrebot 自动生成，已作匿名化处理：不含姓名、Telegram 账号、联系方式或证件号码；"
        "具体情况仅在干部本人同意公开时摘要发布。",
        "",
        "## 一、容错认定情况",
        "",
    ]
    if decided:
        lines.append(
            f"本期共作出容错认定 {len(decided)} 件，其中"
            + "，".join(f"{OUTCOME_LABELS_ZH[o]} {total[o]} 件" for o in states.OUTCOMES)
            + "（按现行有效结论统计，含经回头看纠正后的结论）。"
        )
        lines += ["", "| 单位 | 予以容错 | 部分容错 | 不予容错 | 合计 |", "| --- | ---: | ---: | ---: | ---: |"]
        rows = [
            (unit_label(u), per_unit[u]) for u in sorted(named, key=lambda u: (u is None, facts.unit_name(u), u or 0))
        ]
        merged = sum((c for u, c in per_unit.items() if u not in named), Counter[str]())
        if merged:
            rows.append((OTHER_UNITS, merged))
        for label, counts in rows:
            cells = " | ".join(str(counts[o]) for o in states.OUTCOMES)
            lines.append(f"| {label} | {cells} | {sum(counts.values())} |")
    else:
        lines.append("本期没有作出容错认定。")

    by_ref = {f.ref: f for f in facts.filings}
    corrections = [
        (item, by_ref[item.filing_ref])
        for item in facts.lookback
        if item.result == "corrected" and item.filing_ref in by_ref and facts.in_period(item.reviewed_at)
    ]
    reviewed = [
        item
        for item in facts.lookback
        if item.result and item.filing_ref in by_ref and facts.in_period(item.reviewed_at)
    ]
    lines += ["", "## 二、回头看与纠错", ""]
    if reviewed:
        kept = len(reviewed) - len(corrections)
        lines.append(f"本期回头看复查 {len(reviewed)} 件，维持原结论 {kept} 件，纠正 {len(corrections)} 件。")
        if corrections:
            lines.append("")
    else:
        lines.append("本期没有完成回头看复查。")
    for number, (item, filing) in enumerate(sorted(corrections, key=lambda p: p[0].reviewed_at or ""), start=1):
        old = OUTCOME_LABELS_ZH.get(item.original_outcome or "", "原结论")
        new = OUTCOME_LABELS_ZH.get(item.new_outcome or filing.outcome or "", "新结论")
        line = f"{number}. {unit_label(filing.unit_id)}：原认定“{old}”，经回头看复查纠正为“{new}”。"
        if item.clearing_note:
            line += f"澄清正名：{clean(item.clearing_note, 300)}"
        lines.append(line)

    lines += ["", "## 三、澄清正名", ""]
    notes = await storage.db.fetchall("SELECT cadre_id, unit_id, note, issued_at FROM clearing_notes ORDER BY id")
    cleared = [n for n in notes if facts.in_period(_normal_time(n["issued_at"]))]
    if cleared:
        lines += [f"本期对经查不实的举报澄清正名 {len(cleared)} 次：", ""]
        for number, note in enumerate(cleared, start=1):
            lines.append(f"{number}. {unit_label(note['unit_id'])}：{clean(note['note'], 300)}")
    else:
        lines.append("本期没有对不实举报作出澄清正名。")

    consenting = [f for f in decided if f.consent_public]
    lines += ["", "## 四、典型情况摘要（经本人同意公开）", ""]
    if consenting:
        for number, filing in enumerate(consenting, start=1):
            outcome = OUTCOME_LABELS_ZH.get(filing.outcome or "", "")
            what = clean(str((filing.body or {}).get("what_happened", "")), 120)
            lines.append(f"{number}. {unit_label(filing.unit_id)}｜{outcome}：{what}")
    else:
        lines.append("本期没有经本人同意公开的情况摘要。")
    stamp = now.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")
    lines += ["", "---", "", f"*由 cadrebot 于 {stamp} 生成。*", ""]
    return "\n".join(lines)


def _normal_time(text: str) -> str:
    """clearing_notes.issued_at may be written by SQLite; bring it to the storage spelling."""
    try:
        return iso(parse_iso(text))
    except ValueError:
        return text
