"""Look-backs (回头看): sampled decided requests, each re-read by a second supervisor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.db import Database
from storage.records_filings import LookbackItem, LookbackRun
from storage.timestamps import stamp, stamp_values

_ITEM_FIELDS = frozenset({"reviewer_id", "result", "new_outcome", "note", "clearing_note", "reviewed_at"})


class SqliteLookbacks:
    def __init__(self, db: Database) -> None:
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
        run_id = await self.db.execute(
            "INSERT INTO lookback_runs (created_at, created_by, period_from, period_to, share, seed, population)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (stamp(at), created_by, stamp(period_from), stamp(period_to), share, seed, population),
        )
        return LookbackRun.model_validate(
            dict(
                id=run_id,
                created_at=stamp(at),
                created_by=created_by,
                period_from=stamp(period_from),
                period_to=stamp(period_to),
                share=share,
                seed=seed,
                population=population,
            )
        )

    async def add_item(
        self,
        run_id: int,
        ref: str,
        original_decider: int | None,
        original_outcome: str | None,
        reviewer_id: int | None,
    ) -> LookbackItem:
        item_id = await self.db.execute(
            "INSERT INTO lookback_items (run_id, filing_ref, original_decider, original_outcome, reviewer_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (run_id, ref, original_decider, original_outcome, reviewer_id),
        )
        item = await self.item(item_id)
        assert item is not None
        return item

    async def item(self, item_id: int) -> LookbackItem | None:
        row = await self.db.fetchone("SELECT * FROM lookback_items WHERE id = ?", (item_id,))
        return LookbackItem(**dict(row)) if row else None

    async def items(
        self, run_id: int | None = None, reviewer_id: int | None = None, open_only: bool = False
    ) -> list[LookbackItem]:
        clauses: list[str] = []
        params: list[int] = []
        if run_id is not None:
            clauses.append("run_id = ?")
            params.append(run_id)
        if reviewer_id is not None:
            clauses.append("reviewer_id = ?")
            params.append(reviewer_id)
        if open_only:
            clauses.append("result IS NULL")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self.db.fetchall(f"SELECT * FROM lookback_items{where} ORDER BY id", tuple(params))
        return [LookbackItem(**dict(r)) for r in rows]

    async def items_for(self, ref: str) -> list[LookbackItem]:
        rows = await self.db.fetchall("SELECT * FROM lookback_items WHERE filing_ref = ? ORDER BY id", (ref,))
        return [LookbackItem(**dict(r)) for r in rows]

    async def runs(self) -> list[LookbackRun]:
        return [LookbackRun(**dict(r)) for r in await self.db.fetchall("SELECT * FROM lookback_runs ORDER BY id")]

    async def update_item(self, item_id: int, **fields: Any) -> bool:
        """Record a review once: False when the item already has a result."""
        unknown = set(fields) - _ITEM_FIELDS
        if unknown:
            raise ValueError(f"unknown look-back fields: {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        async with (
            self.db.transaction() as conn,
            conn.execute(
                f"UPDATE lookback_items SET {sets} WHERE id = ? AND result IS NULL",
                (*stamp_values(fields).values(), item_id),
            ) as cur,
        ):
            return cur.rowcount == 1
