"""Deadlines in the database, so the job queue can be rebuilt at start (the rules: bot.filing.deadlines)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.postgres.db import PgDatabase, affected
from storage.protocols import DeadlineMark
from storage.records_filings import Deadline
from storage.timestamps import stamp, stamp_values

_FIELDS = frozenset({"due_at", "paused_at", "remaining_seconds", "reminded_at", "escalated_at", "done_at"})


class PgDeadlines:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def start(self, ref: str, kind: str, started_at: datetime, due_at: datetime) -> Deadline:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO deadlines (filing_ref, kind, started_at, due_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (filing_ref, kind) DO NOTHING",
                ref,
                str(kind),
                stamp(started_at),
                stamp(due_at),
            )
            deadline = await self.get(ref, kind)
        assert deadline is not None
        return deadline

    async def get(self, ref: str, kind: str) -> Deadline | None:
        row = await self.db.fetchrow("SELECT * FROM deadlines WHERE filing_ref = $1 AND kind = $2", ref, str(kind))
        return Deadline(**dict(row)) if row else None

    async def of_filing(self, ref: str) -> list[Deadline]:
        rows = await self.db.fetch("SELECT * FROM deadlines WHERE filing_ref = $1 ORDER BY id", ref)
        return [Deadline(**dict(r)) for r in rows]

    async def open(self) -> list[Deadline]:
        """Deadlines neither met nor paused, earliest due first."""
        rows = await self.db.fetch(
            "SELECT * FROM deadlines WHERE done_at IS NULL AND paused_at IS NULL ORDER BY due_at, id"
        )
        return [Deadline(**dict(r)) for r in rows]

    async def all(self) -> list[Deadline]:
        return [Deadline(**dict(r)) for r in await self.db.fetch("SELECT * FROM deadlines ORDER BY id")]

    async def update(self, deadline_id: int, **fields: Any) -> None:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown deadline fields: {sorted(unknown)}")
        if not fields:
            return
        values = stamp_values(fields)
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=1))
        await self.db.execute(
            f"UPDATE deadlines SET {sets} WHERE id = ${len(values) + 1}", *values.values(), deadline_id
        )

    async def mark(self, deadline_id: int, column: DeadlineMark, at: datetime) -> bool:
        """Set reminded_at / escalated_at once; False when it was already set (idempotent jobs)."""
        if column not in ("reminded_at", "escalated_at"):
            raise ValueError(column)
        status = await self.db.execute(
            f"UPDATE deadlines SET {column} = $1 WHERE id = $2 AND {column} IS NULL", stamp(at), deadline_id
        )
        return affected(status) == 1
