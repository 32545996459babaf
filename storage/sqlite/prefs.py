from __future__ import annotations

from storage.db import Database


class SqlitePrefs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def locale(self, telegram_id: int) -> str | None:
        row = await self.db.fetchone("SELECT locale FROM prefs WHERE telegram_id = ?", (telegram_id,))
        return row[0] if row else None

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        await self.db.execute(
            "INSERT INTO prefs (telegram_id, locale) VALUES (?, ?)"
            " ON CONFLICT(telegram_id) DO UPDATE SET locale = excluded.locale",
            (telegram_id, locale),
        )
