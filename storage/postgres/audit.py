"""The audit chain on PostgreSQL: the chain of storage/audit_chain.py, its head serialised by an advisory lock.

A chain needs one head at a time. SQLite gets that from its single writer; here every append
takes a transaction-scoped advisory lock first, so concurrent appends (tasks, processes) read the
head and insert the next entry one after another, and the lock is released by the COMMIT that
makes the entry visible. Ids are the head's id + 1, taken under the same lock, so they stay
gap-free (as `audit verify` requires) even when an append's transaction rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.audit_chain import GENESIS, advance_anchor, encode_payload, entry_hash
from storage.audit_seal import AuditSeal
from storage.postgres.db import PgDatabase
from storage.records import AuditEntry

_CHAIN_LOCK = 0x61756469  # pg_advisory_xact_lock key of the chain head ("audi")


class PgAudit:
    def __init__(self, db: PgDatabase, seal: AuditSeal | None = None) -> None:
        self.db = db
        self.seal = seal

    async def start_anchor(self) -> None:
        """As SqliteAudit.start_anchor: anchor a log never signed; a signed log that lost it keeps it lost."""
        if self.seal is None or self.seal.read_anchor() is not None:
            return
        if await self.db.fetchval("SELECT 1 FROM audit_log WHERE mac IS NOT NULL LIMIT 1"):
            return
        row = await self.db.fetchrow("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        last_id, last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        self.seal.advance(last_id, last_hash, keyed_from=last_id + 1)

    async def reset_anchor(self) -> None:
        """Point the anchor at the log as it is now (after a deliberate restore)."""
        if self.seal is None:
            return
        row = await self.db.fetchrow("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        first = await self.db.fetchval("SELECT MIN(id) FROM audit_log WHERE mac IS NOT NULL")
        last_id, last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        keyed_from = int(first) if first is not None else last_id + 1
        self.seal.advance(last_id, last_hash, keyed_from=keyed_from, force=True)

    async def append(self, actor: int | None, action: str, subject: str, payload: dict[str, Any]) -> AuditEntry:
        encoded = encode_payload(payload)
        async with self.db.transaction():
            await self.db.execute("SELECT pg_advisory_xact_lock($1)", _CHAIN_LOCK)
            at = datetime.now(UTC).isoformat(timespec="microseconds")  # taken under the lock: ascends with id
            head = await self.db.fetchrow("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            entry_id, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)
            digest = entry_hash(prev, at, actor, action, subject, encoded)
            mac = self.seal.mac(digest) if self.seal else None
            await self.db.execute(
                "INSERT INTO audit_log (id, at, actor, action, subject, payload, prev_hash, hash, mac)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                entry_id,
                at,
                actor,
                action,
                subject,
                encoded,
                prev,
                digest,
                mac,
            )
            if self.seal is not None:
                seal = self.seal
                # Only once committed: an anchor on a rolled-back entry would look like a deleted tail.
                self.db.after_commit(lambda: advance_anchor(seal, entry_id, digest))
        return AuditEntry(
            id=entry_id,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=encoded,
            prev_hash=prev,
            hash=digest,
            mac=mac,
        )

    async def all(self) -> list[AuditEntry]:
        rows = await self.db.fetch("SELECT * FROM audit_log ORDER BY id")
        return [AuditEntry(**dict(r)) for r in rows]
