from __future__ import annotations

from storage.postgres.db import PgDatabase
from storage.records import ClearingNote


class PgClearingNotes:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def add(self, cadre_id: int, unit_id: int | None, note: str, issued_by: int) -> int:
        return await self.db.insert(
            "INSERT INTO clearing_notes (cadre_id, unit_id, note, issued_by) VALUES ($1, $2, $3, $4) RETURNING id",
            cadre_id,
            unit_id,
            note,
            issued_by,
        )

    async def all(self) -> list[ClearingNote]:
        rows = await self.db.fetch(
            "SELECT c.id, c.cadre_id, c.unit_id, u.name AS unit_name, c.note, c.issued_by, c.issued_at"
            " FROM clearing_notes c LEFT JOIN units u ON u.id = c.unit_id ORDER BY c.id"
        )
        return [ClearingNote(**dict(r)) for r in rows]
