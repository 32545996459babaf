"""What the desk's pages show, put into words from the catalogue: the same labels the chat's views use.

Presentation only: which catalogue key names a field, an action, a deadline; no rule decides here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bot.filing import forms
from bot.filing.deadlines import DeadlineStatus
from bot.i18n import Catalogue
from bot.services import Services
from knowledge.models import KnowledgeBase
from storage.records import User
from storage.records_filings import Filing, FilingEvent

LOCALES = ("zh", "en")


@dataclass(frozen=True)
class Row:
    label: str
    value: str | list[str]


class Say:
    """The catalogue in one locale; every answer is trusted HTML whose filled-in values are escaped."""

    def __init__(self, catalogue: Catalogue, locale: str) -> None:
        self.catalogue, self.locale = catalogue, locale

    def __call__(self, key: str, **values: object) -> Markup:
        return Markup(self.catalogue.t(self.locale, key, **values))

    def join(self, items: Iterable[str]) -> str:
        """A short list the way the language writes one (、 in Chinese, a comma in English)."""
        return self.catalogue.raw(self.locale, "common.sep_list").join(items)

    def maybe(self, key: str, fallback: str) -> str:
        return self(key) if self.catalogue.has(key, self.locale) else fallback


def field_rows(say: Say, kb: KnowledgeBase, filing: Filing, n_attachments: int) -> list[Row]:
    """Every field of the form in the form's order, with choices and cited cases in words."""
    rows: list[Row] = []
    questions = {q.id: q.text for q in kb.selfcheck.questions}
    for step in forms.steps(filing.kind):
        value: Any = filing.body.get(step.name)
        if not value or step.kind in ("files", "consent"):
            continue
        label = say(f"form.labels.{step.name}")
        if step.kind == "choice":
            rows.append(Row(label, say.maybe(f"form.options.{step.name}.{value}", str(value))))
        elif step.kind == "cases":
            cases = [kb.case(i) for i in value]
            rows.append(Row(label, [c.title if c else str(i) for c, i in zip(cases, value, strict=True)]))
        elif step.kind == "selfcheck" and isinstance(value, dict):
            rows.append(Row(label, [f"{questions.get(q, q)} — {say.maybe(f'check.{a}', a)}" for q, a in value.items()]))
        elif isinstance(value, list):
            rows.append(Row(label, [str(v) for v in value]))
        else:
            rows.append(Row(label, str(value)))
    if n_attachments:
        rows.append(Row(say("form.labels.evidence"), say("form.n_files", n=n_attachments)))
    return rows


def deadline_rows(say: Say, services: Services, deadlines: list[DeadlineStatus]) -> list[dict[str, str]]:
    return [
        {
            "kind": d.kind,
            "label": say(f"filing.deadline.{d.kind}"),
            "due": services.filings.format_time(d.due_at),
            "provisional": say("filing.deadline.provisional") if d.provisional else "",
            "state": say(f"view.deadline_state.{d.state}"),
        }
        for d in deadlines
    ]


def timeline_rows(say: Say, services: Services, events: list[FilingEvent]) -> list[dict[str, str]]:
    return [
        {
            "at": services.filings.format_time(e.at),
            "action": say.maybe(f"view.action.{e.action}", e.action),
            "internal": say("view.internal_mark") if e.visibility == "internal" else "",
            "visibility": e.visibility,
            "message": e.message or "",
        }
        for e in events
    ]


async def applicant(say: Say, services: Services, filing: Filing) -> dict[str, str] | None:
    user: User | None = await services.users.get(filing.cadre_id)
    if user is None:
        return None
    return {
        "name": user.display_name,
        "id": str(user.telegram_id),
        "unit": await unit_name(say, services, user.unit_id),
        "role": say(f"roles.{user.role}"),
        "seconded": say("web.seconded") if user.seconded else "",
    }


async def unit_name(say: Say, services: Services, unit_id: int | None) -> str:
    if unit_id is None:
        return say("roles.none")
    unit = await services.storage.units.by_id(unit_id)
    return unit.name if unit else str(unit_id)
