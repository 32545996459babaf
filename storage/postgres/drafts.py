"""Drafts: what a cadre has typed so far, replaced at each step and dropped on filing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from storage.postgres.counters import PgCounters
from storage.postgres.db import PgDatabase, affected
from storage.records_filings import Draft
from storage.sqlite.json_columns import dump, load
from storage.timestamps import stamp


def _draft(row: asyncpg.Record) -> Draft:
    data = dict(row)
    data["data"] = load(data["data"])
    return Draft(**data)


class PgDrafts:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        self._counters = PgCounters(db)

    async def save(self, telegram_id: int, kind: str, step: str, data: dict[str, Any], at: datetime) -> Draft:
        async with self.db.transaction():
            status = await self.db.execute(
                "UPDATE drafts SET step = $1, data = $2, updated_at = $3, reminded_at = NULL"
                " WHERE telegram_id = $4 AND kind = $5",
                step,
                dump(data),
                stamp(at),
                telegram_id,
                str(kind),
            )
            if affected(status) == 0:
                # Ids from a counter, never MAX(id)+1: a new draft never reuses a filed one's id, so an
                # idempotency key built from it never collides with an old one (as on SQLite).
                draft_id = await self._counters.next_number("DRAFT", 0)
                await self.db.execute(
                    "INSERT INTO drafts (id, telegram_id, kind, step, data, created_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $6)",
                    draft_id,
                    telegram_id,
                    str(kind),
                    step,
                    dump(data),
                    stamp(at),
                )
            draft = await self.load(telegram_id, kind)
        assert draft is not None
        return draft

    async def load(self, telegram_id: int, kind: str) -> Draft | None:
        row = await self.db.fetchrow(
            "SELECT * FROM drafts WHERE telegram_id = $1 AND kind = $2", telegram_id, str(kind)
        )
        return _draft(row) if row else None

    async def of_user(self, telegram_id: int) -> list[Draft]:
        rows = await self.db.fetch("SELECT * FROM drafts WHERE telegram_id = $1 ORDER BY updated_at DESC", telegram_id)
        return [_draft(r) for r in rows]

    async def delete(self, telegram_id: int, kind: str) -> bool:
        """Drop a draft and the attachments not (yet) part of a filing."""
        async with self.db.transaction():
            draft = await self.load(telegram_id, kind)
            if draft is None:
                return False
            await self.db.execute("DELETE FROM attachments WHERE draft_id = $1 AND filing_ref IS NULL", draft.id)
            await self.db.execute("DELETE FROM drafts WHERE id = $1", draft.id)
        return True

    async def idle(self, updated_before: datetime) -> list[Draft]:
        """Drafts untouched since ``updated_before`` and not yet reminded about."""
        rows = await self.db.fetch(
            "SELECT * FROM drafts WHERE updated_at < $1 AND reminded_at IS NULL ORDER BY updated_at",
            stamp(updated_before),
        )
        return [_draft(r) for r in rows]

    async def mark_reminded(self, draft_id: int, at: datetime) -> None:
        await self.db.execute("UPDATE drafts SET reminded_at = $1 WHERE id = $2", stamp(at), draft_id)
