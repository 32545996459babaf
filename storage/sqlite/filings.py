"""Filings, their history, drafts, attachments, pre-registrations, deadlines and look-backs.

Plain data access: which transitions are legal is decided in ``bot.filing.states``, who may see
what in ``bot.filing.service``. Every write runs inside ``db.transaction()`` (re-entrant), so a
service can group several of them atomically.
"""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.records_filings import (
    Attachment,
    Deadline,
    Draft,
    Filing,
    FilingEvent,
    LookbackItem,
    LookbackRun,
    PreRegistration,
)

_DEADLINE_FIELDS = frozenset({"due_at", "paused_at", "remaining_seconds", "reminded_at", "escalated_at", "done_at"})
_ITEM_FIELDS = frozenset({"reviewer_id", "result", "new_outcome", "note", "clearing_note", "reviewed_at"})


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _filing(row) -> Filing:
    data = dict(row)
    data["body"] = json.loads(data["body"] or "{}")
    data["decision"] = json.loads(data["decision"]) if data["decision"] else None
    data["consent_public"] = bool(data["consent_public"])
    return Filing(**data)


def _event(row) -> FilingEvent:
    data = dict(row)
    data["payload"] = json.loads(data["payload"] or "{}")
    return FilingEvent(**data)


def _draft(row) -> Draft:
    data = dict(row)
    data["data"] = json.loads(data["data"] or "{}")
    return Draft(**data)


