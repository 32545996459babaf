"""The steps of each filing form, and checking one answer — shared by Telegram and any other front end.

A form is a list of steps; the draft stores the answers so far and the step the user is on, so a
form can be resumed from the database alone after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic_core import PydanticCustomError

from bot.filing.errors import FilingError
from bot.filing.models import CATEGORIES, clean_text

StepKind = Literal["long", "short", "choice", "files", "cases", "preregs", "selfcheck", "consent"]
FormKind = Literal["request", "feedback", "prereg"]


@dataclass(frozen=True)
class Step:
    name: str
    kind: StepKind
    optional: bool = False
    options: tuple[str, ...] = ()


FORMS: dict[str, tuple[Step, ...]] = {
    "request": (
        Step("what_happened", "long"),
        Step("when_where", "short"),
        Step("consequences", "long"),
        Step("motive", "long"),
        Step("remedy", "long"),
        Step("evidence", "files", optional=True),
        Step("cited_cases", "cases", optional=True),
        Step("preregistrations", "preregs", optional=True),
        Step("selfcheck", "selfcheck", optional=True),
        Step("consent_public", "consent"),
    ),
    "feedback": (
        Step("category", "choice", options=CATEGORIES),
        Step("text", "long"),
        Step("urgency", "choice", options=("normal", "urgent")),
        Step("attachments", "files", optional=True),
        Step("consent_public", "consent"),
    ),
    "prereg": (
        Step("what", "long"),
        Step("why_urgent", "long"),
        Step("expected_cost", "short"),
    ),
}
PREVIEW = "preview"
# Steps a typed message answers. At any other step (buttons, files, the preview) typed text is
# not an answer: it is a question, answered while the draft waits where it is.
TEXT_STEPS: frozenset[StepKind] = frozenset({"long", "short"})


def steps(kind: str) -> tuple[Step, ...]:
    return FORMS[kind]


def step(kind: str, name: str) -> Step | None:
    return next((s for s in FORMS[kind] if s.name == name), None)


def following(kind: str, name: str) -> str:
    """The step after ``name`` (``preview`` after the last)."""
    names = [s.name for s in FORMS[kind]]
    index = names.index(name) if name in names else -1
    return names[index + 1] if index + 1 < len(names) else PREVIEW


def previous(kind: str, name: str) -> str | None:
    names = [s.name for s in FORMS[kind]]
    if name == PREVIEW:
        return names[-1]
    index = names.index(name) if name in names else 0
    return names[index - 1] if index > 0 else None


def takes_text(current: Step | None) -> bool:
    """Whether typed text can be this step's answer (``None``: the preview, which takes none)."""
    return current is not None and current.kind in TEXT_STEPS


def check_text(current: Step, text: str | None, text_max: int, short_max: int) -> str:
    """One typed answer, cleaned; FilingError (with a catalogue key) when it cannot be accepted."""
    try:
        if current.kind == "long":
            return clean_text(text, text_max)
        return clean_text(text, short_max, single_line=True)
    except PydanticCustomError as exc:
        raise FilingError(exc.type, **(exc.context or {})) from None


def missing(kind: str, data: dict) -> list[str]:
    """Required steps not answered yet (shown in the preview, and refusing submission)."""
    return [s.name for s in FORMS[kind] if not s.optional and s.kind != "consent" and not data.get(s.name)]


def body(kind: str, data: dict, attachment_ids: list[int]) -> dict:
    """The filing body from a draft: only the form's own fields, with the attachments gathered."""
    result: dict = {}
    for s in FORMS[kind]:
        if s.kind == "files":
            result[s.name] = attachment_ids
        elif s.kind == "consent":
            result[s.name] = bool(data.get(s.name))
        elif s.name in data and data[s.name] not in (None, "", [], {}):
            result[s.name] = data[s.name]
    return result
