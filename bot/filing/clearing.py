"""Clearing a cadre's name (澄清正名) when a report against them was found untrue.

Corrections of misjudged requests carry their own clearing note (look-back); this covers the
other case the source asks for: an accusation that turned out false, with no request behind it.
"""

from __future__ import annotations

from bot.filing.context import Notifier, Texts
from bot.filing.errors import AccessError, FilingError
from bot.filing.models import clean_text
from bot.users import UserService
from storage.protocols import Storage


class ClearingService:
    def __init__(self, storage: Storage, users: UserService, notifier: Notifier, texts: Texts) -> None:
        self.storage = storage
        self.users = users
        self.notifier = notifier
        self.texts = texts

    async def issue(self, actor_id: int, cadre_id: int, note: str, locale: str) -> int:
        actor = await self.users.active(actor_id)
        cadre = await self.users.get(cadre_id)
        if actor is None or actor.role not in ("supervisor", "admin") or cadre is None:
            raise AccessError()
        visible = await self.users.visible_units(actor)
        if visible is not None and cadre.unit_id not in visible:
            raise AccessError()
        if actor_id == cadre_id:
            raise FilingError("filing.error.own_filing")
        try:
            text = clean_text(note, 2000)
        except ValueError as exc:
            raise FilingError(
                getattr(exc, "type", "filing.error.invalid"), **(getattr(exc, "context", None) or {})
            ) from None
        async with self.storage.transaction():
            note_id = await self.storage.clearing_notes.add(cadre_id, cadre.unit_id, text, actor_id)
            await self.storage.audit.append(actor_id, "clearing.issue", str(cadre_id), {"note_id": note_id})
            await self.notifier.enqueue(
                cadre_id, self.texts(locale, "clearing.notify", note=text), dedup_key=f"clearing:{note_id}"
            )
        return note_id
