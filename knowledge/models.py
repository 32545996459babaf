"""Knowledge-base models: what admins maintain and what the matcher indexes.

Guiding cases follow the interchange format in ``CASE_FORMAT.md`` field for field, so a case
file prepared elsewhere validates against :class:`CaseFile` unchanged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

EntryId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Outcome = Literal["tolerated", "partially_tolerated", "not_tolerated"]
OUTCOMES: tuple[Outcome, ...] = ("tolerated", "partially_tolerated", "not_tolerated")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Boundaries(_Strict):
    """True where the conduct stayed inside that boundary."""

    law: bool
    org_interest: bool
    others_rights: bool


class GuidingCase(_Strict):
    id: EntryId
    title: NonEmpty
    background: NonEmpty
    keywords: list[NonEmpty] = Field(min_length=3, max_length=8)
    error_elements: NonEmpty
    causes: NonEmpty
    handling: NonEmpty
    outcome: Outcome
    boundaries: Boundaries
    distinctions: list[Literal[1, 2, 3]] = Field(default_factory=list)
    measures: NonEmpty
    lessons: NonEmpty

    @field_validator("distinctions")
    @classmethod
    def _unique_distinctions(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("distinctions must not repeat")
        return value


class CaseFile(_Strict):
    """The interchange file: ``{"cases": [...]}`` with unique ids."""

    cases: list[GuidingCase]

    @model_validator(mode="after")
    def _unique_ids(self) -> CaseFile:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id}")
            seen.add(case.id)
        return self


ArticleTopic = Literal[
    "boundaries",
    "distinctions",
    "conditions",
    "never_tolerated",
    "procedure",
    "evidence",
    "clearing",
    "lookback",
    "reporting",
    "secondment",
    "other",
]


class PolicyArticle(_Strict):
    """A policy text a cadre can be pointed to (e.g. the three boundaries)."""

    id: EntryId
    topic: ArticleTopic
    title: NonEmpty
    summary: NonEmpty  # one or two lines, shown on cards and in answers
    body: NonEmpty  # the full text, may be long; split on send
    keywords: list[NonEmpty] = Field(default_factory=list)


class FaqEntry(_Strict):
    id: EntryId
    question: NonEmpty
    alternatives: list[NonEmpty] = Field(default_factory=list)
    answer: NonEmpty
    articles: list[EntryId] = Field(default_factory=list)
    keywords: list[NonEmpty] = Field(default_factory=list)


Answer = Literal["yes", "no", "unsure"]
Indication = Literal["within", "review", "outside"]
QuestionGroup = Literal["conditions", "boundaries", "distinctions", "never"]


class SelfCheckQuestion(_Strict):
    id: EntryId
    group: QuestionGroup
    text: NonEmpty
    hint: str = ""
    article: EntryId


class SelfCheckRule(_Strict):
    """Fires when every named question got one of the listed answers."""

    id: EntryId
    when: dict[EntryId, list[Answer]] = Field(min_length=1)
    indication: Indication
    reason: NonEmpty
    article: EntryId


class SelfCheck(_Strict):
    questions: list[SelfCheckQuestion] = Field(min_length=1)
    rules: list[SelfCheckRule] = Field(min_length=1)


class KnowledgeBase(_Strict):
    """One consistent version of everything cadres are shown."""

    articles: list[PolicyArticle]
    faq: list[FaqEntry]
    cases: list[GuidingCase]
    selfcheck: SelfCheck

    @model_validator(mode="after")
    def _references_resolve(self) -> KnowledgeBase:
        problems: list[str] = []
        for kind, items in (("article", self.articles), ("faq", self.faq), ("case", self.cases)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    problems.append(f"duplicate {kind} id {item.id}")
                seen.add(item.id)
        article_ids = {a.id for a in self.articles}
        question_ids = {q.id for q in self.selfcheck.questions}
        for entry in self.faq:
            problems += [f"faq {entry.id}: unknown article {a}" for a in entry.articles if a not in article_ids]
        for question in self.selfcheck.questions:
            if question.article not in article_ids:
                problems.append(f"selfcheck question {question.id}: unknown article {question.article}")
        for rule in self.selfcheck.rules:
            if rule.article not in article_ids:
                problems.append(f"selfcheck rule {rule.id}: unknown article {rule.article}")
            problems += [f"selfcheck rule {rule.id}: unknown question {q}" for q in rule.when if q not in question_ids]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        # Built once per (immutable) version: card rendering looks cases up by id on every reply.
        return {
            "article": {a.id: a for a in self.articles},
            "faq": {f.id: f for f in self.faq},
            "case": {c.id: c for c in self.cases},
        }

    def article(self, article_id: str) -> PolicyArticle | None:
        return self._by_id["article"].get(article_id)

    def faq_entry(self, faq_id: str) -> FaqEntry | None:
        return self._by_id["faq"].get(faq_id)

    def case(self, case_id: str) -> GuidingCase | None:
        return self._by_id["case"].get(case_id)
