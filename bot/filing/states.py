"""The one place where a filing changes state.

Every change goes through :func:`transition`, which looks the (kind, state, action) triple up in
the tables below and checks who asks and with what. An illegal change raises
:class:`TransitionError` whose ``key`` names the catalogue message, whoever asks — a cadre, a
supervisor, an admin, a forged button or a second device.

Tolerance request::

    submitted ──accept──▶ accepted ──request_info──▶ info_requested
                              ▲                           │
                              └──────answer_info──────────┘
    accepted ──decide──▶ decided_tolerated | decided_partial | decided_not_tolerated
    decided_* ──confirm──▶ confirmed        (look-back upheld the decision)
    decided_* ──correct──▶ corrected        (look-back: a new decision and a clearing note)
    submitted | accepted | info_requested ──withdraw──▶ withdrawn   (the cadre, before a decision)

Feedback::

    submitted ──read──▶ read ──answer──▶ answered
                             └─forward─▶ forwarded
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from bot.filing.errors import TransitionError
from bot.filing.models import clean_text
from storage.records import Role
from storage.records_filings import FilingKind, FilingState, Outcome

__all__ = [
    "EFFECTS",
    "Action",
    "Effect",
    "Notice",
    "Transition",
    "TransitionError",
    "allowed_actions",
    "clean_message",
    "transition",
]

# ---- states ------------------------------------------------------------------------------------


class Action(StrEnum):
    """What someone does to a filing: the verbs of the tables below, and of the history."""

    ACCEPT = "accept"
    REQUEST_INFO = "request_info"
    ANSWER_INFO = "answer_info"
    DECIDE = "decide"
    CONFIRM = "confirm"
    CORRECT = "correct"
    WITHDRAW = "withdraw"
    READ = "read"
    ANSWER = "answer"
    FORWARD = "forward"


S = FilingState

REQUEST_STATES: tuple[FilingState, ...] = (
    S.SUBMITTED,
    S.ACCEPTED,
    S.INFO_REQUESTED,
    S.DECIDED_TOLERATED,
    S.DECIDED_PARTIAL,
    S.DECIDED_NOT_TOLERATED,
    S.CONFIRMED,
    S.CORRECTED,
    S.WITHDRAWN,
)
FEEDBACK_STATES: tuple[FilingState, ...] = (S.SUBMITTED, S.READ, S.ANSWERED, S.FORWARDED)
DECIDED_STATES = (S.DECIDED_TOLERATED, S.DECIDED_PARTIAL, S.DECIDED_NOT_TOLERATED)
OPEN_REQUEST_STATES = (S.SUBMITTED, S.ACCEPTED, S.INFO_REQUESTED)
OPEN_FEEDBACK_STATES = (S.SUBMITTED, S.READ)
FINAL_REQUEST_STATES = (*DECIDED_STATES, S.CONFIRMED, S.CORRECTED, S.WITHDRAWN)

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
OUTCOME_STATE: dict[Outcome, FilingState] = {
    Outcome.TOLERATED: S.DECIDED_TOLERATED,
    Outcome.PARTIALLY_TOLERATED: S.DECIDED_PARTIAL,
    Outcome.NOT_TOLERATED: S.DECIDED_NOT_TOLERATED,
}
STATE_OUTCOME: dict[FilingState, Outcome] = {state: outcome for outcome, state in OUTCOME_STATE.items()}
BOUNDARIES = ("law", "org_interest", "others_rights")  # 三条边界: True = stayed inside it
DISTINCTIONS = (1, 2, 3)  # 三个区分开来

SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
ANYONE = frozenset(Role)

REASON_MIN = 15
MESSAGE_MAX = 2000


@dataclass(frozen=True)
class Rule:
    target: FilingState | None  # None: the outcome decides (decide / correct)
    roles: frozenset[Role]
    owner: bool = False  # only the cadre who filed may do it
    decision: bool = False  # needs outcome, reason, boundaries, distinctions
    message: bool = False  # needs a message (question, answer, forwarding note)
    visibility: Literal["cadre", "internal"] = "cadre"


A = Action
Table = dict[tuple[FilingState, Action], Rule]

REQUEST_TRANSITIONS: Table = {
    (S.SUBMITTED, A.ACCEPT): Rule(S.ACCEPTED, SUPERVISING),
    (S.ACCEPTED, A.REQUEST_INFO): Rule(S.INFO_REQUESTED, SUPERVISING, message=True),
    (S.INFO_REQUESTED, A.ANSWER_INFO): Rule(S.ACCEPTED, ANYONE, owner=True, message=True),
    (S.ACCEPTED, A.DECIDE): Rule(None, SUPERVISING, decision=True),
    **{(state, A.CONFIRM): Rule(S.CONFIRMED, SUPERVISING) for state in DECIDED_STATES},
    **{(state, A.CORRECT): Rule(S.CORRECTED, SUPERVISING, decision=True) for state in DECIDED_STATES},
    **{(state, A.WITHDRAW): Rule(S.WITHDRAWN, ANYONE, owner=True) for state in OPEN_REQUEST_STATES},
}

FEEDBACK_TRANSITIONS: Table = {
    (S.SUBMITTED, A.READ): Rule(S.READ, SUPERVISING),
    (S.READ, A.ANSWER): Rule(S.ANSWERED, SUPERVISING, message=True),
    (S.READ, A.FORWARD): Rule(S.FORWARDED, SUPERVISING, message=True),
}

# ---- what happens after each action ---------------------------------------------------------
# Read beside the rules above: the deadlines an action moves and who is told. bot/filing/workflow.py
# carries them out inside the action's transaction.

DeadlineOp = Literal["start", "complete", "pause", "resume", "complete_all"]
Fact = Literal["message", "decision", "due"]  # what a notice carries beyond the reference


@dataclass(frozen=True)
class Notice:
    key: str
    to: Literal["cadre", "supervisors"] = "cadre"
    purpose: str | None = None  # which buttons the notice gets (handlers/notify_buttons.py)
    carries: frozenset[Fact] = frozenset()


@dataclass(frozen=True)
class Effect:
    deadlines: tuple[tuple[DeadlineOp, str | None], ...] = ()
    notices: tuple[Notice, ...] = ()


_MESSAGE: frozenset[Fact] = frozenset({"message"})
_DECISION: frozenset[Fact] = frozenset({"decision"})

EFFECTS: dict[Action, Effect] = {
    A.ACCEPT: Effect(
        deadlines=(("complete", "accept"), ("start", "decide")),
        notices=(Notice("filing.notify.accepted", carries=frozenset({"due"})),),
    ),
    A.REQUEST_INFO: Effect(
        deadlines=(("pause", "decide"),),
        notices=(Notice("filing.notify.info_requested", purpose="answer_info", carries=_MESSAGE),),
    ),
    A.ANSWER_INFO: Effect(
        deadlines=(("resume", "decide"),),
        notices=(
            Notice("filing.notify.info_sent"),
            Notice("filing.notify.info_answered", to="supervisors", purpose="answered", carries=_MESSAGE),
        ),
    ),
    A.DECIDE: Effect(
        deadlines=(("complete_all", None),), notices=(Notice("filing.notify.decided", carries=_DECISION),)
    ),
    A.CORRECT: Effect(
        deadlines=(("complete_all", None),), notices=(Notice("filing.notify.corrected", carries=_DECISION),)
    ),
    A.WITHDRAW: Effect(
        deadlines=(("complete_all", None),),
        notices=(
            Notice("filing.notify.withdrawn"),
            Notice("filing.notify.withdrawn_supervisor", to="supervisors", carries=_MESSAGE),
        ),
    ),
    A.CONFIRM: Effect(notices=(Notice("filing.notify.confirmed"),)),
    A.READ: Effect(notices=(Notice("filing.notify.feedback_read", carries=_MESSAGE),)),
    A.ANSWER: Effect(notices=(Notice("filing.notify.feedback_answered", carries=_MESSAGE),)),
    A.FORWARD: Effect(notices=(Notice("filing.notify.feedback_forwarded", carries=_MESSAGE),)),
}

TABLES: dict[FilingKind, Table] = {FilingKind.REQUEST: REQUEST_TRANSITIONS, FilingKind.FEEDBACK: FEEDBACK_TRANSITIONS}
ACTIONS: dict[FilingKind, frozenset[Action]] = {kind: frozenset(a for _, a in table) for kind, table in TABLES.items()}
STATES: dict[FilingKind, tuple[FilingState, ...]] = {
    FilingKind.REQUEST: REQUEST_STATES,
    FilingKind.FEEDBACK: FEEDBACK_STATES,
}


class Changeable(Protocol):
    """What the rules read of a filing (a stored ``Filing``, or a test's stand-in)."""

    @property
    def kind(self) -> FilingKind: ...
    @property
    def state(self) -> FilingState: ...
    @property
    def cadre_id(self) -> int: ...
    @property
    def outcome(self) -> Outcome | None: ...


@dataclass(frozen=True)
class Transition:
    kind: FilingKind
    action: Action
    from_state: FilingState
    to_state: FilingState
    visibility: Literal["cadre", "internal"]
    message: str = ""
    decision: dict[str, Any] | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def allowed_actions(filing: Changeable, actor_role: str, actor_id: int | None = None) -> list[Action]:
    """Actions this actor could take now (to offer buttons); each is still re-checked on use."""
    table = TABLES.get(filing.kind, {})
    found = []
    for (state, action), rule in table.items():
        if state != filing.state or actor_role not in rule.roles:
            continue
        is_owner = actor_id is not None and actor_id == filing.cadre_id
        if rule.owner != is_owner:
            continue
        found.append(action)
    return found


def transition(
    filing: Changeable,
    action: str,
    actor_role: str,
    *,
    actor_id: int | None = None,
    outcome: str | None = None,
    reason: str | None = None,
    boundaries: dict[str, bool] | None = None,
    distinctions: list[int] | tuple[int, ...] | None = None,
    clearing_note: str | None = None,
    message: str | None = None,
    reason_min: int = REASON_MIN,
    message_max: int = MESSAGE_MAX,
) -> Transition:
    """Check one change of ``filing`` (anything with ``kind``, ``state`` and ``cadre_id``).

    Returns what to record; raises :class:`TransitionError` for anything illegal. Pure: the
    caller writes the change (compare-and-set on the state it was computed from).
    """
    table = TABLES.get(filing.kind)
    if table is None:
        raise TransitionError("filing.error.unknown_kind", kind=filing.kind)
    if action not in ACTIONS[filing.kind]:
        raise TransitionError("filing.error.unknown_action", action=action)
    action = Action(action)
    if actor_role not in ANYONE:
        raise TransitionError("filing.error.not_allowed", action=action)
    is_owner = actor_id is not None and actor_id == filing.cadre_id
    # Role first (the same answer in every state, so a refusal leaks nothing), then the state.
    rules = [rule for (state, act), rule in table.items() if act == action]
    sample = rules[0]
    if actor_role not in sample.roles or (sample.owner and not is_owner):
        raise TransitionError("filing.error.not_allowed", action=action)
    if not sample.owner and is_owner:
        raise TransitionError("filing.error.own_filing", action=action)
    rule = table.get((filing.state, action))
    if rule is None:
        if action == Action.WITHDRAW and filing.state in FINAL_REQUEST_STATES:
            raise TransitionError("filing.error.already_decided", state=filing.state)
        raise TransitionError("filing.error.illegal_transition", state=filing.state, action=action)

    text = ""
    if rule.message or (message is not None and message.strip()):
        text = clean_message(message, message_max, "filing.error.message_required")

    decision: dict[str, Any] | None = None
    to_state = rule.target
    payload: dict[str, Any] = {}
    if rule.decision:
        decision = _decision(outcome, reason, boundaries, distinctions, reason_min, message_max)
        if action is Action.DECIDE:
            to_state = OUTCOME_STATE[Outcome(decision["outcome"])]
        else:  # correct
            previous = STATE_OUTCOME.get(filing.state) or filing.outcome
            if decision["outcome"] == previous:
                raise TransitionError("filing.error.same_outcome", outcome=previous)
            decision["clearing_note"] = clean_message(clearing_note, message_max, "filing.error.clearing_note_required")
            decision["corrects"] = previous
        payload["decision"] = decision
    assert to_state is not None
    return Transition(
        kind=filing.kind,
        action=action,
        from_state=filing.state,
        to_state=to_state,
        visibility=rule.visibility,
        message=text,
        decision=decision,
        payload=payload,
    )


def clean_message(value: str | None, limit: int, empty_key: str) -> str:
    try:
        return clean_text(value, limit)
    except (ValueError, ValidationError) as exc:
        key = getattr(exc, "type", None) or "filing.error.invalid"
        if key == "filing.error.empty":
            raise TransitionError(empty_key) from None
        raise TransitionError(key, **(getattr(exc, "context", None) or {})) from None


def _decision(
    outcome: str | None,
    reason: str | None,
    boundaries: dict[str, bool] | None,
    distinctions: list[int] | tuple[int, ...] | None,
    reason_min: int,
    message_max: int,
) -> dict[str, Any]:
    if outcome not in OUTCOMES:
        raise TransitionError("filing.error.bad_outcome")
    text = clean_message(reason, message_max, "filing.error.reason_required")
    if len(text) < reason_min:
        raise TransitionError("filing.error.reason_too_short", limit=reason_min)
    if (
        not isinstance(boundaries, dict)
        or set(boundaries) != set(BOUNDARIES)
        or not all(isinstance(v, bool) for v in boundaries.values())
    ):
        raise TransitionError("filing.error.boundaries_required")
    chosen = list(distinctions or [])
    if any(d not in DISTINCTIONS for d in chosen) or len(set(chosen)) != len(chosen):
        raise TransitionError("filing.error.bad_distinctions")
    if outcome == "tolerated" and not all(boundaries.values()):
        # The three boundaries are red lines: crossing one is never fully tolerated.
        raise TransitionError("filing.error.boundary_crossed")
    return {
        "outcome": outcome,
        "reason": text,
        "boundaries": {name: boundaries[name] for name in BOUNDARIES},
        "distinctions": sorted(chosen),
    }
