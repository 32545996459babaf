from __future__ import annotations

from storage.db import Database
from storage.records import Unit


class SqliteUnits:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_or_create(self, name: str, parent_id: int | None = None) -> Unit:
        async with self.db.transaction():
            existing = await self.by_name(name)
            if existing:
                return existing
            unit_id = await self.db.execute("INSERT INTO units (name, parent_id) VALUES (?, ?)", (name, parent_id))
        return Unit(id=unit_id, name=name, parent_id=parent_id)

    async def by_name(self, name: str) -> Unit | None:
        row = await self.db.fetchone("SELECT id, name, parent_id FROM units WHERE name = ?", (name,))
        return Unit(**dict(row)) if row else None

    async def by_id(self, unit_id: int) -> Unit | None:
        row = await self.db.fetchone("SELECT id, name, parent_id FROM units WHERE id = ?", (unit_id,))
        return Unit(**dict(row)) if row else None

    async def all(self) -> list[Unit]:
        return [Unit(**dict(r)) for r in await self.db.fetchall("SELECT id, name, parent_id FROM units ORDER BY id")]

    async def descendants(self, unit_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
            " SELECT id FROM sub",
            (unit_id,),
        )
        return [r[0] for r in rows]
