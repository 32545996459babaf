from __future__ import annotations

from storage.postgres.db import PgDatabase


class PgPrefs:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def locale(self, telegram_id: int) -> str | None:
        return await self.db.fetchval("SELECT locale FROM prefs WHERE telegram_id = $1", telegram_id)

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        await self.db.execute(
            "INSERT INTO prefs (telegram_id, locale) VALUES ($1, $2)"
            " ON CONFLICT (telegram_id) DO UPDATE SET locale = excluded.locale",
            telegram_id,
            locale,
        )
