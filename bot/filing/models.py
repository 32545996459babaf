"""What a cadre files, validated: clean text, sane lengths, nothing binary.

Validation errors are :class:`pydantic_core.PydanticCustomError` whose ``type`` is a catalogue
key (``filing.error.empty``, ``filing.error.too_long`` with ``limit``, ``filing.error.garbage`` …),
so a handler can show the right message with :func:`error_key`. Limits come from the validation
context (``model_validate(data, context={"text_max": 3000})``) or the defaults below.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from storage.records_filings import Filing, FilingKind

TEXT_MAX = 2000  # long free-text answers (characters)
SHORT_MAX = 300  # short answers: when and where, expected cost
MAX_CITED_CASES = 10
MAX_EVIDENCE = 20
MAX_SELFCHECK = 60

Category = Literal["situation", "problems", "suggestions", "implementation"]
CATEGORIES: tuple[Category, ...] = ("situation", "problems", "suggestions", "implementation")
Urgency = Literal["normal", "urgent"]

_CASE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SELFCHECK_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_PR_REF = re.compile(r"^PR-[0-9]{4}-[0-9]{6}$")


def clean_text(value: object, limit: int = TEXT_MAX, *, single_line: bool = False) -> str:
    """Normalise one answer or raise a ``PydanticCustomError`` named by a catalogue key.

    Line endings become ``\\n``, tabs become spaces, other control and format characters are
    dropped; text that is mostly control characters, contains NUL bytes, replacement
    characters or unpaired surrogates is refused as binary garbage rather than silently cleaned.
    """
    if value is None:
        raise PydanticCustomError("filing.error.empty", "empty")
    if isinstance(value, bytes):
        raise PydanticCustomError("filing.error.garbage", "binary")
    if not isinstance(value, str):
        raise PydanticCustomError("filing.error.not_text", "not text")
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if "\x00" in text or "\ufffd" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise PydanticCustomError("filing.error.garbage", "binary")
    kept: list[str] = []
    dropped = 0
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" or category[0] != "C" or ch in "\u200d\u200c":
            kept.append(ch)
        else:
            dropped += 1
    if dropped * 2 > len(text) or (dropped >= 4 and dropped * 10 > len(text)):
        raise PydanticCustomError("filing.error.garbage", "binary")
    cleaned = "".join(kept)
    if single_line:
        cleaned = " ".join(cleaned.split())
    else:
        lines = [line.rstrip() for line in cleaned.split("\n")]
        cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    cleaned = cleaned.strip()
    if not cleaned:
        raise PydanticCustomError("filing.error.empty", "empty")
    if len(cleaned) > limit:
        raise PydanticCustomError("filing.error.too_long", "longer than {limit}", {"limit": limit})
    return cleaned


def _limit(info: ValidationInfo, name: str, default: int) -> int:
    context = info.context or {}
    return int(context.get(name, default))


def error_key(exc: ValidationError) -> tuple[str, dict[str, Any], str]:
    """(catalogue key, values, field) of the first problem in a validation error."""
    first = exc.errors()[0]
    key = first["type"] if first["type"].startswith("filing.") else "filing.error.invalid"
    field = ".".join(str(part) for part in first.get("loc", ()))
    return key, dict(first.get("ctx") or {}), field


def _attachment_ids(value: list[int], info: ValidationInfo) -> list[int]:
    if any(v <= 0 for v in value):
        raise PydanticCustomError("filing.error.bad_attachment", "bad attachment id")
    unique = list(dict.fromkeys(value))
    limit = _limit(info, "max_evidence", MAX_EVIDENCE)
    if len(unique) > limit:
        raise PydanticCustomError("filing.error.too_many_files", "more than {limit}", {"limit": limit})
    return unique


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToleranceRequestBody(_Body):
    what_happened: str
    when_where: str
    consequences: str
    motive: str
    remedy: str
    evidence: list[int] = Field(default_factory=list)
    cited_cases: list[str] = Field(default_factory=list)
    selfcheck: dict[str, str] = Field(default_factory=dict)
    preregistrations: list[str] = Field(default_factory=list)
    consent_public: bool = False

    @field_validator("what_happened", "consequences", "motive", "remedy", mode="before")
    @classmethod
    def _long_text(cls, value: object, info: ValidationInfo) -> str:
        return clean_text(value, _limit(info, "text_max", TEXT_MAX))

    @field_validator("when_where", mode="before")
    @classmethod
    def _short_text(cls, value: object, info: ValidationInfo) -> str:
        return clean_text(value, _limit(info, "short_max", SHORT_MAX), single_line=True)

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: list[int], info: ValidationInfo) -> list[int]:
        return _attachment_ids(value, info)

    @field_validator("cited_cases")
    @classmethod
    def _cases(cls, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(v.strip() for v in value))
        if any(not _CASE_ID.match(v) for v in unique):
            raise PydanticCustomError("filing.error.bad_case", "bad case id")
        if len(unique) > MAX_CITED_CASES:
            raise PydanticCustomError("filing.error.too_many_cases", "more than {limit}", {"limit": MAX_CITED_CASES})
        return unique

    @field_validator("selfcheck")
    @classmethod
    def _selfcheck(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_SELFCHECK:
            raise PydanticCustomError("filing.error.bad_selfcheck", "too many answers")
        for key, answer in value.items():
            if not _SELFCHECK_KEY.match(key) or not _SELFCHECK_KEY.match(answer):
                raise PydanticCustomError("filing.error.bad_selfcheck", "bad answer")
        return value

    @field_validator("preregistrations")
    @classmethod
    def _preregs(cls, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(value))
        if any(not _PR_REF.match(v) for v in unique) or len(unique) > MAX_EVIDENCE:
            raise PydanticCustomError("filing.error.bad_prereg", "bad pre-registration reference")
        return unique

    def summary(self, limit: int = 80) -> str:
        """The first line of what happened, shortened, for notifications and lists."""
        first = self.what_happened.split("\n", 1)[0]
        return first if len(first) <= limit else first[: limit - 1] + "…"


class FeedbackBody(_Body):
    category: Category
    text: str
    urgency: Urgency = "normal"
    attachments: list[int] = Field(default_factory=list)
    consent_public: bool = False

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        if value not in CATEGORIES:
            raise PydanticCustomError("filing.error.bad_category", "unknown category")
        return value

    @field_validator("urgency", mode="before")
    @classmethod
    def _urgency(cls, value: object) -> object:
        if value not in ("normal", "urgent"):
            raise PydanticCustomError("filing.error.bad_urgency", "unknown urgency")
        return value

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: object, info: ValidationInfo) -> str:
        return clean_text(value, _limit(info, "text_max", TEXT_MAX))

    @field_validator("attachments")
    @classmethod
    def _attachments(cls, value: list[int], info: ValidationInfo) -> list[int]:
        return _attachment_ids(value, info)

    def summary(self, limit: int = 80) -> str:
        first = self.text.split("\n", 1)[0]
        return first if len(first) <= limit else first[: limit - 1] + "…"


class PreRegistrationBody(_Body):
    what: str
    why_urgent: str
    expected_cost: str

    @field_validator("what", "why_urgent", mode="before")
    @classmethod
    def _long_text(cls, value: object, info: ValidationInfo) -> str:
        return clean_text(value, _limit(info, "text_max", TEXT_MAX))

    @field_validator("expected_cost", mode="before")
    @classmethod
    def _short_text(cls, value: object, info: ValidationInfo) -> str:
        return clean_text(value, _limit(info, "short_max", SHORT_MAX))


FilingBody = ToleranceRequestBody | FeedbackBody

# A stored body was checked against the limits of the day it was filed; reading it back must not
# refuse it because a limit has since been lowered.
_AS_STORED = {"text_max": 1 << 30, "short_max": 1 << 30, "max_evidence": 1 << 30}


def body_of(filing: Filing) -> FilingBody:
    """A filing's body as the model of its kind."""
    model = ToleranceRequestBody if filing.kind == FilingKind.REQUEST else FeedbackBody
    return model.model_validate(filing.body, context=_AS_STORED)


def request_body(filing: Filing) -> ToleranceRequestBody:
    body = body_of(filing)
    if not isinstance(body, ToleranceRequestBody):
        raise ValueError(f"{filing.ref} is not a tolerance request")
    return body
