"""Evaluate a cadre's self-check answers against the rules in ``selfcheck.yaml``.

A rule fires when *every* question named in its ``when`` got one of the listed answers (an
unanswered question matches nothing).  The indication is the worst of the fired rules
(``outside`` > ``review`` > ``within``) and ``reasons`` are the reasons of the rules at that
level, so an ``outside`` result is never explained by a favourable factor; those are kept in
``other_reasons``.  ``within`` is only given when no ``outside`` or
``review`` rule fired *and* every question of the groups ``boundaries`` and ``never`` was
answered; a required question left open makes the result ``review`` at best.

The result is an orientation for the cadre, never a decision: only the competent body
decides on tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from knowledge.models import Indication, SelfCheck, SelfCheckRule

__all__ = [
    "ANSWERS",
    "REQUIRED_GROUPS",
    "AnswerError",
    "SelfCheckResult",
    "evaluate",
    "validate_answers",
]

ANSWERS: tuple[str, ...] = ("yes", "no", "unsure")
REQUIRED_GROUPS: frozenset[str] = frozenset({"boundaries", "never"})
_SEVERITY: dict[str, int] = {"within": 0, "review": 1, "outside": 2}


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class SelfCheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    indication: Indication
    # (reason, article id) of the rules that decided the indication, in question order; for
    # ``review`` also one line per required question left unanswered
    reasons: list[tuple[str, str]]
    fired: list[str]  # ids of all rules that fired, in question order
    unanswered: list[str] = []  # required questions (boundaries / never) left open
    # (reason, article id) of fired rules with a milder indication, e.g. favourable factors
    # behind an ``outside`` result; in question order
    other_reasons: list[tuple[str, str]] = []


def validate_answers(selfcheck: SelfCheck, answers: Mapping[str, str]) -> dict[str, str]:
    """Return the answers as a plain dict, or raise :class:`AnswerError` for unknown question
    ids or answers other than ``yes`` / ``no`` / ``unsure``."""
    known = {q.id for q in selfcheck.questions}
    problems: list[str] = []
    for qid, answer in answers.items():
        if qid not in known:
            problems.append(f"unknown question {qid!r}")
        elif answer not in ANSWERS:
            problems.append(f"question {qid}: answer must be yes, no or unsure, got {answer!r}")
    if problems:
        raise AnswerError(problems)
    return dict(answers)


def _fires(rule: SelfCheckRule, answers: Mapping[str, str]) -> bool:
    return all(qid in answers and answers[qid] in allowed for qid, allowed in rule.when.items())


def evaluate(selfcheck: SelfCheck, answers: Mapping[str, str]) -> SelfCheckResult:
    answers = validate_answers(selfcheck, answers)
    order = {q.id: index for index, q in enumerate(selfcheck.questions)}
    rule_order = {r.id: index for index, r in enumerate(selfcheck.rules)}

    def position(rule: SelfCheckRule) -> tuple[int, int]:
        first = min((order.get(qid, len(order)) for qid in rule.when), default=len(order))
        return first, rule_order[rule.id]

    fired = sorted((r for r in selfcheck.rules if _fires(r, answers)), key=position)
    unanswered = [q for q in selfcheck.questions if q.group in REQUIRED_GROUPS and q.id not in answers]

    indication: Indication = "within"
    for rule in fired:
        if _SEVERITY[rule.indication] > _SEVERITY[indication]:
            indication = rule.indication
    if unanswered and indication == "within":
        indication = "review"

    main: list[tuple[tuple[int, int], str, str]] = []
    other: list[tuple[str, str]] = []
    for rule in fired:  # already in question order
        if rule.indication == indication:
            main.append((position(rule), rule.reason, rule.article))
        else:
            other.append((rule.reason, rule.article))
    if indication == "review":
        for question in unanswered:
            main.append(((order[question.id], -1), f"未回答：{question.text}", question.article))
    main.sort(key=lambda item: item[0])
    return SelfCheckResult(
        indication=indication,
        reasons=_unique([(reason, article) for _, reason, article in main]),
        fired=[r.id for r in fired],
        unanswered=[q.id for q in unanswered],
        other_reasons=_unique(other),
    )


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(pairs))
