"""Rows of the filing tables as pydantic models (see migration 0002_filings.sql)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FilingKind(StrEnum):
    REQUEST = "request"  # 容错申请
    FEEDBACK = "feedback"  # 挂职干部反馈


class FilingState(StrEnum):
    """Every state a filing can be in; which change leads where is bot/filing/states.py."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    INFO_REQUESTED = "info_requested"
    DECIDED_TOLERATED = "decided_tolerated"
    DECIDED_PARTIAL = "decided_partial"
    DECIDED_NOT_TOLERATED = "decided_not_tolerated"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
    READ = "read"
    ANSWERED = "answered"
    FORWARDED = "forwarded"


class Outcome(StrEnum):
    TOLERATED = "tolerated"
    PARTIALLY_TOLERATED = "partially_tolerated"
    NOT_TOLERATED = "not_tolerated"


class LookbackResult(StrEnum):
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"


DraftKind = Literal["request", "feedback", "prereg"]
Visibility = Literal["internal", "cadre"]
DeadlineKind = Literal["accept", "decide"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Filing(_Record):
    id: int
    kind: FilingKind
    ref: str
    cadre_id: int
    unit_id: int | None
    state: FilingState
    body: dict[str, Any] = Field(default_factory=dict)
    consent_public: bool = False
    idempotency_key: str
    outcome: Outcome | None = None
    decision: dict[str, Any] | None = None
    decided_by: int | None = None
    decided_at: str | None = None
    created_at: str
    updated_at: str


class FilingEvent(_Record):
    id: int
    filing_ref: str
    at: str
    actor: int | None
    actor_role: str
    action: str
    from_state: str | None
    to_state: str | None
    message: str
    payload: dict[str, Any] = Field(default_factory=dict)
    visibility: Visibility


class Draft(_Record):
    id: int
    telegram_id: int
    kind: DraftKind
    step: str
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: str
    updated_at: str
    reminded_at: str | None = None


class Attachment(_Record):
    id: int
    owner_id: int
    filing_ref: str | None
    draft_id: int | None
    file_id: str
    file_unique_id: str | None = None
    name: str
    mime: str
    size: int
    added_at: str


class PreRegistration(_Record):
    id: int
    ref: str
    cadre_id: int
    unit_id: int | None
    what: str
    why_urgent: str
    expected_cost: str
    idempotency_key: str
    created_at: str
    acknowledged_by: int | None = None
    acknowledged_at: str | None = None


class Deadline(_Record):
    id: int
    filing_ref: str
    kind: DeadlineKind
    started_at: str
    due_at: str
    paused_at: str | None = None
    remaining_seconds: int | None = None
    reminded_at: str | None = None
    escalated_at: str | None = None
    done_at: str | None = None


class LookbackRun(_Record):
    id: int
    created_at: str
    created_by: int | None
    period_from: str
    period_to: str
    share: float
    seed: int
    population: int


class LookbackItem(_Record):
    id: int
    run_id: int
    filing_ref: str
    original_decider: int | None
    original_outcome: Outcome | None
    reviewer_id: int | None
    result: LookbackResult | None = None
    new_outcome: Outcome | None = None
    note: str = ""
    clearing_note: str | None = None
    reviewed_at: str | None = None
