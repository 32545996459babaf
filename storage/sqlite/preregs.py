"""Pre-registrations (事前报备): a cadre's notice of an urgent step before taking it."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.records_filings import PreRegistration
from storage.timestamps import stamp


class SqlitePreregs:
    def __init__(self, db: Database) -> None:
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
        """Insert one; with an idempotency key already used, return that one and False."""
        async with self.db.transaction():
            existing = await self.by_key(idempotency_key)
            if existing is not None:
                return existing, False
            await self.db.execute(
                "INSERT INTO preregistrations (ref, cadre_id, unit_id, what, why_urgent, expected_cost,"
                " idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ref, cadre_id, unit_id, what, why_urgent, expected_cost, idempotency_key, stamp(at)),
            )
            created = await self.get(ref)
        assert created is not None
        return created, True

    async def get(self, ref: str) -> PreRegistration | None:
        row = await self.db.fetchone("SELECT * FROM preregistrations WHERE ref = ?", (ref,))
        return PreRegistration(**dict(row)) if row else None

    async def by_key(self, idempotency_key: str) -> PreRegistration | None:
        row = await self.db.fetchone("SELECT * FROM preregistrations WHERE idempotency_key = ?", (idempotency_key,))
        return PreRegistration(**dict(row)) if row else None

    async def by_cadre(self, cadre_id: int) -> list[PreRegistration]:
        rows = await self.db.fetchall(
            "SELECT * FROM preregistrations WHERE cadre_id = ? ORDER BY created_at DESC, id DESC", (cadre_id,)
        )
        return [PreRegistration(**dict(r)) for r in rows]

    async def by_units(self, unit_ids: list[int] | None, acknowledged: bool | None = None) -> list[PreRegistration]:
        """Pre-registrations of the given units (None: every unit), oldest first; ``acknowledged``
        True/False keeps only those acknowledged or not yet, None keeps both."""
        clauses: list[str] = []
        params: list[int] = []
        if unit_ids is not None:
            if not unit_ids:
                return []
            clauses.append(f"unit_id IN ({','.join('?' * len(unit_ids))})")
            params.extend(unit_ids)
        if acknowledged is not None:
            clauses.append("acknowledged_at IS NOT NULL" if acknowledged else "acknowledged_at IS NULL")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self.db.fetchall(f"SELECT * FROM preregistrations{where} ORDER BY created_at, id", tuple(params))
        return [PreRegistration(**dict(r)) for r in rows]

    async def acknowledge(self, ref: str, by: int, at: datetime) -> bool:
        """False when already acknowledged (the first acknowledgement stands)."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                "UPDATE preregistrations SET acknowledged_by = ?, acknowledged_at = ?"
                " WHERE ref = ? AND acknowledged_at IS NULL",
                (by, stamp(at), ref),
            ) as cur,
        ):
            return cur.rowcount == 1
