"""A chat in the terminal with the same Application Telegram would run.

Every bot message is shown with a number (``#2``) and its buttons numbered: ``N`` (or ``!N``)
presses button N of the last keyboard, ``!M.N`` button N of message M — as a Telegram user can
press a button on any earlier message. ``/as USER_ID`` switches who is typing; ``/file PATH``
sends a document; files and pictures the bot sends are saved in a folder and their paths printed.
Piped input works line by line and the console exits at the end of input, so it is scriptable.
"""

from __future__ import annotations

import asyncio
import mimetypes
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.runtime.local_chat import LocalChat
from bot.transport.local_api import SentMessage
from storage.process_lock import ServingLock

HELP = (
    "console: type messages as a Telegram user would. N or !N presses button N of the last keyboard,"
    " !M.N button N of message #M; /as USER_ID switches user; /file PATH sends a document; /quit exits."
)

NO_USERS_HINT = (
    "console: nobody is registered yet. Try `cadrebot console --demo` (an admin 1, a supervisor 2 and a"
    " seconded cadre 3 in 示例街道示例社区), or add users with `cadrebot users add`."
)
DEMO_UNIT = "示例街道示例社区"
DEMO_USERS = (
    (1, "admin", None, "管理员"),
    (2, "supervisor", DEMO_UNIT, "监督审核人"),
    (3, "cadre", DEMO_UNIT, "社区干部"),
)


class Console:
    def __init__(self, chat: LocalChat, user_id: int, out: TextIO, files_dir: Path | None = None) -> None:
        self.chat = chat
        self.user_id = user_id
        self.out = out
        self.files_dir = files_dir if files_dir is not None else Path(tempfile.gettempdir()) / "cadrebot-console-files"
        self.last_keyboard: dict[int, SentMessage] = {}
        # The console's own numbers, in the order messages were first shown; an edit keeps its number.
        self.numbers: dict[tuple[int, int], int] = {}
        self.shown: list[tuple[int, int]] = []

    def _number(self, message: SentMessage) -> int:
        key = (message.chat_id, message.message_id)
        if key not in self.numbers:
            self.shown.append(key)
            self.numbers[key] = len(self.shown)
        return self.numbers[key]

    def show(self, messages: list[SentMessage]) -> None:
        for message in messages:
            number = self._number(message)
            who = "" if message.chat_id == self.user_id else f" → {message.chat_id}"
            mark = " (edited)" if message.edited else ""
            print(f"#{number} bot{who}{mark}:", file=self.out)
            if message.document:
                name, content = message.document
                saved = self._save(number, name, content)
                print(f"  [file {name}, {len(content)} bytes, saved to {saved}]", file=self.out)
            if message.photo is not None:
                saved = self._save(number, "picture" + _picture_suffix(message.photo), message.photo)
                print(f"  [picture, {len(message.photo)} bytes, saved to {saved}]", file=self.out)
            bare_file = message.document is not None or message.photo is not None
            for line in message.plain.splitlines() or ([] if bare_file else [""]):
                print(f"  {line}", file=self.out)
            for index, (label, _data) in enumerate(message.buttons, start=1):
                print(f"  [{index}] {label}", file=self.out)
            if message.buttons:
                self.last_keyboard[message.chat_id] = message
        self.out.flush()

    def _save(self, number: int, name: str, content: bytes) -> Path:
        # The message number keeps two exports of the same name apart; the name is the bot's, not a path.
        path = self.files_dir / f"{number}-{Path(name).name or 'file'}"
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        except OSError as exc:
            print(f"console: cannot save {path}: {exc.strerror}", file=self.out)
        return path.resolve()

    async def _send_file(self, name: str) -> bool:
        path = Path(name)
        try:
            content = await asyncio.to_thread(lambda: path.expanduser().read_bytes())
        except OSError:
            print(f"console: cannot read {path}", file=self.out)
            return True
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.show(await self.chat.send_document(self.user_id, path.name, content, mime))
        return True

    def _target(self, press: str) -> tuple[SentMessage, int] | str:
        """The message and button index ``N`` or ``M.N`` names, or why there is none."""
        message_part, _, button_part = press.rpartition(".")
        index = int(button_part) - 1
        if not message_part:
            keyboard = self.last_keyboard.get(self.user_id)
            if keyboard is None:
                return "console: no keyboard to press yet"
            key = (keyboard.chat_id, keyboard.message_id)
        else:
            number = int(message_part)
            if not 1 <= number <= len(self.shown):
                return f"console: no message #{number}"
            key = self.shown[number - 1]
            if key[0] != self.user_id:
                return f"console: message #{number} is in user {key[0]}'s chat (/as {key[0]} to press it)"
        message = self.chat.api.messages.get(key)
        if message is None:
            return "console: that message was deleted"
        if not 0 <= index < len(message.buttons):
            return "console: no such button"
        return message, index

    async def handle(self, line: str) -> bool:
        """Process one input line; False ends the session."""
        line = line.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            return True
        command, _, rest = stripped.partition(" ")
        if command in ("/quit", "/exit"):
            return False
        if command == "/as":
            parts = rest.split()
            if len(parts) == 1 and parts[0].lstrip("-").isdigit():
                self.user_id = int(parts[0])
                print(f"console: now typing as user {self.user_id}", file=self.out)
            else:
                print("console: usage /as USER_ID", file=self.out)
            return True
        if command == "/file" and rest.strip():
            return await self._send_file(rest.strip())
        if _is_press(stripped):
            target = self._target(stripped.removeprefix("!"))
            if isinstance(target, str):
                print(target, file=self.out)
                return True
            message, index = target
            self.show(await self.chat.press(self.user_id, message, message.buttons[index][1]))
            return True
        self.show(await self.chat.send(self.user_id, line))
        return True


