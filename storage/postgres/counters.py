from __future__ import annotations

from storage.postgres.db import PgDatabase


class PgCounters:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def next_number(self, prefix: str, year: int) -> int:
        """The next number of ``prefix`` in ``year`` (1, 2, 3, …): unique and gap-free.

        The upsert locks the counter's row until the caller's transaction ends, so concurrent
        allocations queue on it, and a rolled-back allocation takes its increment back with it.
        """
        row = await self.db.write_row(
            "INSERT INTO counters (prefix, year, value) VALUES ($1, $2, 1)"
            " ON CONFLICT (prefix, year) DO UPDATE SET value = counters.value + 1 RETURNING value",
            prefix,
            year,
        )
        assert row is not None
        return int(row[0])
