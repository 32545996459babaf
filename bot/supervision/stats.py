"""Superior supervision statistics: what is counted, per unit and in total, and its phone summary.

Transport-free: every function takes a storage backend (``SqliteStorage``) and plain values;
``bot.runtime.cli.report`` and the ``/stats`` handler only deliver what these return; the exports
(:mod:`.exports`), the chart (:mod:`.chart`) and the public digest (:mod:`.digest`) read the same facts.

Definitions (the same in every module of this package):

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
* **Pre-registrations** (报备) are counted when *created* in the period; **acknowledged within a
  day**: the first acknowledgement came less than 24 hours (calendar time, since an emergency does
  not wait for a working day) after the pre-registration; its share is of those created.
* For feedback, the export's ``accepted_at`` is when it was read and ``decided_at`` when it was
  answered or forwarded.
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from bot.filing import states
from bot.filing.workdays import DAY, WorkCalendar
from storage.protocols import Storage
from storage.records_filings import Deadline, Filing, LookbackItem, PreRegistration
from storage.timestamps import stamp

__all__ = [
    "Facts",
    "Stats",
    "UnitStats",
    "compute_stats",
    "gather",
    "iso_week",
    "period_text",
    "plain_text",
    "stats_text",
]


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
    preregs: int = 0
    preregs_acknowledged: int = 0
    preregs_acknowledged_within_day: int = 0
    prereg_within_day_rate: float | None = None


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
        return not (t.requests or t.decided or t.feedback or t.lookback_reviewed or t.overdue_now or t.preregs)


# ---- gathering -----------------------------------------------------------------------------------


@dataclass
class Facts:
    """Everything the statistics, exports and digest need, read once."""

    filings: list[Filing]
    unit_names: dict[int, str]
    first: dict[str, dict[str, tuple[datetime, dict[str, Any]]]]  # action -> ref -> (at, payload)
    deadlines: dict[str, list[Deadline]]
    attachments: Counter[str]
    lookback: list[LookbackItem]
    preregs: list[PreRegistration]
    lo: datetime | None
    hi: datetime | None

    def in_period(self, at: datetime | None) -> bool:
        if at is None:
            return False
        return (self.lo is None or at >= self.lo) and (self.hi is None or at < self.hi)

    def decided_at(self, filing: Filing) -> datetime | None:
        """The first decision (requests) or the first answer/forwarding (feedback)."""
        if filing.kind == "request":
            hit = self.first["decide"].get(filing.ref)
            return hit[0] if hit else None
        times = [self.first[a][filing.ref][0] for a in ("answer", "forward") if filing.ref in self.first[a]]
        return min(times) if times else None

    def accepted_at(self, filing: Filing) -> datetime | None:
        hit = self.first["accept" if filing.kind == "request" else "read"].get(filing.ref)
        return hit[0] if hit else None

    def original_outcome(self, filing: Filing) -> str | None:
        hit = self.first["decide"].get(filing.ref)
        if not hit:
            return None
        return (hit[1].get("decision") or {}).get("outcome") or filing.outcome

    def corrected_at(self, filing: Filing) -> datetime | None:
        hit = self.first["correct"].get(filing.ref)
        return hit[0] if hit else None

    def unit_name(self, unit_id: int | None) -> str:
        return self.unit_names.get(unit_id, "") if unit_id is not None else ""


def _bounds(calendar: WorkCalendar, start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    if start is not None and end is not None and end < start:
        raise ValueError("the period ends before it starts")
    lo = calendar.day_start(start) if start is not None else None
    hi = calendar.day_start(end + timedelta(days=1)) if end is not None else None
    return lo, hi


# The first event of each of these per filing dates the steps the figures measure.
FIRST_ACTIONS = ("accept", "decide", "correct", "read", "answer", "forward")


async def gather(
    storage: Storage, start: date | None, end: date | None, unit_ids: list[int] | None, calendar: WorkCalendar
) -> Facts:
    lo, hi = _bounds(calendar, start, end)
    filings = await storage.filings.by_units(unit_ids)
    first: dict[str, dict[str, tuple[datetime, dict[str, Any]]]] = {a: {} for a in FIRST_ACTIONS}
    for event in await storage.filings.first_events(list(FIRST_ACTIONS)):
        first[event.action][event.filing_ref] = (event.at, event.payload)
    deadlines: dict[str, list[Deadline]] = defaultdict(list)
    for deadline in await storage.deadlines.all():
        deadlines[deadline.filing_ref].append(deadline)
    attachments: Counter[str] = Counter(await storage.attachments.counts())
    names = {u.id: u.name for u in await storage.units.all()}
    items = await storage.lookbacks.items()
    preregs = await storage.preregs.by_units(unit_ids)
    return Facts(filings, names, first, deadlines, attachments, items, preregs, lo, hi)


ACK_WITHIN = timedelta(days=1)


def acknowledged_within_day(prereg: PreRegistration) -> bool:
    return prereg.acknowledged_at is not None and prereg.acknowledged_at - prereg.created_at < ACK_WITHIN


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def overdue_deadlines(deadlines: Iterable[Deadline], now: datetime) -> int:
    return sum(1 for d in deadlines if d.done_at is None and d.paused_at is None and now >= d.due_at)


def is_decided_late(deadlines: Iterable[Deadline]) -> bool:
    return any(d.kind == "decide" and d.done_at is not None and d.done_at > d.due_at for d in deadlines)


def durations(calendar: WorkCalendar, a: datetime, b: datetime) -> tuple[float, float]:
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
        self.preregs = 0
        self.acknowledged = 0
        self.within_day = 0

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
            preregs=self.preregs,
            preregs_acknowledged=self.acknowledged,
            preregs_acknowledged_within_day=self.within_day,
            prereg_within_day_rate=round(self.within_day / self.preregs, 4) if self.preregs else None,
        )


def iso_week(calendar: WorkCalendar, at: datetime) -> str:
    year, week, _ = calendar.local_date(at).isocalendar()
    return f"{year}-W{week:02d}"


def fill_weeks(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
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
    storage: Storage,
    *,
    start: date | None,
    end: date | None,
    unit_ids: list[int] | None,
    calendar: WorkCalendar,
    now: datetime,
) -> Stats:
    """Statistics per unit and in total (see the module docstring for every definition)."""
    facts = await gather(storage, start, end, unit_ids, calendar)
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
            overdue = overdue_deadlines(deadlines, now)
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
        workdays, days = durations(calendar, filing.created_at, decided_at)
        late = is_decided_late(deadlines)
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
    for prereg in facts.preregs:
        if not facts.in_period(prereg.created_at):
            continue
        for t in (tally(prereg.unit_id), total):
            t.preregs += 1
            t.acknowledged += prereg.acknowledged_at is not None
            t.within_day += acknowledged_within_day(prereg)
    units = sorted(tallies.values(), key=lambda t: (t.unit_id is None, t.unit, t.unit_id or 0))
    return Stats(
        start=start,
        end=end,
        unit_ids=sorted(unit_ids) if unit_ids is not None else None,
        generated_at=stamp(now),
        total=total.result(),
        units=[t.result() for t in units],
        weekly=fill_weeks(weekly),
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
            t(locale, "reports.count", label=t(locale, f"filing.outcome.{o}"), n=n)
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
    if u.preregs:
        rate = f"{round((u.prereg_within_day_rate or 0) * 100)}%"
        lines.append(
            t(
                locale,
                "reports.preregs",
                n=u.preregs,
                acknowledged=u.preregs_acknowledged,
                within_day=u.preregs_acknowledged_within_day,
                rate=rate,
            )
        )
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