def _is_press(text: str) -> bool:
    """``!N``, ``!M.N``, or a bare ``N`` of one or two digits (longer numbers are messages, e.g. an id)."""
    if text.startswith("!"):
        message, dot, button = text[1:].partition(".")
        return message.isdigit() and (not dot or button.isdigit())
    return text.isdigit() and len(text) <= 2


def _picture_suffix(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return ".png"
    if content.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".bin"


async def run_console(
    settings: Settings,
    user_id: int | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    demo: bool = False,
    files_dir: Path | None = None,
) -> None:
    with ServingLock(settings.db_path):
        await _chat(settings, user_id, stdin or sys.stdin, out or sys.stdout, demo, files_dir)


async def _chat(
    settings: Settings, user_id: int | None, stdin: TextIO, out: TextIO, demo: bool, files_dir: Path | None
) -> None:
    chat = await LocalChat.start(settings)
    if demo:
        for telegram_id, role, unit, name in DEMO_USERS:
            if await chat.services.users.get(telegram_id) is None:
                await chat.services.users.add(telegram_id, role, unit, display_name=name, seconded=role == "cadre")
        user_id = user_id if user_id is not None else 3
    user = user_id if user_id is not None else (settings.admin_ids[0] if settings.admin_ids else 1)
    console = Console(chat, user, out, files_dir or settings.db_path.parent / "console-files")
    desk = None
    if settings.web_listen:
        from bot.runtime.web import start_web

        desk = await start_web(chat.application, chat.services, settings.web_listen)
        print(f"console: web desk at {desk.url} (send /web as a supervisor for a sign-in link)", file=out)
    interactive = stdin.isatty()
    if interactive:
        print(HELP, file=out)
        print(f"console: typing as user {user}; files the bot sends go to {console.files_dir}", file=out)
        if not await chat.services.users.list():
            print(NO_USERS_HINT, file=out)
    try:
        while True:
            if interactive:
                print(f"[{console.user_id}]> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not await console.handle(line):
                break
    finally:
        if desk is not None:
            await desk.stop()
        await chat.stop()
