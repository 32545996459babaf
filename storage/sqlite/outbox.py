from __future__ import annotations

import sqlite3

from storage.db import Database
from storage.records import OutboxMessage


class SqliteOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, chat_id: int, text: str, markup: str | None, dedup_key: str | None = None) -> bool:
        """False when a message with the same dedup key was already queued (a retried notification)."""
        try:
            await self.db.execute(
                "INSERT INTO outbox (chat_id, text, markup, dedup_key) VALUES (?, ?, ?, ?)",
                (chat_id, text, markup, dedup_key),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    async def pending(self, limit: int = 50) -> list[OutboxMessage]:
        rows = await self.db.fetchall(
            "SELECT id, chat_id, text, markup, attempts FROM outbox"
            " WHERE sent_at IS NULL AND failed IS NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [OutboxMessage(**dict(r)) for r in rows]

    async def mark_sent(self, message_id: int) -> None:
        await self.db.execute(
            "UPDATE outbox SET sent_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), attempts = attempts + 1 WHERE id = ?",
            (message_id,),
        )

    async def mark_failed(self, message_id: int, reason: str, final: bool) -> None:
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, failed = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
            (int(final), reason, message_id),
        )
