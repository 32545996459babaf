"""python-telegram-bot persistence in our SQLite database, so a half-filled conversation survives a restart."""

from __future__ import annotations

import copy

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.protocols import PersistenceRepository


class SqlitePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, state: PersistenceRepository, update_interval: float = 1.0) -> None:
        # bot_data holds live service objects and callback data is never arbitrary: store neither.
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.state = state

    async def get_user_data(self) -> dict[int, dict]:
        return await self.state.load("user")

    async def get_chat_data(self) -> dict[int, dict]:
        return await self.state.load("chat")

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return await self.state.conversations(name)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await self.state.save_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self.state.save("user", user_id, copy.deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self.state.save("chat", chat_id, copy.deepcopy(data))

    async def update_bot_data(self, data: dict) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await self.state.drop("chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        await self.state.drop("user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def flush(self) -> None:
        return None
