"""Every legal and illegal transition, for every role, checked against an independent table."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from bot.filing import states
from bot.filing.errors import TransitionError
from bot.filing.states import transition

OWNER, OTHER = 1, 2
BOUNDS = {"law": True, "org_interest": True, "others_rights": True}
REASON = "情况紧急，出于公心，事后及时报告并挽回损失。"

# (kind, from_state, action, who) -> to_state; who is "owner" or a supervising role.
LEGAL = {
    ("request", "submitted", "accept", "supervisor"): "accepted",
    ("request", "submitted", "accept", "admin"): "accepted",
    ("request", "accepted", "request_info", "supervisor"): "info_requested",
    ("request", "accepted", "request_info", "admin"): "info_requested",
    ("request", "info_requested", "answer_info", "owner"): "accepted",
    ("request", "accepted", "decide", "supervisor"): "decided_tolerated",
    ("request", "accepted", "decide", "admin"): "decided_tolerated",
    ("request", "submitted", "withdraw", "owner"): "withdrawn",
    ("request", "accepted", "withdraw", "owner"): "withdrawn",
    ("request", "info_requested", "withdraw", "owner"): "withdrawn",
    ("feedback", "submitted", "read", "supervisor"): "read",
    ("feedback", "submitted", "read", "admin"): "read",
    ("feedback", "read", "answer", "supervisor"): "answered",
    ("feedback", "read", "answer", "admin"): "answered",
    ("feedback", "read", "forward", "supervisor"): "forwarded",
    ("feedback", "read", "forward", "admin"): "forwarded",
}
for decided in states.DECIDED_STATES:
    for role in ("supervisor", "admin"):
        LEGAL[("request", decided, "confirm", role)] = "confirmed"
        LEGAL[("request", decided, "correct", role)] = "corrected"

WHO = ("owner", "cadre", "supervisor", "admin")


def _filing(kind: str, state: str) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, state=state, cadre_id=OWNER, outcome=states.STATE_OUTCOME.get(state))


def _details(action: str, state: str) -> dict:
    if action == "decide":
        return {"outcome": "tolerated", "reason": REASON, "boundaries": BOUNDS, "distinctions": [1]}
    if action == "correct":
        new = "not_tolerated" if state != "decided_not_tolerated" else "tolerated"
        return {"outcome": new, "reason": REASON, "boundaries": BOUNDS, "clearing_note": "经复查，予以澄清正名。"}
    if action in ("request_info", "answer_info", "answer", "forward"):
        return {"message": "请补充购买凭证。"}
    return {}


def _actor(who: str) -> tuple[str, int]:
    return ("cadre", OWNER) if who == "owner" else (who, OTHER)


CASES = [
    (kind, state, action, who)
    for kind in ("request", "feedback")
    for state, action, who in itertools.product(states.STATES[kind], sorted(states.ACTIONS[kind]), WHO)
]


@pytest.mark.parametrize(("kind", "state", "action", "who"), CASES)
def test_every_transition(kind: str, state: str, action: str, who: str) -> None:
    role, actor_id = _actor(who)
    expected = LEGAL.get((kind, state, action, who))
    if expected is None:
        with pytest.raises(TransitionError) as refused:
            transition(_filing(kind, state), action, role, actor_id=actor_id, **_details(action, state))
        assert refused.value.key.startswith("filing.error.")
    else:
        step = transition(_filing(kind, state), action, role, actor_id=actor_id, **_details(action, state))
        assert (step.from_state, step.to_state) == (state, expected)


def test_the_table_has_no_unreachable_entries() -> None:
    covered = {(k, s, a) for (k, s, a, _) in LEGAL}
    assert covered == {(k, s, a) for k, table in states.TABLES.items() for (s, a) in table}


def test_actions_of_other_kind_are_unknown() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(_filing("feedback", "submitted"), "accept", "supervisor", actor_id=OTHER)
    assert refused.value.key == "filing.error.unknown_action"
    with pytest.raises(TransitionError):
        transition(_filing("request", "submitted"), "read", "supervisor", actor_id=OTHER)


def test_supervisor_cannot_act_on_own_filing() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(_filing("request", "submitted"), "accept", "supervisor", actor_id=OWNER)
    assert refused.value.key == "filing.error.own_filing"


def test_other_cadre_cannot_answer_or_withdraw() -> None:
    for action in ("answer_info", "withdraw"):
        with pytest.raises(TransitionError) as refused:
            transition(_filing("request", "info_requested"), action, "cadre", actor_id=OTHER, message="补充")
        assert refused.value.key == "filing.error.not_allowed"


def test_withdraw_after_decision_says_why() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(_filing("request", "decided_partial"), "withdraw", "cadre", actor_id=OWNER)
    assert refused.value.key == "filing.error.already_decided"


@pytest.mark.parametrize(
    ("details", "key"),
    [
        ({"outcome": "maybe", "reason": REASON, "boundaries": BOUNDS}, "filing.error.bad_outcome"),
        ({"outcome": "tolerated", "reason": "", "boundaries": BOUNDS}, "filing.error.reason_required"),
        ({"outcome": "tolerated", "reason": "同意。", "boundaries": BOUNDS}, "filing.error.reason_too_short"),
        ({"outcome": "tolerated", "reason": REASON}, "filing.error.boundaries_required"),
        ({"outcome": "tolerated", "reason": REASON, "boundaries": {"law": True}}, "filing.error.boundaries_required"),
        (
            {"outcome": "tolerated", "reason": REASON, "boundaries": BOUNDS, "distinctions": [4]},
            "filing.error.bad_distinctions",
        ),
        (
            {"outcome": "tolerated", "reason": REASON, "boundaries": BOUNDS, "distinctions": [1, 1]},
            "filing.error.bad_distinctions",
        ),
        (
            {"outcome": "tolerated", "reason": REASON, "boundaries": {**BOUNDS, "law": False}},
            "filing.error.boundary_crossed",
        ),
        ({"outcome": "tolerated", "reason": "\x00\x01\x02", "boundaries": BOUNDS}, "filing.error.garbage"),
    ],
)
def test_decision_needs_reason_and_boundaries(details: dict, key: str) -> None:
    with pytest.raises(TransitionError) as refused:
        transition(_filing("request", "accepted"), "decide", "supervisor", actor_id=OTHER, **details)
    assert refused.value.key == key


def test_decision_outcomes_map_to_states() -> None:
    for outcome, state in states.OUTCOME_STATE.items():
        bounds = BOUNDS if outcome == "tolerated" else {**BOUNDS, "law": False}
        step = transition(
            _filing("request", "accepted"),
            "decide",
            "admin",
            actor_id=OTHER,
            outcome=outcome,
            reason=REASON,
            boundaries=bounds,
            distinctions=[3, 1],
        )
        assert step.to_state == state
        assert step.decision == {"outcome": outcome, "reason": REASON, "boundaries": bounds, "distinctions": [1, 3]}


def test_correction_needs_a_new_outcome_and_a_clearing_note() -> None:
    filing = _filing("request", "decided_not_tolerated")
    base = {"reason": REASON, "boundaries": BOUNDS}
    with pytest.raises(TransitionError) as same:
        transition(filing, "correct", "supervisor", actor_id=OTHER, outcome="not_tolerated", clearing_note="x", **base)
    assert same.value.key == "filing.error.same_outcome"
    with pytest.raises(TransitionError) as note:
        transition(filing, "correct", "supervisor", actor_id=OTHER, outcome="tolerated", **base)
    assert note.value.key == "filing.error.clearing_note_required"
    step = transition(
        filing, "correct", "supervisor", actor_id=OTHER, outcome="tolerated", clearing_note="澄清正名", **base
    )
    assert step.decision["corrects"] == "not_tolerated"
    assert step.decision["clearing_note"] == "澄清正名"


def test_messages_are_required_where_the_table_says() -> None:
    with pytest.raises(TransitionError) as refused:
        transition(_filing("request", "accepted"), "request_info", "supervisor", actor_id=OTHER, message="  ")
    assert refused.value.key == "filing.error.message_required"


def test_allowed_actions_offer_only_legal_buttons() -> None:
    assert states.allowed_actions(_filing("request", "accepted"), "supervisor", OTHER) == ["request_info", "decide"]
    assert states.allowed_actions(_filing("request", "accepted"), "cadre", OWNER) == ["withdraw"]
    assert states.allowed_actions(_filing("request", "accepted"), "cadre", OTHER) == []
