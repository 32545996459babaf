"""The anonymised public digest (Markdown) of decisions, corrections and clearing notes."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime

from bot.filing import states
from bot.filing.models import request_body
from bot.filing.workdays import WorkCalendar
from bot.supervision.anonymise import anonymise
from bot.supervision.stats import gather
from storage.protocols import Storage

__all__ = ["digest", "public_text"]

# ---- the public digest -----------------------------------------------------------------------------

_NEVER = datetime.min.replace(tzinfo=UTC)
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
    storage: Storage,
    *,
    start: date | None,
    end: date | None,
    calendar: WorkCalendar | None = None,
    now: datetime | None = None,
    min_unit_decisions: int = 3,
    locale: str = "zh",
) -> str:
    """The anonymised public digest (Markdown; the ``digest`` texts of ``locale``) of decisions and corrections.

    No names, no Telegram ids, no reference numbers; free text only of filings whose cadre
    consented to publication, anonymised; clearing notes (written for publication) anonymised.
    A unit with fewer than ``min_unit_decisions`` decisions in the period is never named: its
    counts and lines go under "other units", so that a small count cannot point to a person.
    """
    from bot.i18n import Catalogue

    catalogue = Catalogue(locale)

    def say(key: str, **values: object) -> str:
        # Markdown, not HTML: the catalogue's text as written, values already made Markdown-safe.
        return catalogue.raw(locale, key).format(**values)

    def outcome_label(outcome: str | None, fallback: str = "") -> str:
        return say(f"filing.outcome.{outcome}") if outcome in states.OUTCOMES else fallback

    calendar = calendar or WorkCalendar.from_yaml()
    now = now or datetime.now(UTC)
    facts = await gather(storage, start, end, None, calendar)
    all_names = [u.display_name or "" for u in await storage.users.all()]

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
    other_units = say("digest.other_units")

    def unit_label(unit_id: int | None) -> str:
        if unit_id not in named:
            return other_units
        return _md_cell(facts.unit_name(unit_id)) if unit_id is not None else say("digest.no_unit")

    if start and end:
        period = say("reports.period", start=start.isoformat(), end=end.isoformat())
    elif start:
        period = say("reports.period_from", start=start.isoformat())
    elif end:
        period = say("reports.period_to", end=end.isoformat())
    else:
        period = say("reports.period_all")
    lines = ["# " + say("digest.title", period=period), "", "> " + say("digest.notice"), ""]
    lines += ["## " + say("digest.decisions_heading"), ""]
    if decided:
        counts_text = say("digest.list_sep").join(
            say("digest.outcome_count", label=outcome_label(o), n=total[o]) for o in states.OUTCOMES
        )
        lines.append(say("digest.decisions", n=len(decided), outcomes=counts_text))
        head = " | ".join(
            [say("digest.table_unit"), *(outcome_label(o) for o in states.OUTCOMES), say("digest.table_total")]
        )
        lines += ["", f"| {head} |", "| --- |" + " ---: |" * (len(states.OUTCOMES) + 1)]
        rows = [
            (unit_label(u), per_unit[u]) for u in sorted(named, key=lambda u: (u is None, facts.unit_name(u), u or 0))
        ]
        merged = sum((c for u, c in per_unit.items() if u not in named), Counter[str]())
        if merged:
            rows.append((other_units, merged))
        for label, counts in rows:
            cells = " | ".join(str(counts[o]) for o in states.OUTCOMES)
            lines.append(f"| {label} | {cells} | {sum(counts.values())} |")
    else:
        lines.append(say("digest.no_decisions"))

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
    lines += ["", "## " + say("digest.lookback_heading"), ""]
    if reviewed:
        kept = len(reviewed) - len(corrections)
        lines.append(say("digest.lookback", reviewed=len(reviewed), kept=kept, corrected=len(corrections)))
        if corrections:
            lines.append("")
    else:
        lines.append(say("digest.no_lookback"))
    for number, (item, filing) in enumerate(sorted(corrections, key=lambda p: p[0].reviewed_at or _NEVER), start=1):
        old = outcome_label(item.original_outcome, say("digest.old_outcome"))
        new = outcome_label(item.new_outcome or filing.outcome, say("digest.new_outcome"))
        line = say("digest.correction", number=number, unit=unit_label(filing.unit_id), old=old, new=new)
        if item.clearing_note:
            line += say("digest.correction_clearing", note=clean(item.clearing_note, 300))
        lines.append(line)

    lines += ["", "## " + say("digest.clearing_heading"), ""]
    notes = await storage.clearing_notes.all()
    cleared = [n for n in notes if facts.in_period(n.issued_at)]
    if cleared:
        lines += [say("digest.clearing", n=len(cleared)), ""]
        for number, note in enumerate(cleared, start=1):
            lines.append(
                say("digest.clearing_item", number=number, unit=unit_label(note.unit_id), note=clean(note.note, 300))
            )
    else:
        lines.append(say("digest.no_clearing"))

    consenting = [f for f in decided if f.consent_public]
    lines += ["", "## " + say("digest.cases_heading"), ""]
    if consenting:
        for number, filing in enumerate(consenting, start=1):
            what = clean(request_body(filing).what_happened, 120)
            outcome = outcome_label(filing.outcome)
            lines.append(
                say("digest.case_item", number=number, unit=unit_label(filing.unit_id), outcome=outcome, what=what)
            )
    else:
        lines.append(say("digest.no_cases"))
    stamp = now.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")
    lines += ["", "---", "", "*" + say("digest.footer", stamp=stamp) + "*", ""]
    return "\n".join(lines)
