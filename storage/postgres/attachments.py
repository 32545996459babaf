"""Evidence files: Telegram file ids, held by a draft until it is filed, then by the filing."""

from __future__ import annotations

from datetime import datetime

from storage.postgres.db import PgDatabase, affected
from storage.records_filings import Attachment
from storage.timestamps import stamp


class PgAttachments:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def add(
        self,
        *,
        owner_id: int,
        file_id: str,
        name: str,
        mime: str,
        size: int,
        at: datetime,
        draft_id: int | None = None,
        filing_ref: str | None = None,
        file_unique_id: str | None = None,
    ) -> Attachment:
        row = await self.db.write_row(
            "INSERT INTO attachments (owner_id, filing_ref, draft_id, file_id, file_unique_id, name, mime, size,"
            " added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
            owner_id,
            filing_ref,
            draft_id,
            file_id,
            file_unique_id,
            name,
            mime,
            size,
            stamp(at),
        )
        assert row is not None
        return Attachment(**dict(row))

    async def get(self, attachment_id: int) -> Attachment | None:
        row = await self.db.fetchrow("SELECT * FROM attachments WHERE id = $1", attachment_id)
        return Attachment(**dict(row)) if row else None

    async def of_draft(self, draft_id: int) -> list[Attachment]:
        rows = await self.db.fetch(
            "SELECT * FROM attachments WHERE draft_id = $1 AND filing_ref IS NULL ORDER BY id", draft_id
        )
        return [Attachment(**dict(r)) for r in rows]

    async def of_filing(self, ref: str) -> list[Attachment]:
        rows = await self.db.fetch("SELECT * FROM attachments WHERE filing_ref = $1 ORDER BY id", ref)
        return [Attachment(**dict(r)) for r in rows]

    async def link(self, attachment_ids: list[int], owner_id: int, ref: str) -> int:
        """Attach a cadre's not-yet-filed attachments to a filing; returns how many were linked."""
        if not attachment_ids:
            return 0
        status = await self.db.execute(
            "UPDATE attachments SET filing_ref = $1 WHERE owner_id = $2 AND filing_ref IS NULL"
            " AND id = ANY($3::bigint[])",
            ref,
            owner_id,
            list(attachment_ids),
        )
        return affected(status)

    async def counts(self) -> dict[str, int]:
        """How many attachments each filing has (filings without any are absent)."""
        rows = await self.db.fetch(
            "SELECT filing_ref, COUNT(*) AS n FROM attachments WHERE filing_ref IS NOT NULL GROUP BY filing_ref"
        )
        return {str(r["filing_ref"]): int(r["n"]) for r in rows}
