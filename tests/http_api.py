"""A Bot API server on 127.0.0.1 for end-to-end tests of the real ``cadrebot run`` process.

It speaks HTTP as Telegram does and answers with :class:`bot.local_api.LocalBotApi`'s semantics
(and refusals); updates for ``getUpdates`` are queued by the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

from bot.local_api import LocalBotApi, SentMessage

_JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "chat_id", "message_id", "offset", "limit", "timeout",
                "entities", "disable_notification", "show_alert", "cache_time", "link_preview_options"}


class FakeTelegram:
    def __init__(self) -> None:
        self.api = LocalBotApi()
        self.updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self.calls: list[str] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path}", self._file)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    def user_says(self, user_id: int, text: str) -> None:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": f"u{user_id}"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self.updates.append({"update_id": next(self._ids), "message": message})
        self._new_update.set()

    def user_presses(self, user_id: int, message: SentMessage, data: str) -> None:
        self.updates.append({"update_id": next(self._ids), "callback_query": {
            "id": str(next(self._ids)), "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
            "chat_instance": str(user_id), "data": data, "message": message.as_json()}})
        self._new_update.set()

    async def wait_for(self, predicate, timeout: float = 30.0) -> SentMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.api.log:
                if predicate(message):
                    return message
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no matching message; sent: {[m.plain[:40] for m in self.api.log]}")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name] = (part.filename, await part.read())
                else:
                    params[part.name] = await part.text()
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        for key in list(params):
            if key in _JSON_FIELDS and isinstance(params[key], str):
                try:
                    params[key] = json.loads(params[key])
                except json.JSONDecodeError:
                    pass
        if method == "getUpdates":
            return await self._get_updates(params)
        status, body = await self.api.dispatch(method, params, files)
        return web.Response(status=status, body=body, content_type="application/json")

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=min(float(params.get("timeout") or 0), 1.0))
            except TimeoutError:
                pass
            pending = [u for u in self.updates if u["update_id"] >= offset]
        return web.json_response({"ok": True, "result": pending})

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.api.files.get(request.match_info["path"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.content)
