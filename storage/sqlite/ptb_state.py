"""Storage for python-telegram-bot's persistence (user/chat/bot data, conversation states)."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database


class SqlitePtbState:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, kind: str) -> dict[int, Any]:
        rows = await self.db.fetchall("SELECT key, data FROM ptb_data WHERE kind = ?", (kind,))
        return {int(r[0]): json.loads(r[1]) for r in rows}

    async def save(self, kind: str, key: int, data: Any) -> None:
        await self.db.execute(
            "INSERT INTO ptb_data (kind, key, data) VALUES (?, ?, ?)"
            " ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data",
            (kind, key, json.dumps(data, ensure_ascii=False)),
        )

    async def drop(self, kind: str, key: int) -> None:
        await self.db.execute("DELETE FROM ptb_data WHERE kind = ? AND key = ?", (kind, key))

    async def conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        rows = await self.db.fetchall("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
        return {tuple(json.loads(r[0])): json.loads(r[1]) for r in rows}

    async def save_conversation(self, name: str, key: tuple[int | str, ...], state: object | None) -> None:
        encoded = json.dumps(list(key))
        if state is None:
            await self.db.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, encoded))
            return
        await self.db.execute(
            "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT(name, key) DO UPDATE SET state = excluded.state",
            (name, encoded, json.dumps(state)),
        )
