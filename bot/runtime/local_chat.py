"""Drives the real Application with real ``Update`` objects, answered by :class:`LocalBotApi`.

Used by the console chat, the tests and the load benchmark, so all three exercise exactly the
handlers, persistence and Bot API serialisation that production uses.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Self

from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.filing.workdays import Clock
from bot.kb.service import KnowledgeService
from bot.runtime.app import build_application
from bot.services import Services
from bot.transport.local_api import LocalBotApi, SentMessage

_update_ids = itertools.count(1)
_message_ids = itertools.count(1_000_000)


@dataclass
class LocalChat:
    application: Application
    api: LocalBotApi
    services: Services
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    async def start(
        cls, settings: Settings, knowledge: KnowledgeService | None = None, clock: Clock | None = None
    ) -> Self:
        services = await Services.open(settings, knowledge, clock)
        api = LocalBotApi()
        application = build_application(services, request=api, with_updater=False)
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        return cls(application, api, services)

    async def stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()
        if self.application.post_shutdown:
            await self.application.post_shutdown(self.application)
        await self.services.close()

    # -- what a user does --------------------------------------------------------------------
    async def send(self, user_id: int, text: str) -> list[SentMessage]:
        message = self._message(user_id)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._feed({"message": message})

    async def press(self, user_id: int, message: SentMessage, data: str) -> list[SentMessage]:
        current = self.api.messages.get((message.chat_id, message.message_id), message)
        query = {
            "id": str(next(_update_ids)),
            "from": self._user(user_id),
            "chat_instance": str(user_id),
            "data": data,
            "message": current.as_json(),
        }
        return await self._feed({"callback_query": query})

    async def press_label(self, user_id: int, message: SentMessage, label_part: str) -> list[SentMessage]:
        for label, data in message.buttons:
            if label_part in label:
                return await self.press(user_id, message, data)
        raise LookupError(f"no button containing {label_part!r} in {message.buttons}")

    async def send_document(
        self, user_id: int, name: str, content: bytes, mime_type: str, caption: str | None = None
    ) -> list[SentMessage]:
        stored = self.api.add_file(name, content, mime_type)
        message = self._message(user_id)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_id,
            "file_name": name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        if caption:
            message["caption"] = caption
        return await self._feed({"message": message})

    async def send_photo(self, user_id: int, content: bytes) -> list[SentMessage]:
        stored = self.api.add_file("photo.jpg", content, "image/jpeg")
        message = self._message(user_id)
        message["photo"] = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_id,
                "width": 800,
                "height": 600,
                "file_size": len(content),
            }
        ]
        return await self._feed({"message": message})

    async def send_sticker(self, user_id: int) -> list[SentMessage]:
        message = self._message(user_id)
        message["sticker"] = {
            "file_id": "stk",
            "file_unique_id": "stk",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self._feed({"message": message})

    async def feed_raw(self, payload: dict[str, Any]) -> list[SentMessage]:
        return await self._feed(payload)

    # -- plumbing ----------------------------------------------------------------------------
    async def settle(self) -> None:
        """Let background work finish: notifications queued by the last update are delivered."""
        await self.services.notifier.drain()

    async def _feed(self, payload: dict[str, Any]) -> list[SentMessage]:
        before = len(self.api.log)
        update = Update.de_json({"update_id": next(_update_ids), **payload}, self.application.bot)
        await self.application.process_update(update)
        await self.application.update_persistence()
        await self.settle()
        return self.api.log[before:]

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": self.names.get(user_id, f"用户{user_id}")}

    def _message(self, user_id: int) -> dict[str, Any]:
        return {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": self.names.get(user_id, f"用户{user_id}")},
            "from": self._user(user_id),
        }
