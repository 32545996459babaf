"""Rows of the filing tables as pydantic models (see migration 0002_filings.sql)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FilingKind = Literal["request", "feedback"]
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
    state: str
    body: dict[str, Any] = Field(default_factory=dict)
    consent_public: bool = False
    idempotency_key: str
    outcome: str | None = None
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
    original_outcome: str | None
    reviewer_id: int | None
    result: Literal["confirmed", "corrected"] | None = None
    new_outcome: str | None = None
    note: str = ""
    clearing_note: str | None = None
    reviewed_at: str | None = None
