from __future__ import annotations

from storage.db import Database


class SqliteCounters:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def next_number(self, prefix: str, year: int) -> int:
        """The next number of ``prefix`` in ``year``, allocated atomically (1, 2, 3, …)."""
        async with self.db.transaction():
            row = await self.db.fetchone(
                "INSERT INTO counters (prefix, year, value) VALUES (?, ?, 1)"
                " ON CONFLICT(prefix, year) DO UPDATE SET value = value + 1 RETURNING value",
                (prefix, year),
            )
        assert row is not None
        return int(row[0])
