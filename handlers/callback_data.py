"""Callback payloads: short ASCII ``ns:action:arg`` strings, validated on the way in.

Telegram allows 64 bytes of callback data; it never carries user text or authority — every press
is re-checked server-side.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_BYTES = 64


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


def as_id(text: str | None) -> int | None:
    """A typed or pressed number as a database id: ASCII digits that fit SQLite's INTEGER, else None.

    ``str.isdigit`` alone accepts ``²`` and ``١`` and numbers past 2**63, which ``int`` or SQLite
    then reject with an exception instead of a reply.
    """
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def cb(ns: str, action: str, arg: object = "") -> str:
    return Callback(ns=ns, action=action, arg=str(arg)).pack()


def pattern(ns: str) -> str:
    """A CallbackQueryHandler pattern for one namespace."""
    return rf"^{ns}:"
