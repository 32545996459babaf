"""Self-check evaluation: rule semantics and the bundled questionnaire."""

from __future__ import annotations

import pytest

from knowledge.loader import CONTENT_DIR, load_selfcheck
from knowledge.models import SelfCheck
from knowledge.selfcheck import AnswerError, evaluate, validate_answers

ALL_GOOD = {
    "c-diligent": "yes",
    "c-emergency": "yes",
    "c-procedure": "no",
    "c-reported": "yes",
    "b-law": "no",
    "b-org": "no",
    "b-rights": "no",
    "d-private": "no",
    "d-ban": "no",
    "d-pioneer": "yes",
    "d-remedy": "yes",
    "n-fraud": "no",
    "n-repeat": "no",
    "n-refuse": "no",
}


@pytest.fixture(scope="module")
def sc() -> SelfCheck:
    return load_selfcheck(CONTENT_DIR / "selfcheck.yaml")


def _small() -> SelfCheck:
    return SelfCheck.model_validate(
        {
            "questions": [
                {"id": "q-cond", "group": "conditions", "text": "紧急吗？", "article": "A1"},
                {"id": "q-law", "group": "boundaries", "text": "违法吗？", "article": "A2"},
                {"id": "q-gain", "group": "distinctions", "text": "有私利吗？", "article": "A3"},
                {"id": "q-fraud", "group": "never", "text": "造假吗？", "article": "A4"},
            ],
            "rules": [
                {
                    "id": "r-gain",
                    "when": {"q-gain": ["yes"]},
                    "indication": "outside",
                    "reason": "私利",
                    "article": "A3",
                },
                {
                    "id": "r-both",
                    "when": {"q-cond": ["yes"], "q-law": ["unsure", "yes"]},
                    "indication": "review",
                    "reason": "紧急且拿不准",
                    "article": "A2",
                },
                {"id": "r-ok", "when": {"q-cond": ["yes"]}, "indication": "within", "reason": "紧急", "article": "A1"},
            ],
        }
    )


def test_bundled_questionnaire_shape(sc: SelfCheck) -> None:
    groups = {q.group for q in sc.questions}
    assert groups == {"conditions", "boundaries", "distinctions", "never"}
    assert set(ALL_GOOD) == {q.id for q in sc.questions}
    assert {r.indication for r in sc.rules} == {"within", "review", "outside"}


def test_private_gain_is_outside(sc: SelfCheck) -> None:
    result = evaluate(sc, {**ALL_GOOD, "d-private": "yes"})
    assert result.indication == "outside"
    assert "r-private-gain" in result.fired
    assert [article for _, article in result.reasons] == ["A-distinction-3"]
    assert "私利" in result.reasons[0][0]
    assert result.other_reasons  # favourable factors are kept apart


def test_private_gain_alone_is_outside(sc: SelfCheck) -> None:
    assert evaluate(sc, {"d-private": "yes"}).indication == "outside"


def test_all_good_is_within(sc: SelfCheck) -> None:
    result = evaluate(sc, ALL_GOOD)
    assert result.indication == "within"
    assert result.unanswered == []
    assert result.reasons  # the favourable rules explain why


def test_unanswered_boundary_is_review(sc: SelfCheck) -> None:
    answers = {k: v for k, v in ALL_GOOD.items() if k != "b-rights"}
    result = evaluate(sc, answers)
    assert result.indication == "review"
    assert result.unanswered == ["b-rights"]
    assert any(article == "A-boundary-rights" for _, article in result.reasons)


def test_unanswered_never_question_is_review(sc: SelfCheck) -> None:
    answers = {k: v for k, v in ALL_GOOD.items() if k != "n-repeat"}
    assert evaluate(sc, answers).indication == "review"


def test_unanswered_condition_question_does_not_block_within(sc: SelfCheck) -> None:
    answers = {k: v for k, v in ALL_GOOD.items() if k != "c-diligent"}
    assert evaluate(sc, answers).indication == "within"


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("b-law", "unsure", "review"),
        ("b-law", "yes", "outside"),
        ("d-ban", "yes", "outside"),
        ("d-ban", "unsure", "review"),
        ("n-fraud", "yes", "outside"),
        ("n-repeat", "yes", "outside"),
        ("n-refuse", "yes", "outside"),
        ("c-reported", "no", "review"),  # emergency, not reported
        ("d-remedy", "no", "review"),
    ],
)
def test_single_answer_changes(sc: SelfCheck, question: str, answer: str, expected: str) -> None:
    assert evaluate(sc, {**ALL_GOOD, question: answer}).indication == expected


def test_not_emergency_without_procedure_is_review(sc: SelfCheck) -> None:
    result = evaluate(sc, {**ALL_GOOD, "c-emergency": "no", "c-reported": "no"})
    assert result.indication == "review"
    assert "r-no-procedure" in result.fired
    assert "r-emergency-unreported" not in result.fired


def test_worst_rule_wins_and_reasons_follow_question_order() -> None:
    sc = _small()
    result = evaluate(sc, {"q-cond": "yes", "q-law": "unsure", "q-gain": "yes", "q-fraud": "no"})
    assert result.indication == "outside"
    # r-both and r-ok both start at q-cond (rule order breaks the tie), r-gain at q-gain
    assert result.fired == ["r-both", "r-ok", "r-gain"]
    assert result.reasons == [("私利", "A3")]
    assert result.other_reasons == [("紧急且拿不准", "A2"), ("紧急", "A1")]
    result = evaluate(sc, {"q-cond": "yes", "q-law": "unsure", "q-gain": "no"})
    assert result.indication == "review"
    assert result.reasons == [("紧急且拿不准", "A2"), ("未回答：造假吗？", "A4")]
    assert result.other_reasons == [("紧急", "A1")]


def test_rule_needs_every_question() -> None:
    sc = _small()
    result = evaluate(sc, {"q-cond": "yes", "q-law": "no", "q-gain": "no", "q-fraud": "no"})
    assert result.fired == ["r-ok"]
    assert result.indication == "within"
    # an unanswered question matches nothing
    result = evaluate(sc, {"q-cond": "yes", "q-gain": "no", "q-fraud": "no"})
    assert "r-both" not in result.fired
    assert result.indication == "review"
    assert result.unanswered == ["q-law"]


def test_no_answers_is_review() -> None:
    result = evaluate(_small(), {})
    assert result.indication == "review"
    assert result.fired == []
    assert result.unanswered == ["q-law", "q-fraud"]
    assert [article for _, article in result.reasons] == ["A2", "A4"]


def test_validate_answers_rejects_unknown_ids_and_answers(sc: SelfCheck) -> None:
    assert validate_answers(sc, {"b-law": "no"}) == {"b-law": "no"}
    with pytest.raises(AnswerError) as info:
        validate_answers(sc, {"b-law": "maybe", "q-unknown": "yes", "d-ban": "YES"})
    assert info.value.problems == [
        "question b-law: answer must be yes, no or unsure, got 'maybe'",
        "unknown question 'q-unknown'",
        "question d-ban: answer must be yes, no or unsure, got 'YES'",
    ]
    with pytest.raises(AnswerError):
        evaluate(sc, {"nope": "yes"})
    assert isinstance(AnswerError([]), ValueError)
