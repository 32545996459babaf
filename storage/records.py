"""Rows as pydantic models: what the repositories hand to services, whatever the backend."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.timestamps import Moment


class Role(StrEnum):
    CADRE = "cadre"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLES: tuple[Role, ...] = tuple(Role)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Unit(_Record):
    id: int
    name: str
    parent_id: int | None = None


class User(_Record):
    telegram_id: int
    display_name: str
    role: Role
    unit_id: int | None
    unit_name: str | None = None
    active: bool = True
    seconded: bool = False


class Invite(_Record):
    code: str
    role: Role
    unit_id: int | None
    unit_name: str | None = None
    created_by: int | None
    created_at: Moment
    expires_at: Moment | None
    used_by: int | None
    used_at: Moment | None


class OutboxMessage(_Record):
    id: int
    chat_id: int
    text: str
    markup: str | None
    attempts: int


class AuditEntry(_Record):
    id: int
    at: str  # text, not a Moment: it is part of what the hash chain signs
    actor: int | None
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str
    mac: str | None = None


class KbVersion(_Record):
    id: int
    created_at: Moment
    author: int | None
    comment: str
    content: str


class KbStaged(_Record):
    id: int
    created_at: Moment
    author: int
    base_version: int
    comment: str
    content: str
    applied_version: int | None
    discarded: int


class ClearingNote(_Record):
    id: int
    cadre_id: int
    unit_id: int | None
    unit_name: str | None = None
    note: str
    issued_by: int
    issued_at: Moment
