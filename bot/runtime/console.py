"""A chat in the terminal with the same Application Telegram would run.

Buttons are shown numbered and pressed by typing the number (or ``!N``); ``/as USER_ID``
switches who is typing; ``/file PATH`` sends a document. Piped input works line by line and the
console exits at the end of input, so it is scriptable.
"""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.runtime.local_chat import LocalChat
from bot.transport.local_api import SentMessage
from storage.process_lock import ServingLock

HELP = (
    "console: type messages as a Telegram user would. N or !N presses button N; "
    "/as USER_ID switches user; /file PATH sends a document; /quit exits."
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
    def __init__(self, chat: LocalChat, user_id: int, out: TextIO) -> None:
        self.chat = chat
        self.user_id = user_id
        self.out = out
        self.last_keyboard: dict[int, SentMessage] = {}

    def show(self, messages: list[SentMessage]) -> None:
        for message in messages:
            who = "" if message.chat_id == self.user_id else f" → {message.chat_id}"
            mark = " (edited)" if message.edited else ""
            print(f"bot{who}{mark}:", file=self.out)
            if message.document:
                print(f"  [file {message.document[0]}, {len(message.document[1])} bytes]", file=self.out)
            if message.photo is not None:
                print(f"  [picture, {len(message.photo)} bytes]", file=self.out)
            for line in message.plain.splitlines() or [""]:
                print(f"  {line}", file=self.out)
            for number, (label, _data) in enumerate(message.buttons, start=1):
                print(f"  [{number}] {label}", file=self.out)
            if message.buttons:
                self.last_keyboard[message.chat_id] = message
        self.out.flush()

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

    async def handle(self, line: str) -> bool:
        """Process one input line; False ends the session."""
        line = line.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            return True
        if stripped in ("/quit", "/exit"):
            return False
        if stripped.startswith("/as"):
            parts = stripped.split()
            if len(parts) == 2 and parts[1].lstrip("-").isdigit():
                self.user_id = int(parts[1])
                print(f"console: now typing as user {self.user_id}", file=self.out)
            else:
                print("console: usage /as USER_ID", file=self.out)
            return True
        if stripped.startswith("/file "):
            return await self._send_file(stripped[6:].strip())
        number = stripped[1:] if stripped.startswith("!") else stripped
        if number.isdigit() and (stripped.startswith("!") or len(number) <= 2):
            keyboard = self.last_keyboard.get(self.user_id)
            index = int(number) - 1
            if keyboard is None or not 0 <= index < len(keyboard.buttons):
                print("console: no such button", file=self.out)
                return True
            self.show(await self.chat.press(self.user_id, keyboard, keyboard.buttons[index][1]))
            return True
        self.show(await self.chat.send(self.user_id, line))
        return True


async def run_console(
    settings: Settings,
    user_id: int | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    demo: bool = False,
) -> None:
    with ServingLock(settings.db_path):
        await _chat(settings, user_id, stdin or sys.stdin, out or sys.stdout, demo)


async def _chat(settings: Settings, user_id: int | None, stdin: TextIO, out: TextIO, demo: bool) -> None:
    chat = await LocalChat.start(settings)
    if demo:
        for telegram_id, role, unit, name in DEMO_USERS:
            if await chat.services.users.get(telegram_id) is None:
                await chat.services.users.add(telegram_id, role, unit, display_name=name, seconded=role == "cadre")
        user_id = user_id if user_id is not None else 3
    user = user_id if user_id is not None else (settings.admin_ids[0] if settings.admin_ids else 1)
    console = Console(chat, user, out)
    desk = None
    if settings.web_listen:
        from bot.runtime.web import start_web

        desk = await start_web(chat.application, chat.services, settings.web_listen)
        print(f"console: web desk at {desk.url} (send /web as a supervisor for a sign-in link)", file=out)
    interactive = stdin.isatty()
    if interactive:
        print(HELP, file=out)
        print(f"console: typing as user {user}", file=out)
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
