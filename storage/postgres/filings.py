"""Filings and their history (the rules live in bot.filing; see storage/sqlite/filings.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from storage.postgres.db import PgDatabase, affected
from storage.records_filings import Filing, FilingEvent, FilingKind, FilingState
from storage.sqlite.json_columns import dump, load
from storage.timestamps import stamp


def _filing(row: asyncpg.Record) -> Filing:
    data = dict(row)
    data["body"] = load(data["body"])
    data["decision"] = load(data["decision"]) if data["decision"] else None
    return Filing(**data)


def _event(row: asyncpg.Record) -> FilingEvent:
    data = dict(row)
    data["payload"] = load(data["payload"])
    return FilingEvent(**data)


class PgFilings:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def create(
        self,
        *,
        kind: str,
        ref: str,
        cadre_id: int,
        unit_id: int | None,
        state: str,
        body: dict[str, Any],
        consent_public: bool,
        idempotency_key: str,
        at: datetime,
    ) -> tuple[Filing, bool]:
        """Insert a filing; with an idempotency key already used, return that filing and False.

        ON CONFLICT on the key: of two concurrent submissions with one key, the second waits for
        the first to commit and then finds its filing, instead of failing on the unique index.
        """
        async with self.db.transaction():
            row = await self.db.write_row(
                "INSERT INTO filings (kind, ref, cadre_id, unit_id, state, body, consent_public, idempotency_key,"
                " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
                str(kind),
                ref,
                cadre_id,
                unit_id,
                str(state),
                dump(body),
                consent_public,
                idempotency_key,
                stamp(at),
            )
            if row is not None:
                return _filing(row), True
            existing = await self.by_key(idempotency_key)
        assert existing is not None
        return existing, False

    async def get(self, ref: str) -> Filing | None:
        row = await self.db.fetchrow("SELECT * FROM filings WHERE ref = $1", ref)
        return _filing(row) if row else None

    async def by_key(self, idempotency_key: str) -> Filing | None:
        row = await self.db.fetchrow("SELECT * FROM filings WHERE idempotency_key = $1", idempotency_key)
        return _filing(row) if row else None

    async def by_cadre(self, cadre_id: int, kind: str | None = None) -> list[Filing]:
        rows = await self.db.fetch(
            "SELECT * FROM filings WHERE cadre_id = $1 AND ($2::text IS NULL OR kind = $2)"
            " ORDER BY created_at DESC, id DESC",
            cadre_id,
            str(kind) if kind else None,
        )
        return [_filing(r) for r in rows]

    async def by_units(
        self, unit_ids: list[int] | None, states: Sequence[FilingState] | None = None, kind: FilingKind | None = None
    ) -> list[Filing]:
        """Filings of the given units (None: every unit), oldest first."""
        if (unit_ids is not None and not unit_ids) or (states is not None and not states):
            return []
        rows = await self.db.fetch(
            "SELECT * FROM filings WHERE ($1::bigint[] IS NULL OR unit_id = ANY($1))"
            " AND ($2::text[] IS NULL OR state = ANY($2)) AND ($3::text IS NULL OR kind = $3)"
            " ORDER BY created_at, id",
            list(unit_ids) if unit_ids is not None else None,
            [str(s) for s in states] if states is not None else None,
            str(kind) if kind else None,
        )
        return [_filing(r) for r in rows]

    async def by_state(self, states: Sequence[FilingState], kind: FilingKind | None = None) -> list[Filing]:
        return await self.by_units(None, states, kind)

    async def decided_between(self, start: datetime, end: datetime, states: Sequence[FilingState]) -> list[Filing]:
        """Requests in ``states`` decided in [start, end), ordered by reference."""
        if not states:
            return []
        rows = await self.db.fetch(
            "SELECT * FROM filings WHERE kind = 'request' AND state = ANY($1::text[])"
            " AND decided_at >= $2 AND decided_at < $3 ORDER BY ref",
            [str(s) for s in states],
            stamp(start),
            stamp(end),
        )
        return [_filing(r) for r in rows]

    async def update_state(
        self,
        ref: str,
        from_state: str,
        to_state: str,
        at: datetime,
        *,
        decision: dict[str, Any] | None = None,
        decided_by: int | None = None,
    ) -> bool:
        """Compare-and-set: False when the filing is no longer in ``from_state`` (another device won).

        Under READ COMMITTED a concurrent UPDATE of the same row waits, then re-checks the state,
        so of two deciders exactly one sees a row changed.
        """
        sets = ["state = $1", "updated_at = $2"]
        args: list[Any] = [str(to_state), stamp(at)]
        if decision is not None:
            sets += ["outcome = $3", "decision = $4", "decided_by = $5", "decided_at = $2"]
            args += [decision.get("outcome"), dump(decision), decided_by]
        n = len(args)
        status = await self.db.execute(
            f"UPDATE filings SET {', '.join(sets)} WHERE ref = ${n + 1} AND state = ${n + 2}",
            *args,
            ref,
            str(from_state),
        )
        return affected(status) == 1

    async def append_event(
        self,
        ref: str,
        *,
        at: datetime,
        actor: int | None,
        actor_role: str,
        action: str,
        visibility: str,
        from_state: str | None = None,
        to_state: str | None = None,
        message: str = "",
        payload: dict[str, Any] | None = None,
    ) -> FilingEvent:
        row = await self.db.write_row(
            "INSERT INTO filing_events (filing_ref, at, actor, actor_role, action, from_state, to_state, message,"
            " payload, visibility) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
            ref,
            stamp(at),
            actor,
            str(actor_role),
            str(action),
            str(from_state) if from_state is not None else None,
            str(to_state) if to_state is not None else None,
            message,
            dump(payload or {}),
            str(visibility),
        )
        assert row is not None
        return _event(row)

    async def events(self, ref: str, visibility: str | None = None) -> list[FilingEvent]:
        rows = await self.db.fetch(
            "SELECT * FROM filing_events WHERE filing_ref = $1 AND ($2::text IS NULL OR visibility = $2) ORDER BY id",
            ref,
            visibility,
        )
        return [_event(r) for r in rows]

    async def first_events(self, actions: list[str]) -> list[FilingEvent]:
        """The first event of each of ``actions`` on each filing (when it was first accepted, decided …)."""
        if not actions:
            return []
        rows = await self.db.fetch(
            "SELECT e.* FROM filing_events e JOIN (SELECT MIN(id) AS id FROM filing_events"
            " WHERE action = ANY($1::text[]) GROUP BY filing_ref, action) f ON f.id = e.id ORDER BY e.id",
            [str(a) for a in actions],
        )
        return [_event(r) for r in rows]
