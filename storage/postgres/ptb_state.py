"""Storage for python-telegram-bot's persistence (user/chat/bot data, conversation states) and,
through the bot data, the update ledger. JSON as text, as on SQLite, so a copy is byte-for-byte."""

from __future__ import annotations

import json
from typing import Any

from storage.postgres.db import PgDatabase


class PgPtbState:
    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    async def load(self, kind: str) -> dict[int, Any]:
        rows = await self.db.fetch("SELECT key, data FROM ptb_data WHERE kind = $1", kind)
        return {int(r[0]): json.loads(r[1]) for r in rows}

    async def save(self, kind: str, key: int, data: Any) -> None:
        await self.db.execute(
            "INSERT INTO ptb_data (kind, key, data) VALUES ($1, $2, $3)"
            " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data",
            kind,
            key,
            json.dumps(data, ensure_ascii=False),
        )

    async def drop(self, kind: str, key: int) -> None:
        await self.db.execute("DELETE FROM ptb_data WHERE kind = $1 AND key = $2", kind, key)

    async def conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        rows = await self.db.fetch("SELECT key, state FROM ptb_conversations WHERE name = $1", name)
        return {tuple(json.loads(r[0])): json.loads(r[1]) for r in rows}

    async def save_conversation(self, name: str, key: tuple[int | str, ...], state: object | None) -> None:
        encoded = json.dumps(list(key))
        if state is None:
            await self.db.execute("DELETE FROM ptb_conversations WHERE name = $1 AND key = $2", name, encoded)
            return
        await self.db.execute(
            "INSERT INTO ptb_conversations (name, key, state) VALUES ($1, $2, $3)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            name,
            encoded,
            json.dumps(state),
        )
