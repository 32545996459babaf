from __future__ import annotations

from storage.postgres.db import PgDatabase
from storage.records import Invite, Role

_SELECT = (
    "SELECT i.code, i.role, i.unit_id, n.name AS unit_name, i.created_by, i.created_at, i.expires_at,"
    " i.used_by, i.used_at FROM invites i LEFT JOIN units n ON n.id = i.unit_id"
)
# cadrebot_now()'s spelling, 14 days ahead (an invite's life, as on SQLite).
_IN_14_DAYS = "to_char((now() + interval '14 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


class PgInvites:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def create(self, code: str, role: Role, unit_id: int | None, created_by: int | None) -> Invite:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO invites (code, role, unit_id, created_by, expires_at)"
                f" VALUES ($1, $2, $3, $4, {_IN_14_DAYS})",
                code,
                str(role),
                unit_id,
                created_by,
            )
            invite = await self.get(code)
        assert invite is not None
        return invite

    async def get(self, code: str) -> Invite | None:
        row = await self.db.fetchrow(_SELECT + " WHERE i.code = $1", code)
        return Invite(**dict(row)) if row else None

    async def redeem(self, code: str, telegram_id: int) -> Invite | None:
        """Marks the code used, once: a second redemption (or an expired code) returns None."""
        async with self.db.transaction():
            status = await self.db.execute(
                "UPDATE invites SET used_by = $1, used_at = cadrebot_now()"
                " WHERE code = $2 AND used_by IS NULL AND (expires_at IS NULL OR expires_at > cadrebot_now())",
                telegram_id,
                code,
            )
            if status != "UPDATE 1":
                return None
            return await self.get(code)
