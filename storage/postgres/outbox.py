"""The durable outbox, claimed with FOR UPDATE SKIP LOCKED so several processes share it.

``pending`` does not only read: it leases what it returns to this storage (``claimant``) for
``LEASE``. Another process's ``pending`` skips rows locked by a concurrent claim and rows under a
live lease, so two processes never send one message; the same process sees its own leases again
(the notifier retries within its round). A claimer that dies leaves only a lease that runs out,
then its messages go to whoever asks next.
"""

from __future__ import annotations

from datetime import timedelta

from storage.postgres.db import PgDatabase
from storage.records import OutboxMessage

LEASE = timedelta(seconds=30)


class PgOutbox:
    def __init__(self, db: PgDatabase, claimant: str) -> None:
        self.db = db
        self.claimant = claimant

    async def enqueue(self, chat_id: int, text: str, markup: str | None, dedup_key: str | None = None) -> bool:
        """False when a message with the same dedup key was already queued (a retried notification)."""
        # ON CONFLICT, not a caught error: an error would abort the caller's whole transaction.
        status = await self.db.execute(
            "INSERT INTO outbox (chat_id, text, markup, dedup_key) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (dedup_key) DO NOTHING",
            chat_id,
            text,
            markup,
            dedup_key,
        )
        return status == "INSERT 0 1"

    async def pending(self, limit: int = 50) -> list[OutboxMessage]:
        rows = await self.db.write_rows(
            "UPDATE outbox SET claimed_by = $1, claimed_until = now() + $2 WHERE id IN ("
            " SELECT id FROM outbox WHERE sent_at IS NULL AND failed IS NULL"
            " AND (claimed_until IS NULL OR claimed_until < now() OR claimed_by = $1)"
            " ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
            " RETURNING id, chat_id, text, markup, attempts",
            self.claimant,
            LEASE,
            limit,
        )
        return sorted((OutboxMessage(**dict(r)) for r in rows), key=lambda m: m.id)

    async def mark_sent(self, message_id: int) -> None:
        await self.db.execute(
            "UPDATE outbox SET sent_at = cadrebot_now(), attempts = attempts + 1, claimed_until = NULL WHERE id = $1",
            message_id,
        )

    async def mark_failed(self, message_id: int, reason: str, final: bool) -> None:
        # The lease ends with the attempt: a message that may be retried is anyone's again.
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, failed = CASE WHEN $1 THEN $2 ELSE NULL END,"
            " claimed_by = NULL, claimed_until = NULL WHERE id = $3",
            final,
            reason,
            message_id,
        )
