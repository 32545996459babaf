from __future__ import annotations

from storage.db import Database
from storage.records import Invite, Role

_SELECT = (
    "SELECT i.code, i.role, i.unit_id, n.name AS unit_name, i.created_by, i.created_at, i.expires_at,"
    " i.used_by, i.used_at FROM invites i LEFT JOIN units n ON n.id = i.unit_id"
)


class SqliteInvites:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, code: str, role: Role, unit_id: int | None, created_by: int | None) -> Invite:
        await self.db.execute(
            "INSERT INTO invites (code, role, unit_id, created_by, expires_at)"
            " VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now','+14 days'))",
            (code, role, unit_id, created_by),
        )
        invite = await self.get(code)
        assert invite is not None
        return invite

    async def get(self, code: str) -> Invite | None:
        row = await self.db.fetchone(_SELECT + " WHERE i.code = ?", (code,))
        return Invite(**dict(row)) if row else None

    async def redeem(self, code: str, telegram_id: int) -> Invite | None:
        """Marks the code used, once: a second redemption (or an expired code) returns None."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE invites SET used_by = ?, used_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                " WHERE code = ? AND used_by IS NULL"
                " AND (expires_at IS NULL OR expires_at > strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (telegram_id, code),
            )
            if cur.rowcount != 1:
                return None
        return await self.get(code)
