"""Append-only audit log; each entry's hash covers the previous entry's hash (a hash chain)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from storage.db import Database
from storage.records import AuditEntry

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: int | None, action: str, subject: str, payload: str) -> str:
    body = json.dumps([prev_hash, at, actor, action, subject, payload], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class SqliteAudit:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(self, actor: int | None, action: str, subject: str, payload: dict[str, Any]) -> AuditEntry:
        encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            prev = row[0] if row else GENESIS
            digest = entry_hash(prev, at, actor, action, subject, encoded)
            entry_id = await self.db.execute(
                "INSERT INTO audit_log (at, actor, action, subject, payload, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, subject, encoded, prev, digest),
            )
        return AuditEntry(
            id=entry_id,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=encoded,
            prev_hash=prev,
            hash=digest,
        )

    async def all(self) -> list[AuditEntry]:
        rows = await self.db.fetchall("SELECT * FROM audit_log ORDER BY id")
        return [AuditEntry(**dict(r)) for r in rows]
