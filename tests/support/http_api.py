# Test helpers take explicit timeouts, and open a log file once per process start.
# ruff: noqa: ASYNC109, ASYNC230
"""A Bot API server on 127.0.0.1 for end-to-end tests of the real ``cadrebot run`` process.

It speaks HTTP as Telegram does and answers with :class:`bot.transport.local_api.LocalBotApi`'s semantics
(and refusals); updates for ``getUpdates`` are queued by the test.

Telegram's delivery rules are kept: an update stays pending (and is delivered again, e.g. to a
restarted bot) until a later ``getUpdates`` carries an ``offset`` above its id; a confirmed update
is forgotten. On top of that the test can inject faults per method (:meth:`FakeTelegram.fail`,
:meth:`delay`, :meth:`drop`), block a chat (403), duplicate updates and deliver them out of order.

:class:`BotProcess` starts the real ``python -m bot.runtime.cli run`` against this server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from bot.transport.local_api import LocalBotApi, SentMessage

_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "entities",
    "disable_notification",
    "show_alert",
    "cache_time",
    "link_preview_options",
    "media",
}

TOKEN = "123456:TEST-token-never-logged"


@dataclass
class Fault:
    """One injected answer to one call of a method (consumed when it fires)."""

    kind: str  # "status": an error answer; "delay": answer late; "drop": close the connection unanswered
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0
    process: bool = False  # "delay": still carry out the call after the delay (the client gave up already)
    chat_id: int | None = None  # only calls for this chat


@dataclass
class Injected:
    """A record of a fault that fired."""

    method: str
    fault: Fault
    chat_id: int | None


class FakeTelegram:
    def __init__(self) -> None:
        self.api = LocalBotApi()
        self.updates: list[dict[str, Any]] = []  # pending (not yet confirmed), in delivery order
        self.confirmed_below = 0  # every update_id below this was confirmed by an offset
        self._forced: list[dict[str, Any]] = []  # delivered once more whatever the offset (duplicates)
        self._new_update = asyncio.Event()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self.calls: list[str] = []
        self.faults: dict[str, list[Fault]] = {}
        self.injected: list[Injected] = []
        self.delivered: list[int] = []  # update ids, in the order getUpdates handed them out
        self.get_updates_calls = 0
        self.hold_updates = False  # getUpdates answers [] (a long poll with nothing new) while set
        # While set, offsets are not taken as confirmations: as if every confirming getUpdates was lost
        # on the way, so a restarted bot is handed those updates again.
        self.ignore_offsets = False
        self._released = asyncio.Event()  # ends every injected delay (at stop)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path}", self._file)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self._released.set()
        if self.runner:
            await self.runner.cleanup()

    # -- what users do -----------------------------------------------------------------------
    def message_update(self, user_id: int, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """A message update (not queued yet): ``text``, or fields such as ``photo``/``document``."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"u{user_id}"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
            **fields,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._ids), "message": message}

    def press_update(self, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        current = self.api.messages.get((message.chat_id, message.message_id), message)
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"},
                "chat_instance": str(user_id),
                "data": data,
                "message": current.as_json(),
            },
        }

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates in the order given (which need not be the order of their ids)."""
        self.updates.extend(updates)
        self._new_update.set()

    def user_says(self, user_id: int, text: str) -> dict[str, Any]:
        update = self.message_update(user_id, text)
        self.push(update)
        return update

    def user_presses(self, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        update = self.press_update(user_id, message, data)
        self.push(update)
        return update

    def user_presses_label(self, user_id: int, message: SentMessage, label_part: str) -> dict[str, Any]:
        for label, data in message.buttons:
            if label_part in label:
                return self.user_presses(user_id, message, data)
        raise LookupError(f"no button containing {label_part!r} in {message.buttons}")

    def user_sends_photo(self, user_id: int, content: bytes) -> dict[str, Any]:
        stored = self.api.add_file("photo.jpg", content, "image/jpeg")
        update = self.message_update(
            user_id,
            photo=[
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_id,
                    "width": 800,
                    "height": 600,
                    "file_size": len(content),
                }
            ],
        )
        self.push(update)
        return update

    def user_sends_document(self, user_id: int, name: str, content: bytes, mime_type: str) -> dict[str, Any]:
        stored = self.api.add_file(name, content, mime_type)
        update = self.message_update(
            user_id,
            document={
                "file_id": stored.file_id,
                "file_unique_id": stored.file_id,
                "file_name": name,
                "mime_type": mime_type,
                "file_size": len(content),
            },
        )
        self.push(update)
        return update

    def duplicate(self, update: dict[str, Any]) -> None:
        """Deliver ``update`` (same update_id) once more, even if it was confirmed already."""
        self._forced.append(update)
        self._new_update.set()

    # -- faults ------------------------------------------------------------------------------
    def inject(self, method: str, *faults: Fault) -> None:
        self.faults.setdefault(method, []).extend(faults)

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        default = {
            429: "Too Many Requests: retry after {}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Error")
        text = description or default.format(retry_after)
        self.inject(method, *[Fault("status", status, text, retry_after, chat_id=chat_id) for _ in range(times)])

    def delay(
        self, method: str, seconds: float, times: int = 1, process: bool = True, chat_id: int | None = None
    ) -> None:
        """Answer ``seconds`` late; ``process=False``: then refuse (504) instead of carrying the call out."""
        self.inject(method, *[Fault("delay", seconds=seconds, process=process, chat_id=chat_id) for _ in range(times)])

    def hang(self, method: str, chat_id: int | None = None) -> None:
        """The next call (for ``chat_id``) never gets an answer while the test runs: the caller is stuck in it."""
        self.delay(method, 3600, process=False, chat_id=chat_id)

    async def wait_fired(self, method: str, count: int = 1, timeout: float = 20.0) -> None:
        """Until ``count`` injected faults of ``method`` have fired in total."""
        deadline = time.monotonic() + timeout
        while sum(1 for i in self.injected if i.method == method) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no injected {method} fault fired")
            await asyncio.sleep(0.02)

    def drop(self, method: str, times: int = 1, chat_id: int | None = None) -> None:
        self.inject(method, *[Fault("drop", chat_id=chat_id) for _ in range(times)])

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to them is refused with 403, as Telegram does."""
        self.api.blocked.add(chat_id)

    def pending_faults(self, method: str | None = None) -> int:
        return sum(len(v) for k, v in self.faults.items() if method is None or k == method)

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        for index, fault in enumerate(queue):
            if fault.chat_id is None or str(fault.chat_id) == str(params.get("chat_id")):
                del queue[index]
                self.injected.append(Injected(method, fault, params.get("chat_id")))
                return fault
        return None

    # -- what the test watches -----------------------------------------------------------------
    async def wait_for(
        self, predicate: Callable[[SentMessage], bool], timeout: float = 30.0, after: int = 0
    ) -> SentMessage:
        """The first message (from ``self.api.log[after:]``) that matches."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.api.log[after:]:
                if predicate(message):
                    return message
            await asyncio.sleep(0.03)
        raise TimeoutError(f"no matching message; sent: {[m.plain[:40] for m in self.api.log[after:]]}")

    async def reply_to(
        self, user_id: int, contains: str | tuple[str, ...], after: int, timeout: float = 20.0, buttons: bool = False
    ) -> SentMessage:
        """The bot's next message to ``user_id`` after log position ``after`` containing any of ``contains``."""
        wanted = (contains,) if isinstance(contains, str) else contains
        return await self.wait_for(
            lambda m: m.chat_id == user_id and any(w in m.plain for w in wanted) and (bool(m.buttons) or not buttons),
            timeout,
            after,
        )

    async def wait_idle(self, quiet: float = 0.4, timeout: float = 10.0) -> None:
        """Until nothing was sent for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.api.log), time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if len(self.api.log) != seen:
                seen, since = len(self.api.log), time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    async def wait_confirmed(self, update: dict[str, Any], timeout: float = 10.0) -> None:
        """Until a getUpdates offset confirmed ``update`` (the bot took it)."""
        deadline = time.monotonic() + timeout
        while self.confirmed_below <= update["update_id"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {update['update_id']} never confirmed")
            await asyncio.sleep(0.02)

    def sent_to(self, chat_id: int, after: int = 0) -> list[SentMessage]:
        return [m for m in self.api.log[after:] if m.chat_id == chat_id]

    def mark(self) -> int:
        return len(self.api.log)

    # -- HTTP ------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        self.calls.append(method)
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue  # no nested multiparts or nameless parts in a Bot API call
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
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(params[key])
        fault = self._take_fault(method, params)
        if fault is not None:
            if fault.kind == "drop":
                assert request.transport is not None
                request.transport.abort()  # the connection dies: no answer, nothing carried out
                raise asyncio.CancelledError
            if fault.kind == "status":
                body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": fault.description}
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return web.json_response(body, status=fault.status)
            if fault.kind == "delay":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._released.wait(), fault.seconds)
                if not fault.process:
                    return web.json_response(
                        {"ok": False, "error_code": 504, "description": "Gateway Timeout"}, status=504
                    )
        if method == "getUpdates":
            return await self._get_updates(params)
        status, body_bytes = await self.api.dispatch(method, params, files)
        return web.Response(status=status, body=body_bytes, content_type="application/json")

    def _pending(self) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["update_id"] >= self.confirmed_below]

    def _available(self, offset: int) -> list[dict[str, Any]]:
        return self._forced + [u for u in self._pending() if u["update_id"] >= offset]

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        self.get_updates_calls += 1
        offset = int(params.get("offset") or 0)
        if offset > self.confirmed_below and not self.ignore_offsets:
            # Telegram forgets every update below the offset: they are confirmed.
            self.confirmed_below = offset
            self.updates = self._pending()
        if self.hold_updates or not self._available(offset):
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=min(float(params.get("timeout") or 0), 1.0))
        if self.hold_updates:
            return web.json_response({"ok": True, "result": []})
        result = self._available(offset)[: int(params.get("limit") or 100)]
        self._forced = []
        self.delivered.extend(u["update_id"] for u in result)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        self.calls.append("file")
        fault = self._take_fault("file", {})  # faults on downloads: inject(method="file", …)
        if fault is not None and fault.kind == "drop":
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        if fault is not None and fault.kind == "status":
            return web.Response(status=fault.status, text=fault.description)
        stored = self.api.files.get(request.match_info["path"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.content)


# -- the real process ------------------------------------------------------------------------------
class BotProcess:
    """``python -m bot.runtime.cli run`` against a FakeTelegram, on one database; restartable, killable."""

    def __init__(self, telegram: FakeTelegram, db_path: Path, workdir: Path, **env: str) -> None:
        self.telegram = telegram
        self.db_path = db_path
        self.workdir = workdir
        self.extra_env = env
        self.process: asyncio.subprocess.Process | None = None
        self.stderr_logs: list[str] = []
        self.lives = 0
        self._stderr_path: Path | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CADREBOT_")}
        env.update(
            {
                "CADREBOT_TELEGRAM_TOKEN": TOKEN,
                "CADREBOT_TELEGRAM_BASE_URL": f"http://127.0.0.1:{self.telegram.port}/bot",
                "CADREBOT_TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{self.telegram.port}/file/bot",
                "CADREBOT_DB_PATH": str(self.db_path),
                "CADREBOT_ADMIN_IDS": "1",
                "CADREBOT_RATE_LIMIT_PER_MINUTE": "1000",
                **self.extra_env,
            }
        )
        return env

    def cli(self, *args: str, db_path: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run another ``cadrebot`` command on the same database (or ``db_path``): backup, restore…"""
        return self._python("-m", "bot.runtime.cli", *args, db_path=db_path)

    def add_users(self, *users: tuple[int, str, str | None], seconded: tuple[int, ...] = ()) -> None:
        """(telegram id, role, unit) each, registered with ``cadrebot users add`` — every command in
        one interpreter, to spare a start-up per user."""
        commands = []
        for telegram_id, role, unit in users:
            args = ["users", "add", "--telegram-id", str(telegram_id), "--role", role]
            if unit:
                args += ["--unit", unit]
            if telegram_id in seconded:
                args.append("--seconded")
            commands.append(args)
        script = (
            "import json, sys\nfrom bot.runtime.cli import main\n"
            "for args in json.loads(sys.argv[1]):\n    assert main(args) == 0, args\n"
        )
        self._python("-c", script, json.dumps(commands))

    def _python(self, *args: str, db_path: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = self.env()
        env.pop("CADREBOT_TELEGRAM_TOKEN")
        if db_path is not None:
            env["CADREBOT_DB_PATH"] = str(db_path)
        result = subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, cwd=self.workdir, env=env, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result

    async def start(self, ready: bool = True) -> None:
        calls_before = self.telegram.get_updates_calls
        self.lives += 1
        # A file, not a pipe: a chatty process can never block on a full pipe nobody reads.
        self._stderr_path = self.workdir / f"bot-stderr-{self.lives}.log"
        with open(self._stderr_path, "wb") as stderr:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.runtime.cli",
                "run",
                cwd=self.workdir,
                env=self.env(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        if ready:  # polling: the first getUpdates arrived
            # Start-up imports the bot and builds the index (seconds); on a loaded machine many more.
            deadline = time.monotonic() + 120
            while self.telegram.get_updates_calls == calls_before:
                if self.process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"bot did not start: {await self._stderr()}")
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed, as in a power cut of the process."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.stderr_logs.append(await self._stderr())
        self.process = None

    async def stop(self) -> str:
        """SIGTERM and wait; returns everything the process logged in this life."""
        if self.process is None:
            return ""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        log = await self._stderr()
        self.stderr_logs.append(log)
        self.process = None
        return log

    async def _stderr(self) -> str:
        assert self._stderr_path is not None
        return self._stderr_path.read_bytes().decode(errors="replace")

    @property
    def log(self) -> str:
        return "\n".join(self.stderr_logs)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the database as it is on disk, read-only (the bot may still be running)."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(sql, params).fetchall()


# -- whole flows, as a user drives them over HTTP ----------------------------------------------------
ANSWERS = [
    "封控当晚没走招标，直接找附近超市订了一千份蔬菜包",
    "3月5日晚，某小区",
    "单价比平时高一点，多花了约两千元",
    "居民第二天就要断菜，区里保供渠道还没启动",
    "已补签合同并验收入账",
]


async def say(
    tg: FakeTelegram, user: int, text: str, expect: str | tuple[str, ...], timeout: float = 20.0, buttons: bool = False
) -> SentMessage:
    """The user sends ``text``; the bot's reply containing ``expect``."""
    mark = tg.mark()
    tg.user_says(user, text)
    return await tg.reply_to(user, expect, mark, timeout, buttons)


async def press(
    tg: FakeTelegram,
    user: int,
    message: SentMessage,
    label: str,
    expect: str | tuple[str, ...],
    timeout: float = 20.0,
    buttons: bool = False,
) -> SentMessage:
    mark = tg.mark()
    tg.user_presses_label(user, message, label)
    return await tg.reply_to(user, expect, mark, timeout, buttons)


async def request_to_preview(tg: FakeTelegram, user: int, answers: list[str] = ANSWERS, photos: int = 1) -> SentMessage:
    """/apply, five answers, photos and a PDF, cases done, consent no: the preview (with its buttons)."""
    await say(tg, user, "/apply", "第 1/")
    for n, answer in enumerate(answers, start=2):
        await say(tg, user, answer, f"第 {n}/")
    for n in range(1, photos + 1):
        mark = tg.mark()
        tg.user_sends_photo(user, b"\xff\xd8\xff\xe0jpeg" + bytes([n]))
        await tg.reply_to(user, f"第 {n} 个附件", mark)
    mark = tg.mark()
    tg.user_sends_document(user, "收据.pdf", b"%PDF-1.4 receipt", "application/pdf")
    added = await tg.reply_to(user, f"第 {photos + 1} 个附件", mark, buttons=True)
    cases = await press(tg, user, added, "完成", "指导性案例", buttons=True)
    consent = await press(tg, user, cases, "完成", "匿名", buttons=True)
    return await press(tg, user, consent, "不同意", "请核对", buttons=True)


def unexpected_tracebacks(log: str) -> list[str]:
    """Log records with a traceback, except those of a Bot API call that timed out, hit the network or
    was refused because the user blocked the bot (the handlers' error path logs those in full)."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )", log)
    expected = ("telegram.error.TimedOut", "telegram.error.NetworkError", "Forbidden: bot was blocked by the user")
    return [r for r in records if "Traceback" in r and not any(e in r.strip().splitlines()[-1] for e in expected)]
