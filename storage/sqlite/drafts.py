"""Drafts: what a cadre has typed so far. Not records: a draft is replaced, then dropped on filing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from storage.db import Database
from storage.records_filings import Draft
from storage.sqlite.counters import SqliteCounters
from storage.sqlite.json_columns import dump, load
from storage.timestamps import stamp


def _draft(row: aiosqlite.Row) -> Draft:
    data = dict(row)
    data["data"] = load(data["data"])
    return Draft(**data)


class SqliteDrafts:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._counters = SqliteCounters(db)

    async def save(self, telegram_id: int, kind: str, step: str, data: dict[str, Any], at: datetime) -> Draft:
        async with self.db.transaction():
            existing = await self.load(telegram_id, kind)
            if existing is None:
                # Draft ids come from a counter, never from MAX(id)+1: a new draft never gets the id of
                # a filed one, so an idempotency key built from it can never collide with an old one.
                draft_id = await self._counters.next_number("DRAFT", 0)
                await self.db.execute(
                    "INSERT INTO drafts (id, telegram_id, kind, step, data, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (draft_id, telegram_id, kind, step, dump(data), stamp(at), stamp(at)),
                )
            else:
                await self.db.execute(
                    "UPDATE drafts SET step = ?, data = ?, updated_at = ?, reminded_at = NULL WHERE id = ?",
                    (step, dump(data), stamp(at), existing.id),
                )
            draft = await self.load(telegram_id, kind)
        assert draft is not None
        return draft

    async def load(self, telegram_id: int, kind: str) -> Draft | None:
        row = await self.db.fetchone("SELECT * FROM drafts WHERE telegram_id = ? AND kind = ?", (telegram_id, kind))
        return _draft(row) if row else None

    async def of_user(self, telegram_id: int) -> list[Draft]:
        rows = await self.db.fetchall(
            "SELECT * FROM drafts WHERE telegram_id = ? ORDER BY updated_at DESC", (telegram_id,)
        )
        return [_draft(r) for r in rows]

    async def delete(self, telegram_id: int, kind: str) -> bool:
        """Drop a draft and the attachments not (yet) part of a filing."""
        async with self.db.transaction():
            draft = await self.load(telegram_id, kind)
            if draft is None:
                return False
            await self.db.execute("DELETE FROM attachments WHERE draft_id = ? AND filing_ref IS NULL", (draft.id,))
            await self.db.execute("DELETE FROM drafts WHERE id = ?", (draft.id,))
        return True

    async def idle(self, updated_before: datetime) -> list[Draft]:
        """Drafts untouched since ``updated_before`` and not yet reminded about."""
        rows = await self.db.fetchall(
            "SELECT * FROM drafts WHERE updated_at < ? AND reminded_at IS NULL ORDER BY updated_at",
            (stamp(updated_before),),
        )
        return [_draft(r) for r in rows]

    async def mark_reminded(self, draft_id: int, at: datetime) -> None:
        await self.db.execute("UPDATE drafts SET reminded_at = ? WHERE id = ?", (stamp(at), draft_id))
