from __future__ import annotations

from storage.db import Database
from storage.records import KbStaged, KbVersion


class SqliteKbVersions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self) -> KbVersion | None:
        row = await self.db.fetchone("SELECT * FROM kb_versions ORDER BY id DESC LIMIT 1")
        return KbVersion(**dict(row)) if row else None

    async def latest_id(self) -> int | None:
        row = await self.db.fetchone("SELECT MAX(id) FROM kb_versions")
        return row[0] if row else None

    async def get(self, version_id: int) -> KbVersion | None:
        row = await self.db.fetchone("SELECT * FROM kb_versions WHERE id = ?", (version_id,))
        return KbVersion(**dict(row)) if row else None

    async def add(self, content: str, author: int | None, comment: str) -> KbVersion:
        version_id = await self.db.execute(
            "INSERT INTO kb_versions (content, author, comment) VALUES (?, ?, ?)", (content, author, comment)
        )
        version = await self.get(version_id)
        assert version is not None
        return version

    async def history(self, limit: int = 20) -> list[KbVersion]:
        rows = await self.db.fetchall(
            "SELECT id, created_at, author, comment, '' AS content FROM kb_versions ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [KbVersion(**dict(r)) for r in rows]

    async def stage(self, author: int, base_version: int, content: str, comment: str) -> int:
        return await self.db.execute(
            "INSERT INTO kb_staged (author, base_version, content, comment) VALUES (?, ?, ?, ?)",
            (author, base_version, content, comment),
        )

    async def staged(self, staged_id: int) -> KbStaged | None:
        row = await self.db.fetchone("SELECT * FROM kb_staged WHERE id = ?", (staged_id,))
        return KbStaged(**dict(row)) if row else None

    async def close_staged(self, staged_id: int, applied_version: int | None) -> bool:
        """Mark a staged change applied or discarded, once: False if it was already closed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE kb_staged SET applied_version = ?, discarded = ? WHERE id = ?"
                " AND applied_version IS NULL AND discarded = 0",
                (applied_version, int(applied_version is None), staged_id),
            )
            return cur.rowcount == 1
