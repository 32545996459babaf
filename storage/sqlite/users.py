from __future__ import annotations

from storage.db import Database
from storage.records import Role, User

_SELECT = (
    "SELECT u.telegram_id, u.display_name, u.role, u.unit_id, n.name AS unit_name, u.active, u.seconded"
    " FROM users u LEFT JOIN units n ON n.id = u.unit_id"
)


def _user(row) -> User:
    data = dict(row)
    data["active"] = bool(data["active"])
    data["seconded"] = bool(data["seconded"])
    return User(**data)


class SqliteUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> User | None:
        row = await self.db.fetchone(_SELECT + " WHERE u.telegram_id = ?", (telegram_id,))
        return _user(row) if row else None

    async def upsert(
        self, telegram_id: int, role: Role, unit_id: int | None, display_name: str = "", seconded: bool = False
    ) -> User:
        await self.db.execute(
            "INSERT INTO users (telegram_id, display_name, role, unit_id, seconded) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET role = excluded.role, unit_id = excluded.unit_id,"
            " display_name = CASE WHEN excluded.display_name = '' THEN users.display_name"
            " ELSE excluded.display_name END, seconded = excluded.seconded, active = 1,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            (telegram_id, display_name, role, unit_id, int(seconded)),
        )
        user = await self.get(telegram_id)
        assert user is not None
        return user

    async def set_active(self, telegram_id: int, active: bool) -> None:
        await self.db.execute(
            "UPDATE users SET active = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE telegram_id = ?",
            (int(active), telegram_id),
        )

    async def all(self) -> list[User]:
        return [_user(r) for r in await self.db.fetchall(_SELECT + " ORDER BY u.telegram_id")]

    async def in_units(self, unit_ids: list[int], role: Role | None = None) -> list[User]:
        if not unit_ids:
            return []
        marks = ",".join("?" * len(unit_ids))
        sql = _SELECT + f" WHERE u.active = 1 AND u.unit_id IN ({marks})"
        params: list = list(unit_ids)
        if role:
            sql += " AND u.role = ?"
            params.append(role)
        return [_user(r) for r in await self.db.fetchall(sql + " ORDER BY u.telegram_id", tuple(params))]

    async def with_role(self, role: Role) -> list[User]:
        rows = await self.db.fetchall(_SELECT + " WHERE u.active = 1 AND u.role = ? ORDER BY u.telegram_id", (role,))
        return [_user(r) for r in rows]
