from __future__ import annotations

from storage.postgres.db import PgDatabase
from storage.records import Role, User

_SELECT = (
    "SELECT u.telegram_id, u.display_name, u.role, u.unit_id, n.name AS unit_name, u.active, u.seconded"
    " FROM users u LEFT JOIN units n ON n.id = u.unit_id"
)


class PgUsers:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> User | None:
        row = await self.db.fetchrow(_SELECT + " WHERE u.telegram_id = $1", telegram_id)
        return User(**dict(row)) if row else None

    async def upsert(
        self, telegram_id: int, role: Role, unit_id: int | None, display_name: str = "", seconded: bool = False
    ) -> User:
        async with self.db.transaction():
            await self.db.execute(
                "INSERT INTO users (telegram_id, display_name, role, unit_id, seconded) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role, unit_id = excluded.unit_id,"
                " display_name = CASE WHEN excluded.display_name = '' THEN users.display_name"
                " ELSE excluded.display_name END, seconded = excluded.seconded, active = TRUE,"
                " updated_at = cadrebot_now()",
                telegram_id,
                display_name,
                str(role),
                unit_id,
                seconded,
            )
            user = await self.get(telegram_id)
        assert user is not None
        return user

    async def set_active(self, telegram_id: int, active: bool) -> None:
        await self.db.execute(
            "UPDATE users SET active = $1, updated_at = cadrebot_now() WHERE telegram_id = $2", active, telegram_id
        )

    async def all(self) -> list[User]:
        return [User(**dict(r)) for r in await self.db.fetch(_SELECT + " ORDER BY u.telegram_id")]

    async def in_units(self, unit_ids: list[int], role: Role | None = None) -> list[User]:
        if not unit_ids:
            return []
        sql = _SELECT + " WHERE u.active AND u.unit_id = ANY($1::bigint[])"
        args: list[object] = [list(unit_ids)]
        if role:
            sql += " AND u.role = $2"
            args.append(str(role))
        return [User(**dict(r)) for r in await self.db.fetch(sql + " ORDER BY u.telegram_id", *args)]

    async def with_role(self, role: Role) -> list[User]:
        rows = await self.db.fetch(_SELECT + " WHERE u.active AND u.role = $1 ORDER BY u.telegram_id", str(role))
        return [User(**dict(r)) for r in rows]
