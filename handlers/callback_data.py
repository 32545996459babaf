"""Callback payloads: short ASCII ``ns:action:arg`` strings, validated on the way in.

Telegram allows 64 bytes of callback data; it never carries user text or authority — every press
is re-checked server-side. Namespaces and actions are enums, so a button, its handler and its
label key (``sv.btn.<action>``) spell an action one way.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from telegram import Update

MAX_BYTES = 64


class Ns(StrEnum):
    MENU = "m"
    LANG = "lang"
    KB = "kb"  # an article or a case card
    CITE = "fc"  # file a request citing a case
    CHECK = "sc"
    FORM = "fm"
    MY = "my"
    SUPERVISE = "sv"
    DECISION = "dc"
    LOOKBACK = "lb"
    STATS = "st"
    KB_ADMIN = "kbm"
    KB_EDIT = "kbe"
    INVITE = "inv"


class Lang(StrEnum):
    SET = "set"


class Kb(StrEnum):
    ARTICLE = "art"
    CASE = "case"
    READ = "read"  # a case opened from a filing under review: to read, not to cite


class Cite(StrEnum):
    CITE = "cite"


class Check(StrEnum):
    ANSWER = "a"
    BACK = "back"
    SKIP = "skip"


class Form(StrEnum):
    GO = "go"  # open this draft (from /resume)
    BACK = "back"
    PREVIEW = "pv"
    EDIT = "ed"
    SUBMIT = "sub"
    DISCARD = "del"
    SKIP = "skip"
    DONE = "done"
    CHOOSE = "ch"
    TICK = "tk"
    YES = "yes"
    NO = "no"


class My(StrEnum):
    VIEW = "v"
    ANSWER = "ans"
    WITHDRAW = "wd"
    WITHDRAW_OK = "wdok"
    EVIDENCE = "ev"
    EVIDENCE_DONE = "evok"


class Sv(StrEnum):
    VIEW = "v"
    ACCEPT = "acc"
    READ = "read"
    ACK = "ack"
    INFO = "info"
    NOTE = "note"
    MSG = "msg"
    ANSWER = "fans"
    FORWARD = "ffwd"
    DECIDE = "dec"


class Decision(StrEnum):
    OUTCOME = "o"
    BOUNDARY = "b"
    DISTINCTION = "d"
    OK = "ok"


class Lookback(StrEnum):
    CONFIRM = "ok"
    CORRECT = "fix"


class Stats(StrEnum):
    XLSX = "xlsx"
    CHART = "chart"


class KbAdmin(StrEnum):
    APPLY = "apply"
    DROP = "drop"
    HISTORY = "hist"
    EXPORT = "export"
    ROLLBACK = "rb"
    ROLLBACK_OK = "rbok"


class KbEdit(StrEnum):
    FIELD = "f"


class Invite(StrEnum):
    ROLE = "role"


class Callback(BaseModel):
    model_config = ConfigDict(frozen=True)

    ns: str = Field(pattern=r"^[a-z]{1,8}$")
    action: str = Field(pattern=r"^[a-z0-9_]{1,16}$")
    arg: str = Field(default="", pattern=r"^[A-Za-z0-9_.\-]{0,40}$")

    def pack(self) -> str:
        data = f"{self.ns}:{self.action}:{self.arg}"
        if len(data.encode("ascii")) > MAX_BYTES:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Callback | None:
        if not data or len(data) > MAX_BYTES:
            return None
        parts = data.split(":", 2)
        if len(parts) != 3:
            return None
        try:
            return cls(ns=parts[0], action=parts[1], arg=parts[2])
        except ValidationError:
            return None

    @classmethod
    def of(cls, update: Update) -> Callback | None:
        """The pressed button's payload, or None for a message or a forged payload."""
        return cls.parse(update.callback_query.data if update.callback_query else None)


def as_id(text: str | None) -> int | None:
    """A typed or pressed number as a database id: ASCII digits that fit SQLite's INTEGER, else None.

    ``str.isdigit`` alone accepts ``²`` and ``١`` and numbers past 2**63, which ``int`` or SQLite
    then reject with an exception instead of a reply.
    """
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def cb(ns: str, action: str, arg: object = "") -> str:
    return Callback(ns=str(ns), action=str(action), arg=str(arg)).pack()


def pattern(ns: str, action: str | None = None) -> str:
    """A CallbackQueryHandler pattern for one namespace, or one action in it."""
    return rf"^{ns}:{action}:" if action is not None else rf"^{ns}:"
