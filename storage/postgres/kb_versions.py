from __future__ import annotations

from storage.postgres.db import PgDatabase, affected
from storage.records import KbStaged, KbVersion


class PgKbVersions:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def latest(self) -> KbVersion | None:
        row = await self.db.fetchrow("SELECT * FROM kb_versions ORDER BY id DESC LIMIT 1")
        return KbVersion(**dict(row)) if row else None

    async def latest_id(self) -> int | None:
        value = await self.db.fetchval("SELECT MAX(id) FROM kb_versions")
        return int(value) if value is not None else None

    async def get(self, version_id: int) -> KbVersion | None:
        row = await self.db.fetchrow("SELECT * FROM kb_versions WHERE id = $1", version_id)
        return KbVersion(**dict(row)) if row else None

    async def add(self, content: str, author: int | None, comment: str) -> KbVersion:
        row = await self.db.write_row(
            "INSERT INTO kb_versions (content, author, comment) VALUES ($1, $2, $3) RETURNING *",
            content,
            author,
            comment,
        )
        assert row is not None
        return KbVersion(**dict(row))

    async def history(self, limit: int = 20) -> list[KbVersion]:
        rows = await self.db.fetch(
            "SELECT id, created_at, author, comment, '' AS content FROM kb_versions ORDER BY id DESC LIMIT $1", limit
        )
        return [KbVersion(**dict(r)) for r in rows]

    async def stage(self, author: int, base_version: int, content: str, comment: str) -> int:
        return await self.db.insert(
            "INSERT INTO kb_staged (author, base_version, content, comment) VALUES ($1, $2, $3, $4) RETURNING id",
            author,
            base_version,
            content,
            comment,
        )

    async def staged(self, staged_id: int) -> KbStaged | None:
        row = await self.db.fetchrow("SELECT * FROM kb_staged WHERE id = $1", staged_id)
        return KbStaged(**dict(row)) if row else None

    async def close_staged(self, staged_id: int, applied_version: int | None) -> bool:
        """Mark a staged change applied or discarded, once: False if it was already closed."""
        status = await self.db.execute(
            "UPDATE kb_staged SET applied_version = $1, discarded = $2 WHERE id = $3"
            " AND applied_version IS NULL AND discarded = 0",
            applied_version,
            int(applied_version is None),
            staged_id,
        )
        return affected(status) == 1
