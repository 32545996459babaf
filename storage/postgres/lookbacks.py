"""Look-backs (回头看): sampled decided requests, each re-read by a second supervisor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.postgres.db import PgDatabase, affected
from storage.records_filings import LookbackItem, LookbackRun
from storage.timestamps import stamp, stamp_values

_ITEM_FIELDS = frozenset({"reviewer_id", "result", "new_outcome", "note", "clearing_note", "reviewed_at"})


class PgLookbacks:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def create_run(
        self,
        *,
        at: datetime,
        created_by: int | None,
        period_from: datetime,
        period_to: datetime,
        share: float,
        seed: int,
        population: int,
    ) -> LookbackRun:
        row = await self.db.write_row(
            "INSERT INTO lookback_runs (created_at, created_by, period_from, period_to, share, seed, population)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
            stamp(at),
            created_by,
            stamp(period_from),
            stamp(period_to),
            share,
            seed,
            population,
        )
        assert row is not None
        return LookbackRun(**dict(row))

    async def add_item(
        self,
        run_id: int,
        ref: str,
        original_decider: int | None,
        original_outcome: str | None,
        reviewer_id: int | None,
    ) -> LookbackItem:
        row = await self.db.write_row(
            "INSERT INTO lookback_items (run_id, filing_ref, original_decider, original_outcome, reviewer_id)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING *",
            run_id,
            ref,
            original_decider,
            str(original_outcome) if original_outcome is not None else None,
            reviewer_id,
        )
        assert row is not None
        return LookbackItem(**dict(row))

    async def item(self, item_id: int) -> LookbackItem | None:
        row = await self.db.fetchrow("SELECT * FROM lookback_items WHERE id = $1", item_id)
        return LookbackItem(**dict(row)) if row else None

    async def items(
        self, run_id: int | None = None, reviewer_id: int | None = None, open_only: bool = False
    ) -> list[LookbackItem]:
        rows = await self.db.fetch(
            "SELECT * FROM lookback_items WHERE ($1::bigint IS NULL OR run_id = $1)"
            " AND ($2::bigint IS NULL OR reviewer_id = $2) AND (NOT $3 OR result IS NULL) ORDER BY id",
            run_id,
            reviewer_id,
            open_only,
        )
        return [LookbackItem(**dict(r)) for r in rows]

    async def items_for(self, ref: str) -> list[LookbackItem]:
        rows = await self.db.fetch("SELECT * FROM lookback_items WHERE filing_ref = $1 ORDER BY id", ref)
        return [LookbackItem(**dict(r)) for r in rows]

    async def runs(self) -> list[LookbackRun]:
        return [LookbackRun(**dict(r)) for r in await self.db.fetch("SELECT * FROM lookback_runs ORDER BY id")]

    async def update_item(self, item_id: int, **fields: Any) -> bool:
        """Record a review once: False when the item already has a result."""
        unknown = set(fields) - _ITEM_FIELDS
        if unknown:
            raise ValueError(f"unknown look-back fields: {sorted(unknown)}")
        values = {name: str(v) if isinstance(v, str) else v for name, v in stamp_values(fields).items()}
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=1))
        status = await self.db.execute(
            f"UPDATE lookback_items SET {sets} WHERE id = ${len(values) + 1} AND result IS NULL",
            *values.values(),
            item_id,
        )
        return affected(status) == 1
