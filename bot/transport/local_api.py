"""A Bot API answered in-process: the console and the tests run the real python-telegram-bot stack on it.

``LocalBotApi`` is a :class:`telegram.request.BaseRequest`, so ``Bot`` serialises every call exactly
as it would for Telegram, and this class answers with Telegram's JSON shapes (and Telegram's
refusals, see :mod:`bot.transport.telegram_rules`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.transport.telegram_rules import (
    MAX_CALLBACK_ANSWER,
    MAX_CAPTION,
    BadRequest,
    check_reply_markup,
    check_text,
)

BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "cadrebot", "username": "cadrebot_local_bot"}


@dataclass
class SentMessage:
    """One message the bot sent (or its latest edit)."""

    chat_id: int
    message_id: int
    text: str  # as sent (HTML)
    plain: str  # as Telegram would show it
    reply_markup: dict | None = None
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    edited: bool = False

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": f"user{self.chat_id}"},
            "from": BOT_USER,
        }
        if self.document:
            data["document"] = {
                "file_id": f"sent-{self.message_id}",
                "file_unique_id": f"u{self.message_id}",
                "file_name": self.document[0],
                "file_size": len(self.document[1]),
            }
            if self.plain:
                data["caption"] = self.plain
        elif self.photo is not None:
            data["photo"] = [
                {
                    "file_id": f"sent-{self.message_id}",
                    "file_unique_id": f"u{self.message_id}",
                    "width": 1,
                    "height": 1,
                    "file_size": len(self.photo),
                }
            ]
        else:
            data["text"] = self.plain
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass
class StoredFile:
    file_id: str
    name: str
    content: bytes
    mime_type: str


@dataclass
class LocalBotApi(BaseRequest):
    """Answers Bot API methods locally and records what the bot sent."""

    token_check: bool = True
    messages: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    log: list[SentMessage] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    commands: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    on_send: Callable[[SentMessage], None] | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()

    # -- BaseRequest -------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_path = url.rsplit("/", 1)[-1]
            stored = self.files.get(file_path)
            return (200, stored.content) if stored else (404, b"Not Found")
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = {}
        if request_data and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                name, content = value[0], value[1]
                if not isinstance(content, bytes):  # a file handle, since PTB 21.5
                    content = content.read()
                files[part] = (name, content)
        return await self.dispatch(api_method, params, files)

    async def dispatch(self, api_method: str, params: dict, files: dict) -> tuple[int, bytes]:
        """Answer one Bot API method: (HTTP status, JSON body), as Telegram would."""
        handler = getattr(self, f"_m_{api_method}", None)
        if handler is None:
            return self._error(400, f"Bad Request: method {api_method} is not supported offline")
        try:
            async with self._lock:
                result = handler(params, files)
        except BadRequest as exc:
            self.refusals.append((api_method, str(exc)))
            return self._error(400, f"Bad Request: {exc}")
        except PermissionError as exc:
            return self._error(403, f"Forbidden: {exc}")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _error(code: int, description: str) -> tuple[int, bytes]:
        return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()

    # -- Bot API methods ---------------------------------------------------------------------
    def _m_getMe(self, params: dict, files: dict) -> dict:
        return {
            **BOT_USER,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_deleteWebhook(self, params: dict, files: dict) -> bool:
        return True

    def _m_setMyCommands(self, params: dict, files: dict) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    def _m_deleteMyCommands(self, params: dict, files: dict) -> bool:
        return True

    def _m_sendChatAction(self, params: dict, files: dict) -> bool:
        return True

    def _m_sendMessage(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = _markup(params)
        check_reply_markup(markup)
        return self._record(SentMessage(chat_id, next(self._ids), params["text"], plain, markup)).as_json()

    def _m_sendDocument(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        caption = params.get("caption")
        plain = check_text(caption, params.get("parse_mode"), MAX_CAPTION) if caption else ""
        markup = _markup(params)
        check_reply_markup(markup)
        name, content = files.get("document", (params.get("document", "file"), b""))
        if not content and isinstance(params.get("document"), str):  # re-sent by file_id
            stored = self._file_by_id(params["document"])
            if stored is None:
                raise BadRequest("wrong file identifier/HTTP URL specified")
            name, content = stored.name, stored.content
        return self._record(
            SentMessage(chat_id, next(self._ids), caption or "", plain, markup, document=(str(name), content))
        ).as_json()

    def _m_sendPhoto(self, params: dict, files: dict) -> dict:
        chat_id = self._chat(params)
        caption = params.get("caption")
        plain = check_text(caption, params.get("parse_mode"), MAX_CAPTION) if caption else ""
        markup = _markup(params)
        check_reply_markup(markup)
        content = files.get("photo", ("photo", b""))[1]
        if not content and isinstance(params.get("photo"), str):
            stored = self._file_by_id(params["photo"])
            content = stored.content if stored else b""
        return self._record(
            SentMessage(chat_id, next(self._ids), caption or "", plain, markup, photo=content)
        ).as_json()

    def _m_sendMediaGroup(self, params: dict, files: dict) -> list[dict]:
        """An album of 2–10 photos (by file_id or uploaded as attach://name): one message each."""
        chat_id = self._chat(params)
        media = params.get("media")
        if isinstance(media, str):
            media = json.loads(media)
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise BadRequest("wrong number of media specified: must be 2-10")
        sent = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise BadRequest("unsupported media type in the album")
            ref = str(item.get("media", ""))
            if ref.startswith("attach://"):
                content = files.get(ref.removeprefix("attach://"), ("", b""))[1]
            else:
                stored = self._file_by_id(ref)
                if stored is None:
                    raise BadRequest("wrong file identifier/HTTP URL specified")
                content = stored.content
            caption = item.get("caption")
            plain = check_text(caption, item.get("parse_mode"), MAX_CAPTION) if caption else ""
            sent.append(self._record(SentMessage(chat_id, next(self._ids), caption or "", plain, photo=content)))
        return [message.as_json() for message in sent]

    def _m_editMessageText(self, params: dict, files: dict) -> dict:
        message = self._existing(params)
        plain = check_text(params.get("text"), params.get("parse_mode"))
        markup = _markup(params)
        check_reply_markup(markup)
        if params["text"] == message.text and markup == message.reply_markup:
            raise BadRequest(
                "message is not modified: specified new message content and reply markup are exactly the same"
                " as a current content and reply markup of the message"
            )
        return self._record(
            SentMessage(message.chat_id, message.message_id, params["text"], plain, markup, edited=True)
        ).as_json()

    def _m_editMessageReplyMarkup(self, params: dict, files: dict) -> dict:
        message = self._existing(params)
        markup = _markup(params)
        check_reply_markup(markup)
        if markup == message.reply_markup:
            raise BadRequest("message is not modified")
        edited = SentMessage(
            message.chat_id,
            message.message_id,
            message.text,
            message.plain,
            markup,
            message.document,
            message.photo,
            edited=True,
        )
        return self._record(edited).as_json()

    def _m_deleteMessage(self, params: dict, files: dict) -> bool:
        self._existing(params)
        del self.messages[(int(params["chat_id"]), int(params["message_id"]))]
        return True

    def _m_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        if len(params.get("text", "") or "") > MAX_CALLBACK_ANSWER:
            raise BadRequest("MESSAGE_TOO_LONG")
        self.callback_answers.append(params)
        return True

    def _m_getFile(self, params: dict, files: dict) -> dict:
        stored = self._file_by_id(str(params.get("file_id")))
        if not stored:
            raise BadRequest("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_id,
            "file_size": len(stored.content),
            "file_path": stored.file_id,
        }

    # -- helpers -----------------------------------------------------------------------------
    def add_file(self, name: str, content: bytes, mime_type: str) -> StoredFile:
        stored = StoredFile(f"f{next(self._ids)}x{len(self.files)}", name, content, mime_type)
        self.files[stored.file_id] = stored
        return stored

    def _file_by_id(self, file_id: str) -> StoredFile | None:
        return self.files.get(file_id)

    def _chat(self, params: dict) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise BadRequest("chat not found") from None
        if chat_id in self.blocked:
            raise PermissionError("bot was blocked by the user")
        return chat_id

    def _existing(self, params: dict) -> SentMessage:
        key = (self._chat(params), int(params.get("message_id", 0)))
        message = self.messages.get(key)
        if message is None:
            raise BadRequest("message to edit not found")
        return message

    def _record(self, message: SentMessage) -> SentMessage:
        self.messages[(message.chat_id, message.message_id)] = message
        self.log.append(message)
        if self.on_send:
            self.on_send(message)
        return message


def _markup(params: dict) -> dict | None:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup or None
