"""Filings and their history.

Plain data access: which transitions are legal is decided in ``bot.filing.states``, who may see
what in ``bot.filing.access``. Every write runs inside ``db.transaction()`` (re-entrant), so a
service can group several of them atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from storage.db import Database
from storage.records_filings import Filing, FilingEvent, FilingKind, FilingState
from storage.sqlite.json_columns import dump, load


def _filing(row: aiosqlite.Row) -> Filing:
    data = dict(row)
    data["body"] = load(data["body"])
    data["decision"] = load(data["decision"]) if data["decision"] else None
    data["consent_public"] = bool(data["consent_public"])
    return Filing(**data)


def _event(row: aiosqlite.Row) -> FilingEvent:
    data = dict(row)
    data["payload"] = load(data["payload"])
    return FilingEvent(**data)


class SqliteFilings:
    def __init__(self, db: Database) -> None:
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
        at: str,
    ) -> tuple[Filing, bool]:
        """Insert a filing; with an idempotency key already used, return that filing and False."""
        async with self.db.transaction():
            existing = await self.by_key(idempotency_key)
            if existing is not None:
                return existing, False
            await self.db.execute(
                "INSERT INTO filings (kind, ref, cadre_id, unit_id, state, body, consent_public, idempotency_key,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, ref, cadre_id, unit_id, state, dump(body), int(consent_public), idempotency_key, at, at),
            )
            filing = await self.get(ref)
        assert filing is not None
        return filing, True

    async def get(self, ref: str) -> Filing | None:
        row = await self.db.fetchone("SELECT * FROM filings WHERE ref = ?", (ref,))
        return _filing(row) if row else None

    async def by_key(self, idempotency_key: str) -> Filing | None:
        row = await self.db.fetchone("SELECT * FROM filings WHERE idempotency_key = ?", (idempotency_key,))
        return _filing(row) if row else None

    async def by_cadre(self, cadre_id: int, kind: str | None = None) -> list[Filing]:
        sql = "SELECT * FROM filings WHERE cadre_id = ?"
        params: list[int | str] = [cadre_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        rows = await self.db.fetchall(sql + " ORDER BY created_at DESC, id DESC", tuple(params))
        return [_filing(r) for r in rows]

    async def by_units(
        self, unit_ids: list[int] | None, states: Sequence[FilingState] | None = None, kind: FilingKind | None = None
    ) -> list[Filing]:
        """Filings of the given units (None: every unit), oldest first."""
        clauses: list[str] = []
        params: list[int | str] = []
        if unit_ids is not None:
            if not unit_ids:
                return []
            clauses.append(f"unit_id IN ({','.join('?' * len(unit_ids))})")
            params.extend(unit_ids)
        if states is not None:
            if not states:
                return []
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            params.extend(states)
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self.db.fetchall(f"SELECT * FROM filings{where} ORDER BY created_at, id", tuple(params))
        return [_filing(r) for r in rows]

    async def by_state(self, states: Sequence[FilingState], kind: FilingKind | None = None) -> list[Filing]:
        return await self.by_units(None, states, kind)

    async def decided_between(self, start: str, end: str, states: Sequence[FilingState]) -> list[Filing]:
        """Requests in ``states`` decided in [start, end), ordered by reference."""
        if not states:
            return []
        marks = ",".join("?" * len(states))
        rows = await self.db.fetchall(
            f"SELECT * FROM filings WHERE kind = 'request' AND state IN ({marks})"
            " AND decided_at >= ? AND decided_at < ? ORDER BY ref",
            (*states, start, end),
        )
        return [_filing(r) for r in rows]

    async def update_state(
        self,
        ref: str,
        from_state: str,
        to_state: str,
        at: str,
        *,
        decision: dict[str, Any] | None = None,
        decided_by: int | None = None,
    ) -> bool:
        """Compare-and-set: False when the filing is no longer in ``from_state`` (another device won)."""
        sets: list[str] = ["state = ?", "updated_at = ?"]
        params: list[Any] = [to_state, at]
        if decision is not None:
            sets += ["outcome = ?", "decision = ?", "decided_by = ?", "decided_at = ?"]
            params += [decision.get("outcome"), dump(decision), decided_by, at]
        async with (
            self.db.transaction() as conn,
            conn.execute(
                f"UPDATE filings SET {', '.join(sets)} WHERE ref = ? AND state = ?", (*params, ref, from_state)
            ) as cur,
        ):
            return cur.rowcount == 1

    async def append_event(
        self,
        ref: str,
        *,
        at: str,
        actor: int | None,
        actor_role: str,
        action: str,
        visibility: str,
        from_state: str | None = None,
        to_state: str | None = None,
        message: str = "",
        payload: dict[str, Any] | None = None,
    ) -> FilingEvent:
        encoded = dump(payload or {})
        event_id = await self.db.execute(
            "INSERT INTO filing_events (filing_ref, at, actor, actor_role, action, from_state, to_state, message,"
            " payload, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ref, at, actor, actor_role, action, from_state, to_state, message, encoded, visibility),
        )
        return FilingEvent.model_validate(
            {
                "id": event_id,
                "filing_ref": ref,
                "at": at,
                "actor": actor,
                "actor_role": actor_role,
                "action": action,
                "from_state": from_state,
                "to_state": to_state,
                "message": message,
                "payload": payload or {},
                "visibility": visibility,
            }
        )

    async def events(self, ref: str, visibility: str | None = None) -> list[FilingEvent]:
        sql, params = "SELECT * FROM filing_events WHERE filing_ref = ?", [ref]
        if visibility:
            sql += " AND visibility = ?"
            params.append(visibility)
        return [_event(r) for r in await self.db.fetchall(sql + " ORDER BY id", tuple(params))]

    async def first_events(self, actions: list[str]) -> list[FilingEvent]:
        """The first event of each of ``actions`` on each filing (when it was first accepted, decided …)."""
        if not actions:
            return []
        marks = ",".join("?" * len(actions))
        rows = await self.db.fetchall(
            "SELECT e.* FROM filing_events e JOIN (SELECT MIN(id) AS id FROM filing_events"
            f" WHERE action IN ({marks}) GROUP BY filing_ref, action) f ON f.id = e.id ORDER BY e.id",
            tuple(actions),
        )
        return [_event(r) for r in rows]
