"""Evidence files: Telegram file ids, held by a draft until it is filed, then by the filing."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.records_filings import Attachment
from storage.timestamps import stamp


class SqliteAttachments:
    def __init__(self, db: Database) -> None:
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
        attachment_id = await self.db.execute(
            "INSERT INTO attachments (owner_id, filing_ref, draft_id, file_id, file_unique_id, name, mime, size,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner_id, filing_ref, draft_id, file_id, file_unique_id, name, mime, size, stamp(at)),
        )
        return Attachment.model_validate(
            dict(
                id=attachment_id,
                owner_id=owner_id,
                filing_ref=filing_ref,
                draft_id=draft_id,
                file_id=file_id,
                file_unique_id=file_unique_id,
                name=name,
                mime=mime,
                size=size,
                added_at=stamp(at),
            )
        )

    async def get(self, attachment_id: int) -> Attachment | None:
        row = await self.db.fetchone("SELECT * FROM attachments WHERE id = ?", (attachment_id,))
        return Attachment(**dict(row)) if row else None

    async def of_draft(self, draft_id: int) -> list[Attachment]:
        rows = await self.db.fetchall(
            "SELECT * FROM attachments WHERE draft_id = ? AND filing_ref IS NULL ORDER BY id", (draft_id,)
        )
        return [Attachment(**dict(r)) for r in rows]

    async def of_filing(self, ref: str) -> list[Attachment]:
        rows = await self.db.fetchall("SELECT * FROM attachments WHERE filing_ref = ? ORDER BY id", (ref,))
        return [Attachment(**dict(r)) for r in rows]

    async def link(self, attachment_ids: list[int], owner_id: int, ref: str) -> int:
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

    async def counts(self) -> dict[str, int]:
        """How many attachments each filing has (filings without any are absent)."""
        rows = await self.db.fetchall(
            "SELECT filing_ref, COUNT(*) AS n FROM attachments WHERE filing_ref IS NOT NULL GROUP BY filing_ref"
        )
        return {str(r["filing_ref"]): int(r["n"]) for r in rows}