class SqliteFilings:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- reference counters -------------------------------------------------------------

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

    # ---- filings -------------------------------------------------------------------------

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
                (kind, ref, cadre_id, unit_id, state, _dump(body), int(consent_public), idempotency_key, at, at),
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
        sql, params = "SELECT * FROM filings WHERE cadre_id = ?", [cadre_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        rows = await self.db.fetchall(sql + " ORDER BY created_at DESC, id DESC", tuple(params))
        return [_filing(r) for r in rows]

    async def by_units(
        self, unit_ids: list[int] | None, states: list[str] | None = None, kind: str | None = None
    ) -> list[Filing]:
        """Filings of the given units (None: every unit), oldest first."""
        clauses, params = [], []
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

    async def by_state(self, states: list[str], kind: str | None = None) -> list[Filing]:
        return await self.by_units(None, states, kind)

    async def decided_between(self, start: str, end: str, states: list[str]) -> list[Filing]:
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
        sets, params = ["state = ?", "updated_at = ?"], [to_state, at]
        if decision is not None:
            sets += ["outcome = ?", "decision = ?", "decided_by = ?", "decided_at = ?"]
            params += [decision.get("outcome"), _dump(decision), decided_by, at]
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
        encoded = _dump(payload or {})
        event_id = await self.db.execute(
            "INSERT INTO filing_events (filing_ref, at, actor, actor_role, action, from_state, to_state, message,"
            " payload, visibility) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ref, at, actor, actor_role, action, from_state, to_state, message, encoded, visibility),
        )
        return FilingEvent(
            id=event_id,
            filing_ref=ref,
            at=at,
            actor=actor,
            actor_role=actor_role,
            action=action,
            from_state=from_state,
            to_state=to_state,
            message=message,
            payload=payload or {},
            visibility=visibility,
        )

    async def events(self, ref: str, visibility: str | None = None) -> list[FilingEvent]:
        sql, params = "SELECT * FROM filing_events WHERE filing_ref = ?", [ref]
        if visibility:
            sql += " AND visibility = ?"
            params.append(visibility)
        return [_event(r) for r in await self.db.fetchall(sql + " ORDER BY id", tuple(params))]

    # ---- drafts --------------------------------------------------------------------------

    async def save_draft(self, telegram_id: int, kind: str, step: str, data: dict[str, Any], at: str) -> Draft:
        async with self.db.transaction():
            existing = await self.load_draft(telegram_id, kind)
            if existing is None:
                # Draft ids come from a counter, never from MAX(id)+1: a new draft never gets the id of
                # a filed one, so an idempotency key built from it can never collide with an old one.
                draft_id = await self.next_number("DRAFT", 0)
                await self.db.execute(
                    "INSERT INTO drafts (id, telegram_id, kind, step, data, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (draft_id, telegram_id, kind, step, _dump(data), at, at),
                )
            else:
                await self.db.execute(
                    "UPDATE drafts SET step = ?, data = ?, updated_at = ?, reminded_at = NULL WHERE id = ?",
                    (step, _dump(data), at, existing.id),
                )
            draft = await self.load_draft(telegram_id, kind)
        assert draft is not None
        return draft

    async def load_draft(self, telegram_id: int, kind: str) -> Draft | None:
        row = await self.db.fetchone("SELECT * FROM drafts WHERE telegram_id = ? AND kind = ?", (telegram_id, kind))
        return _draft(row) if row else None

    async def drafts_of(self, telegram_id: int) -> list[Draft]:
        rows = await self.db.fetchall(
            "SELECT * FROM drafts WHERE telegram_id = ? ORDER BY updated_at DESC", (telegram_id,)
        )
        return [_draft(r) for r in rows]

    async def delete_draft(self, telegram_id: int, kind: str) -> bool:
        """Drop a draft and the attachments not (yet) part of a filing. Drafts are not records."""
        async with self.db.transaction():
            draft = await self.load_draft(telegram_id, kind)
            if draft is None:
                return False
            await self.db.execute("DELETE FROM attachments WHERE draft_id = ? AND filing_ref IS NULL", (draft.id,))
            await self.db.execute("DELETE FROM drafts WHERE id = ?", (draft.id,))
        return True

    async def idle_drafts(self, updated_before: str) -> list[Draft]:
        """Drafts untouched since ``updated_before`` and not yet reminded about."""
        rows = await self.db.fetchall(
            "SELECT * FROM drafts WHERE updated_at < ? AND reminded_at IS NULL ORDER BY updated_at", (updated_before,)
        )
        return [_draft(r) for r in rows]

    async def mark_draft_reminded(self, draft_id: int, at: str) -> None:
        await self.db.execute("UPDATE drafts SET reminded_at = ? WHERE id = ?", (at, draft_id))

    # ---- attachments ---------------------------------------------------------------------

    async def add_attachment(
        self,
        *,
        owner_id: int,
        file_id: str,
        name: str,
        mime: str,
        size: int,
        at: str,
        draft_id: int | None = None,
        filing_ref: str | None = None,
        file_unique_id: str | None = None,
    ) -> Attachment:
        attachment_id = await self.db.execute(
            "INSERT INTO attachments (owner_id, filing_ref, draft_id, file_id, file_unique_id, name, mime, size,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner_id, filing_ref, draft_id, file_id, file_unique_id, name, mime, size, at),
        )
        return Attachment(
            id=attachment_id,
            owner_id=owner_id,
            filing_ref=filing_ref,
            draft_id=draft_id,
            file_id=file_id,
            file_unique_id=file_unique_id,
            name=name,
            mime=mime,
            size=size,
            added_at=at,
        )

    async def attachment(self, attachment_id: int) -> Attachment | None:
        row = await self.db.fetchone("SELECT * FROM attachments WHERE id = ?", (attachment_id,))
        return Attachment(**dict(row)) if row else None

    async def draft_attachments(self, draft_id: int) -> list[Attachment]:
        rows = await self.db.fetchall(
            "SELECT * FROM attachments WHERE draft_id = ? AND filing_ref IS NULL ORDER BY id", (draft_id,)
        )
        return [Attachment(**dict(r)) for r in rows]

    async def attachments_of(self, ref: str) -> list[Attachment]:
        rows = await self.db.fetchall("SELECT * FROM attachments WHERE filing_ref = ? ORDER BY id", (ref,))
        return [Attachment(**dict(r)) for r in rows]

    async def link_attachments(self, attachment_ids: list[int], owner_id: int, ref: str) -> int:
        """Attach a cadre's not-yet-filed attachments to a filing; returns how many were linked."""
        if not attachment_ids:
            return 0
        marks = ",".join("?" * len(attachment_ids))
        async with (
            self.db.transaction() as conn,
            conn.execute(
                f"UPDATE attachments SET filing_ref = ? WHERE owner_id = ? AND filing_ref IS NULL AND id IN ({marks})",
                (ref, owner_id, *attachment_ids),
            ) as cur,
        ):
            return cur.rowcount

    # ---- pre-registrations ---------------------------------------------------------------

    async def create_prereg(
        self,
        *,
        ref: str,
        cadre_id: int,
        unit_id: int | None,
        what: str,
        why_urgent: str,
        expected_cost: str,
        idempotency_key: str,
        at: str,
    ) -> tuple[PreRegistration, bool]:
        async with self.db.transaction():
            existing = await self.prereg_by_key(idempotency_key)
            if existing is not None:
                return existing, False
            await self.db.execute(
                "INSERT INTO preregistrations (ref, cadre_id, unit_id, what, why_urgent, expected_cost,"
                " idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ref, cadre_id, unit_id, what, why_urgent, expected_cost, idempotency_key, at),
            )
            created = await self.get_prereg(ref)
        assert created is not None
        return created, True

    async def get_prereg(self, ref: str) -> PreRegistration | None:
        row = await self.db.fetchone("SELECT * FROM preregistrations WHERE ref = ?", (ref,))
        return PreRegistration(**dict(row)) if row else None

    async def prereg_by_key(self, idempotency_key: str) -> PreRegistration | None:
        row = await self.db.fetchone("SELECT * FROM preregistrations WHERE idempotency_key = ?", (idempotency_key,))
        return PreRegistration(**dict(row)) if row else None

    async def preregs_by_cadre(self, cadre_id: int) -> list[PreRegistration]:
        rows = await self.db.fetchall(
            "SELECT * FROM preregistrations WHERE cadre_id = ? ORDER BY created_at DESC, id DESC", (cadre_id,)
        )
        return [PreRegistration(**dict(r)) for r in rows]

    async def acknowledge_prereg(self, ref: str, by: int, at: str) -> bool:
        """False when already acknowledged (the first acknowledgement stands)."""
        async with (
            self.db.transaction() as conn,
            conn.execute(
                "UPDATE preregistrations SET acknowledged_by = ?, acknowledged_at = ?"
                " WHERE ref = ? AND acknowledged_at IS NULL",
                (by, at, ref),
            ) as cur,
        ):
            return cur.rowcount == 1

    # ---- deadlines -----------------------------------------------------------------------

    async def start_deadline(self, ref: str, kind: str, started_at: str, due_at: str) -> Deadline:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO deadlines (filing_ref, kind, started_at, due_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(filing_ref, kind) DO NOTHING",
                (ref, kind, started_at, due_at),
            )
            deadline = await self.deadline(ref, kind)
        assert deadline is not None
        return deadline

    async def deadline(self, ref: str, kind: str) -> Deadline | None:
        row = await self.db.fetchone("SELECT * FROM deadlines WHERE filing_ref = ? AND kind = ?", (ref, kind))
        return Deadline(**dict(row)) if row else None

    async def deadlines_of(self, ref: str) -> list[Deadline]:
        rows = await self.db.fetchall("SELECT * FROM deadlines WHERE filing_ref = ? ORDER BY id", (ref,))
        return [Deadline(**dict(r)) for r in rows]

    async def open_deadlines(self) -> list[Deadline]:
        """Deadlines neither met nor paused, earliest due first."""
        rows = await self.db.fetchall(
            "SELECT * FROM deadlines WHERE done_at IS NULL AND paused_at IS NULL ORDER BY due_at, id"
        )
        return [Deadline(**dict(r)) for r in rows]

    async def update_deadline(self, deadline_id: int, **fields: Any) -> None:
        unknown = set(fields) - _DEADLINE_FIELDS
        if unknown:
            raise ValueError(f"unknown deadline fields: {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(f"UPDATE deadlines SET {sets} WHERE id = ?", (*fields.values(), deadline_id))

    async def mark_deadline(self, deadline_id: int, column: str, at: str) -> bool:
        """Set reminded_at / escalated_at once; False when it was already set (idempotent jobs)."""
        if column not in ("reminded_at", "escalated_at"):
            raise ValueError(column)
        async with (
            self.db.transaction() as conn,
            conn.execute(
                f"UPDATE deadlines SET {column} = ? WHERE id = ? AND {column} IS NULL", (at, deadline_id)
            ) as cur,
        ):
            return cur.rowcount == 1

    # ---- look-backs ----------------------------------------------------------------------

    async def create_lookback_run(
        self,
        *,
        at: str,
        created_by: int | None,
        period_from: str,
        period_to: str,
        share: float,
        seed: int,
        population: int,
    ) -> LookbackRun:
        run_id = await self.db.execute(
            "INSERT INTO lookback_runs (created_at, created_by, period_from, period_to, share, seed, population)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, created_by, period_from, period_to, share, seed, population),
        )
        return LookbackRun(
            id=run_id,
            created_at=at,
            created_by=created_by,
            period_from=period_from,
            period_to=period_to,
            share=share,
            seed=seed,
            population=population,
        )

    async def add_lookback_item(
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
        item = await self.lookback_item(item_id)
        assert item is not None
        return item

    async def lookback_item(self, item_id: int) -> LookbackItem | None:
        row = await self.db.fetchone("SELECT * FROM lookback_items WHERE id = ?", (item_id,))
        return LookbackItem(**dict(row)) if row else None

    async def lookback_items(
        self, run_id: int | None = None, reviewer_id: int | None = None, open_only: bool = False
    ) -> list[LookbackItem]:
        clauses, params = [], []
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

    async def lookback_items_for(self, ref: str) -> list[LookbackItem]:
        rows = await self.db.fetchall("SELECT * FROM lookback_items WHERE filing_ref = ? ORDER BY id", (ref,))
        return [LookbackItem(**dict(r)) for r in rows]

    async def lookback_runs(self) -> list[LookbackRun]:
        return [LookbackRun(**dict(r)) for r in await self.db.fetchall("SELECT * FROM lookback_runs ORDER BY id")]

    async def update_lookback_item(self, item_id: int, **fields: Any) -> bool:
        """Record a review once: False when the item already has a result."""
        unknown = set(fields) - _ITEM_FIELDS
        if unknown:
            raise ValueError(f"unknown look-back fields: {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        async with (
            self.db.transaction() as conn,
            conn.execute(
                f"UPDATE lookback_items SET {sets} WHERE id = ? AND result IS NULL", (*fields.values(), item_id)
            ) as cur,
        ):
            return cur.rowcount == 1
