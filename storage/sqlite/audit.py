"""Append-only audit log; each entry's hash covers the previous entry's hash (a hash chain),
and each entry is signed with a key kept outside the database (storage/audit_seal.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.audit_chain import GENESIS, advance_anchor, encode_payload, entry_hash
from storage.audit_seal import AuditSeal
from storage.db import Database
from storage.records import AuditEntry


class SqliteAudit:
    def __init__(self, db: Database, seal: AuditSeal | None = None) -> None:
        self.db = db
        self.seal = seal

    async def start_anchor(self) -> None:
        """Create the anchor for a log that has none and was never signed (a new or older database).

        A log that holds signed entries but has lost its anchor keeps it lost: re-creating it here
        would hide a deleted tail, so `audit verify` goes on reporting the missing anchor.
        """
        if self.seal is None or self.seal.read_anchor() is not None:
            return
        if await self.db.fetchone("SELECT 1 FROM audit_log WHERE mac IS NOT NULL LIMIT 1"):
            return
        row = await self.db.fetchone("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        last_id, last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        self.seal.advance(last_id, last_hash, keyed_from=last_id + 1)

    async def reset_anchor(self) -> None:
        """Point the anchor at the log as it is now (after a deliberate restore)."""
        if self.seal is None:
            return
        row = await self.db.fetchone("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        first = await self.db.fetchone("SELECT MIN(id) FROM audit_log WHERE mac IS NOT NULL")
        last_id, last_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        keyed_from = int(first[0]) if first and first[0] is not None else last_id + 1
        self.seal.advance(last_id, last_hash, keyed_from=keyed_from, force=True)

    async def append(self, actor: int | None, action: str, subject: str, payload: dict[str, Any]) -> AuditEntry:
        encoded = encode_payload(payload)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            prev = row[0] if row else GENESIS
            digest = entry_hash(prev, at, actor, action, subject, encoded)
            mac = self.seal.mac(digest) if self.seal else None
            entry_id = await self.db.execute(
                "INSERT INTO audit_log (at, actor, action, subject, payload, prev_hash, hash, mac)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, subject, encoded, prev, digest, mac),
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
        rows = await self.db.fetchall("SELECT * FROM audit_log ORDER BY id")
        return [AuditEntry(**dict(r)) for r in rows]
