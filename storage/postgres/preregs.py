"""Pre-registrations (事前报备): a cadre's notice of an urgent step before taking it."""

from __future__ import annotations

from datetime import datetime

from storage.postgres.db import PgDatabase, affected
from storage.records_filings import PreRegistration
from storage.timestamps import stamp


class PgPreregs:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def create(
        self,
        *,
        ref: str,
        cadre_id: int,
        unit_id: int | None,
        what: str,
        why_urgent: str,
        expected_cost: str,
        idempotency_key: str,
        at: datetime,
    ) -> tuple[PreRegistration, bool]:
        """Insert one; with an idempotency key already used, return that one and False (see PgFilings.create)."""
        async with self.db.transaction():
            row = await self.db.write_row(
                "INSERT INTO preregistrations (ref, cadre_id, unit_id, what, why_urgent, expected_cost,"
                " idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
                ref,
                cadre_id,
                unit_id,
                what,
                why_urgent,
                expected_cost,
                idempotency_key,
                stamp(at),
            )
            if row is not None:
                return PreRegistration(**dict(row)), True
            existing = await self.by_key(idempotency_key)
        assert existing is not None
        return existing, False

    async def get(self, ref: str) -> PreRegistration | None:
        row = await self.db.fetchrow("SELECT * FROM preregistrations WHERE ref = $1", ref)
        return PreRegistration(**dict(row)) if row else None

    async def by_key(self, idempotency_key: str) -> PreRegistration | None:
        row = await self.db.fetchrow("SELECT * FROM preregistrations WHERE idempotency_key = $1", idempotency_key)
        return PreRegistration(**dict(row)) if row else None

    async def by_cadre(self, cadre_id: int) -> list[PreRegistration]:
        rows = await self.db.fetch(
            "SELECT * FROM preregistrations WHERE cadre_id = $1 ORDER BY created_at DESC, id DESC", cadre_id
        )
        return [PreRegistration(**dict(r)) for r in rows]

    async def by_units(self, unit_ids: list[int] | None, acknowledged: bool | None = None) -> list[PreRegistration]:
        """Pre-registrations of the given units (None: every unit), oldest first; ``acknowledged``
        True/False keeps only those acknowledged or not yet, None keeps both."""
        clauses: list[str] = []
        params: list[object] = []
        if unit_ids is not None:
            if not unit_ids:
                return []
            params.append(list(unit_ids))
            clauses.append(f"unit_id = ANY(${len(params)}::bigint[])")
        if acknowledged is not None:
            clauses.append("acknowledged_at IS NOT NULL" if acknowledged else "acknowledged_at IS NULL")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self.db.fetch(f"SELECT * FROM preregistrations{where} ORDER BY created_at, id", *params)
        return [PreRegistration(**dict(r)) for r in rows]

    async def acknowledge(self, ref: str, by: int, at: datetime) -> bool:
        """False when already acknowledged (the first acknowledgement stands)."""
        status = await self.db.execute(
            "UPDATE preregistrations SET acknowledged_by = $1, acknowledged_at = $2"
            " WHERE ref = $3 AND acknowledged_at IS NULL",
            by,
            stamp(at),
            ref,
        )
        return affected(status) == 1
