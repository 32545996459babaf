from __future__ import annotations

from storage.db import Database


class SqliteClearingNotes:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, cadre_id: int, unit_id: int | None, note: str, issued_by: int) -> int:
        return await self.db.execute(
            "INSERT INTO clearing_notes (cadre_id, unit_id, note, issued_by) VALUES (?, ?, ?, ?)",
            (cadre_id, unit_id, note, issued_by),
        )

    async def between(self, start: str, end: str) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT c.id, c.note, c.issued_at, u.name AS unit FROM clearing_notes c LEFT JOIN units u"
            " ON u.id = c.unit_id WHERE c.issued_at >= ? AND c.issued_at < ? ORDER BY c.id",
            (start, end),
        )
        return [dict(r) for r in rows]
