from __future__ import annotations

from storage.postgres.db import PgDatabase
from storage.records import Unit


class PgUnits:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def get_or_create(self, name: str, parent_id: int | None = None) -> Unit:
        # ON CONFLICT: two processes creating the same unit both get the one row, neither an error.
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO units (name, parent_id) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", name, parent_id
            )
            unit = await self.by_name(name)
        assert unit is not None
        return unit

    async def by_name(self, name: str) -> Unit | None:
        row = await self.db.fetchrow("SELECT id, name, parent_id FROM units WHERE name = $1", name)
        return Unit(**dict(row)) if row else None

    async def by_id(self, unit_id: int) -> Unit | None:
        row = await self.db.fetchrow("SELECT id, name, parent_id FROM units WHERE id = $1", unit_id)
        return Unit(**dict(row)) if row else None

    async def all(self) -> list[Unit]:
        return [Unit(**dict(r)) for r in await self.db.fetch("SELECT id, name, parent_id FROM units ORDER BY id")]

    async def descendants(self, unit_id: int) -> list[int]:
        rows = await self.db.fetch(
            "WITH RECURSIVE sub(id) AS (SELECT $1::bigint"
            " UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
            " SELECT id FROM sub",
            unit_id,
        )
        return [int(r[0]) for r in rows]
