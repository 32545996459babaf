"""``cadrebot bench-load``: many simulated users driving the real Application, offline.

Every simulated user is an asyncio task that sends real ``Update`` objects through
:class:`bot.runtime.local_chat.LocalChat` (the same handlers, persistence, SQLite and Bot API
serialisation as production) with a think time between actions, so the offered load grows
with the number of users. At most ``concurrency`` updates are in flight at once (updates
overlap as they do behind a webhook). Cadres ask questions and describe situations (FAQ
alternatives and case titles/backgrounds, with typing noise), read the boundaries, run
/check, and file complete requests; supervisors poll /queue, open, accept and decide.

One update's latency is the wall time around ``chat.send``/``chat.press``: the handlers and,
as :class:`LocalChat` does (``flush="update"``, the default), PTB's persistence flush and the
notifier drain; ``flush="interval"`` leaves those two to their background loops as production
does. The time spent waiting for a free slot is reported apart (``p95_wait_ms``); actions still
waiting for a slot when the time is up are counted (``unserved_at_end``), not run. CPU time per
update and the machine's CPU pressure during the run are reported too: on a shared machine the
latencies say as much about the neighbours as about the bot. Errors are exceptions out of the Application, Bot API
refusals, replies with the generic error text, ERROR log records, and replies the script
did not get (a missing button or confirmation). Peak memory is the process's resident set
(sampled from /proc every 0.2 s, falling back to ``getrusage`` maxrss), harness included.

``baseline=True`` runs the same script with the matcher replaced by :class:`bench.naive.NaiveMatcher`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import math
import os
import random
import re
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from telegram import Update

from bench.naive import NaiveMatcher
from bot.config import Settings
from bot.kb.service import KnowledgeService, Snapshot
from bot.runtime.local_chat import LocalChat, _update_ids
from bot.transport.local_api import SentMessage
from knowledge.evaluation import percentile
from knowledge.loader import load_bundled
from knowledge.models import KnowledgeBase
from knowledge.synthetic import synthetic_cases

__all__ = ["command", "run_load"]

ADMIN = 1
FIRST_USER = 10_000
USERS_PER_UNIT = 50
SUPERVISOR_SHARE = 0.1
ERROR_TEXT = "抱歉，刚才出了点问题"  # common.error in bot/locales/zh.yaml
_REF = re.compile(r"RC-\d{4}-\d{6}")
_MAX_SAMPLES = 8


def _knowledge(kb: KnowledgeBase, base: KnowledgeService | None, baseline: bool) -> KnowledgeService:
    if baseline:
        naive = NaiveMatcher.build(kb.cases, kb.faq, kb.articles)
        return KnowledgeService(Snapshot(1, kb, naive))  # type: ignore[arg-type]
    return KnowledgeService(base.current) if base else KnowledgeService.from_kb(kb)


# --------------------------------------------------------------------------- measurement


class _WindowLog:
    """Stands in for ``LocalBotApi.log``: keeps absolute indexing (``LocalChat`` slices it by
    the length before an update) but forgets old entries, so the harness does not grow."""

    def __init__(self, keep: int = 20_000) -> None:
        self._items: list[SentMessage] = []
        self._offset = 0
        self._keep = keep

    def append(self, item: SentMessage) -> None:
        self._items.append(item)
        if len(self._items) > 2 * self._keep:
            del self._items[: self._keep]
            self._offset += self._keep

    def __len__(self) -> int:
        return self._offset + len(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start = max(0, (index.start or 0) - self._offset)
            stop = None if index.stop is None else max(0, index.stop - self._offset)
            return self._items[start:stop]
        return self._items[index - self._offset if index >= 0 else index]

    def __iter__(self):
        return iter(self._items)


class _TimedChat(LocalChat):
    """LocalChat whose ``_feed`` is the same three steps, each timed: the Application handling
    the update, PTB's persistence flush, and the notifier drain (ms, appended to ``phases``).

    With ``flush_each = False`` only the first step is done per update, as in production: PTB
    flushes persistence every ``persistence_interval_s`` and the notifier worker delivers in the
    background when something was queued."""

    phases: dict[str, list[float]]
    flush_each: bool = True

    async def _feed(self, payload: dict[str, Any]) -> list[SentMessage]:
        before = len(self.api.log)
        update = Update.de_json({"update_id": next(_update_ids), **payload}, self.application.bot)
        t0 = time.perf_counter()
        await self.application.process_update(update)
        t1 = time.perf_counter()
        if not self.flush_each:
            self.phases.setdefault("handle", []).append((t1 - t0) * 1000.0)
            return self.api.log[before:]
        await self.application.update_persistence()
        t2 = time.perf_counter()
        await self.settle()
        t3 = time.perf_counter()
        for name, ms in (("handle", t1 - t0), ("persist", t2 - t1), ("drain", t3 - t2)):
            self.phases.setdefault(name, []).append(ms * 1000.0)
        return self.api.log[before:]


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _cpu_pressure_us() -> int | None:
    """Microseconds during which some task on this machine waited for a CPU (Linux PSI)."""
    try:
        with open("/proc/pressure/cpu") as fh:
            return int(fh.readline().rsplit("total=", 1)[1])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class _Stats:
    latencies: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)  # wait for a slot + handling: what the user waits
    by_action: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    filed: int = 0
    decided: int = 0
    unserved: int = 0

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < _MAX_SAMPLES:
            self.samples.append(f"{kind}: {detail}")


class _TimeUp(Exception):
    pass


# --------------------------------------------------------------------------- what users type

_SUFFIXES = ("", "", "，会被追责吗", "，能容错吗", "，这种怎么处理", "，怎么办", "？")
_CHATTER = ("你好", "谢谢", "明天食堂几点开饭", "这个机器人能干什么", "好的收到", "在吗")
_HOMOPHONES = {"容": "荣", "错": "措", "是": "事", "的": "得", "在": "再", "做": "作", "已": "以", "情": "清"}
_WHEN_WHERE = (
    "3月5日晚，某小区",
    "上周六上午，社区服务中心",
    "7月台风期间，安置点",
    "去年12月，街道办",
    "昨天下午，老旧小区改造工地",
    "春节前，辖区菜市场",
)
_REASONS = {
    "tolerated": "出于公心应急处置，程序事后已补齐，无利益输送，予以容错。",
    "partially_tolerated": "出于公心应急采购，但价格未比对，部分容错并要求完善流程。",
    "not_tolerated": "未履行采购程序，价格明显偏高，事后也未补正，不予容错。",
}
_SENT = re.compile(r"(?<=[。；！？])")


def _noisy(text: str, rng: random.Random) -> str:
    if len(text) < 4 or rng.random() > 0.35:
        return text
    i = rng.randrange(len(text))
    style = rng.random()
    if style < 0.3:
        return text[:i] + text[i + 1 :]  # a dropped character
    if style < 0.5:
        return text[:i] + text[i] + text[i:]  # a doubled one
    if style < 0.7 and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two swapped
    for j, ch in enumerate(text):  # a homophone typed by the IME
        if ch in _HOMOPHONES and rng.random() < 0.5:
            return text[:j] + _HOMOPHONES[ch] + text[j + 1 :]
    return text


def _first_sentences(text: str, limit: int = 120) -> str:
    parts = [s for s in _SENT.split(text) if s.strip()]
    out = ""
    for s in parts:
        if out and len(out) + len(s) > limit:
            break
        out += s
    return (out or text)[:limit].strip() or "情况说明见附件"


class _Texts:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.questions = [q for f in kb.faq for q in (f.question, *f.alternatives)]
        self.cases = list(kb.cases)
        self.questions_ids = [q.id for q in kb.selfcheck.questions]

    def question(self, rng: random.Random) -> str:
        return _noisy(rng.choice(self.questions), rng)

    def situation(self, rng: random.Random) -> str:
        case = rng.choice(self.cases)
        if rng.random() < 0.3:
            text = case.title
        else:
            bg = case.background
            a = rng.randrange(max(1, len(bg) - 40))
            text = bg[a : a + rng.randint(15, 70)]
        return _noisy(text, rng) + rng.choice(_SUFFIXES)

    def filing(self, rng: random.Random) -> list[str]:
        case = rng.choice(self.cases)
        return [
            _noisy(_first_sentences(case.background, 150), rng),
            rng.choice(_WHEN_WHERE),
            _first_sentences(case.error_elements),
            _first_sentences(case.causes),
            _first_sentences(case.measures),
        ]


# --------------------------------------------------------------------------- the simulation


def _button(messages: Iterable[SentMessage], prefix: str) -> tuple[SentMessage, str] | None:
    for message in reversed(list(messages)):
        for _label, data in message.buttons:
            if data.startswith(prefix):
                return message, data
    return None


class _Sim:
    def __init__(
        self,
        chat: LocalChat,
        kb: KnowledgeBase,
        *,
        seed: int,
        think_s: float,
        deadline: float,
        concurrency: int,
        stats: _Stats,
    ) -> None:
        self.chat = chat
        self.texts = _Texts(kb)
        self.seed = seed
        self.think_s = think_s
        self.deadline = deadline
        self.sem = asyncio.Semaphore(concurrency)
        self.stats = stats
        self.claimed: set[str] = set()  # refs a supervisor has taken up
        self.accepted: set[str] = set()  # ... and accepted: a colleague may press accept again
        self.cadres_left: Counter = Counter()  # unit -> cadres still running their script
        self.recording = True  # False while setting up: errors count, timings do not

    # -- plumbing ------------------------------------------------------------------------------
    async def think(self, rng: random.Random, scale: float = 1.0) -> None:
        pause = self.think_s * scale * rng.uniform(0.5, 1.5)
        if time.monotonic() + pause >= self.deadline:
            raise _TimeUp
        await asyncio.sleep(pause)

    async def act(self, user: int, action: str, feed: Callable[[], Awaitable[list[SentMessage]]]) -> list[SentMessage]:
        queued = time.perf_counter()
        async with self.sem:
            if time.monotonic() >= self.deadline:  # sent before the end, not served by then: not measured
                self.stats.unserved += 1
                raise _TimeUp
            start = time.perf_counter()
            try:
                out = await feed()
            except Exception as exc:  # the Application let an exception through
                out = []
                self.stats.error(
                    "exception", f"{action} by {user}: " + "".join(traceback.format_exception(exc)).strip()[-1500:]
                )
            done = time.perf_counter()
        ms = (done - start) * 1000.0
        if self.recording:
            self.stats.latencies.append(ms)
            self.stats.waits.append((start - queued) * 1000.0)
            self.stats.totals.append((done - queued) * 1000.0)
            self.stats.by_action.setdefault(action, []).append(ms)
        own = [m for m in out if m.chat_id == user]
        for m in own:
            if ERROR_TEXT in m.plain:
                self.stats.error("error_reply", f"{action} by {user}")
        return own

    async def send(self, user: int, action: str, text: str) -> list[SentMessage]:
        return await self.act(user, action, lambda: self.chat.send(user, text))

    async def press(self, user: int, action: str, message: SentMessage, data: str) -> list[SentMessage]:
        return await self.act(user, action, lambda: self.chat.press(user, message, data))

    def missing(self, action: str, user: int, replies: list[SentMessage]) -> None:
        last = replies[-1].plain[:120].replace("\n", " ") if replies else "(no reply)"
        self.stats.error("script", f"{action} by {user}: unexpected reply {last!r}")

    # -- cadres --------------------------------------------------------------------------------
    async def cadre(self, user: int, unit: str) -> None:
        rng = random.Random(self.seed * 1_000_003 + user)
        try:
            await asyncio.sleep(rng.uniform(0, self.think_s * 2))  # users start over a ramp
            blocks = [rng.choice(("ask", "ask", "describe", "describe", "chatter")) for _ in range(rng.randint(2, 5))]
            blocks += [b for b, p in (("boundaries", 0.35), ("check", 0.3), ("apply", 0.4)) if rng.random() < p]
            rng.shuffle(blocks)
            if "apply" in blocks and rng.random() < 0.5:
                blocks.append("my")
            for block in blocks:
                await getattr(self, f"_{block}")(user, rng)
        except _TimeUp:
            pass
        except Exception as exc:  # the script itself failed: count it, let the other users go on
            self.stats.error("script", f"cadre {user}: " + "".join(traceback.format_exception(exc))[-1500:])
        finally:
            self.cadres_left[unit] -= 1

    async def _ask(self, user: int, rng: random.Random) -> None:
        await self.think(rng)
        replies = await self.send(user, "question", self.texts.question(rng))
        if rng.random() < 0.4 and (found := _button(replies, "kb:")):
            await self.think(rng, 0.3)
            await self.press(user, "open_entry", *found)

    async def _describe(self, user: int, rng: random.Random) -> None:
        await self.think(rng)
        replies = await self.send(user, "situation", self.texts.situation(rng))
        if rng.random() < 0.4 and (found := _button(replies, "kb:case:")):
            await self.think(rng, 0.3)
            await self.press(user, "open_entry", *found)

    async def _chatter(self, user: int, rng: random.Random) -> None:
        await self.think(rng)
        await self.send(user, "chatter", rng.choice(_CHATTER))

    async def _boundaries(self, user: int, rng: random.Random) -> None:
        await self.think(rng, 0.5)
        replies = await self.send(user, "boundaries", "/boundaries")
        if not replies or not replies[-1].buttons:
            return self.missing("boundaries", user, replies)
        if rng.random() < 0.5:
            await self.think(rng, 0.3)
            await self.press(user, "open_entry", replies[-1], rng.choice(replies[-1].buttons)[1])

    async def _check(self, user: int, rng: random.Random) -> None:
        await self.think(rng, 0.5)
        await self.send(user, "check", "/check")
        await self.think(rng)
        replies = await self.send(user, "check_describe", self.texts.situation(rng))
        answers = rng.randint(3, 6) if rng.random() < 0.6 else len(self.texts.questions_ids)
        for _ in range(answers):
            found = _button(replies, "sc:a:")
            if found is None:
                break
            message, data = found
            qid = data.rpartition(".")[2]
            answer = "no" if qid.startswith(("b-", "n-", "d-private", "d-ban")) else "yes"
            await self.think(rng, 0.3)
            replies = await self.press(user, "check_answer", message, f"sc:a:{answer}.{qid}")
        if _button(replies, "sc:a:"):  # left half-way
            await self.think(rng, 0.3)
            await self.send(user, "cancel", "/cancel")

    async def _apply(self, user: int, rng: random.Random) -> None:
        await self.think(rng, 0.5)
        replies = await self.send(user, "apply", "/apply")
        for answer in self.texts.filing(rng):
            await self.think(rng)
            replies = await self.send(user, "apply_text", answer)
        await self.think(rng, 0.5)
        photo = await self.act(user, "apply_photo", lambda: self.chat.send_photo(user, b"\xff\xd8\xff\xe0jpeg" * 8))
        replies = photo if _button(photo, "fm:done:") else replies
        steps = 0
        while steps < 8:
            steps += 1
            await self.think(rng, 0.3)
            if found := _button(replies, "fm:sub:"):
                replies = await self.press(user, "submit", *found)
                text = "\n".join(m.plain for m in replies)
                if _REF.search(text):
                    self.stats.filed += 1
                else:
                    self.missing("submit", user, replies)
                if rng.random() < 0.1:  # a double tap on a slow connection: must file once, without an error
                    await self.press(user, "submit_again", *found)
                return
            if (found := _button(replies, "fm:tk:")) and not any(
                "☑" in label for m in replies[-1:] for label, _ in m.buttons
            ):
                replies = await self.press(user, "apply_case", *found)
                continue
            for prefix in ("fm:done:", "fm:yes:"):
                if found := _button(replies, prefix):
                    replies = await self.press(user, "apply_step", *found)
                    break
            else:
                return self.missing("apply", user, replies)
        self.missing("apply", user, replies)

    async def _my(self, user: int, rng: random.Random) -> None:
        await self.think(rng, 0.5)
        await self.send(user, "my", "/my")

    # -- supervisors ---------------------------------------------------------------------------
    async def supervisor(self, user: int, unit: str) -> None:
        rng = random.Random(self.seed * 1_000_003 + user)
        try:
            await asyncio.sleep(rng.uniform(0, self.think_s * 3))
            for _round in range(60):
                await self.think(rng, 3.0)
                queue = await self.send(user, "queue", "/queue")
                refs = [
                    r for r in dict.fromkeys(_REF.findall("\n".join(m.plain for m in queue))) if r not in self.claimed
                ]
                if refs:
                    self.claimed.add(refs[0])
                    await self._review(user, rng, refs[0])
                elif (taken := [r for r in _REF.findall("\n".join(m.plain for m in queue)) if r in self.accepted]) and (
                    rng.random() < 0.15
                ):
                    # a colleague already took it: opening and accepting it again must be answered calmly
                    await self.think(rng, 0.3)
                    view = await self.send(user, "view", f"/view {taken[0]}")
                    if view:
                        await self.press(user, "accept_again", view[0], f"sv:acc:{taken[0]}")
                elif self.cadres_left[unit] <= 0:
                    break
        except _TimeUp:
            pass
        except Exception as exc:
            self.stats.error("script", f"supervisor {user}: " + "".join(traceback.format_exception(exc))[-1500:])

    async def _review(self, user: int, rng: random.Random, ref: str) -> None:
        await self.think(rng, 0.5)
        view = await self.send(user, "view", f"/view {ref}")
        if not view:
            return self.missing("view", user, view)
        await self.think(rng, 0.3)
        accepted = await self.press(user, "accept", view[0], f"sv:acc:{ref}")
        if "已受理" not in "\n".join(m.plain for m in accepted):
            return self.missing("accept", user, accepted)
        self.accepted.add(ref)
        await self.think(rng)
        view = await self.send(user, "view", f"/view {ref}")
        await self.think(rng, 0.3)
        form = await self.press(user, "decide", view[0], f"sv:dec:{ref}")
        outcome = rng.choice(tuple(_REASONS))
        presses = [f"dc:o:{outcome}"]
        if outcome == "partially_tolerated":
            presses += ["dc:b:org_interest", "dc:d:1"]
        elif outcome == "not_tolerated":
            presses += ["dc:b:law"]
        for data in [*presses, "dc:ok:"]:
            if not form:
                return self.missing("decide", user, form)
            await self.think(rng, 0.3)
            form = await self.press(user, "decide", form[-1], data)
        await self.think(rng)
        decided = await self.send(user, "decide_reason", _REASONS[outcome])
        if "已对" in "\n".join(m.plain for m in decided):
            self.stats.decided += 1
        else:
            self.missing("decide_reason", user, decided)


# --------------------------------------------------------------------------- one run


def _build_knowledge(cases: int | None = None, seed: int = 7) -> KnowledgeService:
    """The bundled knowledge base with its matcher; with ``cases``, that many synthetic cases
    recombined from the bundled ones stand in for the guiding cases (FAQ and articles kept)."""
    kb = load_bundled()
    if cases:
        kb = kb.model_copy(update={"cases": synthetic_cases(cases, kb.cases, seed)})
    return KnowledgeService.from_kb(kb)


def _remove_db(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(db_path) + suffix).unlink()


def _db_bytes(db_path: Path) -> int:
    """The database file and its write-ahead log, as they are on disk after the run."""
    return sum(p.stat().st_size for p in (db_path, Path(str(db_path) + "-wal")) if p.exists())


async def run_load(
    users: int,
    minutes: float,
    *,
    seed: int = 7,
    baseline: bool = False,
    workdir: Path,
    think_s: float = 10.0,
    concurrency: int = 50,
    knowledge: KnowledgeService | None = None,
    cases: int | None = None,
    flush: Literal["update", "interval"] = "update",
    locale: str = "zh",
) -> dict:
    """Run the mix for ``users`` simulated users for at most ``minutes``; return the figures.

    ``think_s`` is a user's mean pause before typing (buttons take a third of it), so the
    offered load is about ``users / think_s`` updates per second. ``knowledge`` reuses a built
    matcher; otherwise the bundled knowledge base is used, its cases replaced by ``cases``
    synthetic ones (:func:`knowledge.synthetic.synthetic_cases`) when given. ``flush="update"``
    (as :class:`LocalChat` does) flushes PTB's persistence and drains the notifier after every
    update, inside the timed span; ``"interval"`` leaves both to their background loops, as in
    production.
    """
    if users < 1:
        raise ValueError("users must be at least 1")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / ("baseline.sqlite3" if baseline else "cadrebot.sqlite3")
    _remove_db(db_path)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=None,
        db_path=db_path,
        admin_ids=[ADMIN],
        locale=locale,
        rate_limit_per_minute=100_000,
    )
    if knowledge is None:
        knowledge = await asyncio.to_thread(_build_knowledge, cases, seed)
    kb = knowledge.current.kb
    service = _knowledge(kb, knowledge, baseline)

    chat = await _TimedChat.start(settings, service)
    chat.phases = {}
    chat.flush_each = flush == "update"
    chat.api.log = _WindowLog()  # type: ignore[assignment]
    stats = _Stats()
    errors_log = _ErrorLog()
    roles: list[tuple[int, str, str]] = []
    units = max(1, round(users / USERS_PER_UNIT))
    supervisors_per_unit = max(1, round(USERS_PER_UNIT * SUPERVISOR_SHARE)) if users >= USERS_PER_UNIT else 1
    try:
        # setup: not counted
        per_unit: dict[str, int] = Counter()
        for i in range(users):
            unit = f"第{i % units + 1}社区"
            role = "supervisor" if per_unit[unit] < supervisors_per_unit else "cadre"
            per_unit[unit] += 1
            roles.append((FIRST_USER + i, role, unit))
        for uid, role, unit in roles:
            await chat.services.users.add(uid, role, unit, display_name=f"用户{uid}")
        # warm lazy resources (jieba's dictionary, OpenCC) so the first users do not pay for them
        service.current.matcher.answer("容错机制是什么")
        service.current.matcher.match_cases("封控期间没招标买了蔬菜")
        gc.collect()

        start_refusals = len(chat.api.refusals)
        logging.getLogger().addHandler(errors_log)
        sim = _Sim(chat, kb, seed=seed, think_s=0.0, deadline=math.inf, concurrency=concurrency, stats=stats)
        # every tenth cadre has already filed a request, so supervisors have work from the start
        sim.recording = False
        prefilers = [uid for uid, role, _unit in roles if role == "cadre"][::10]
        await asyncio.gather(*(sim._apply(uid, random.Random(seed * 7_919 + uid)) for uid in prefilers))
        prefiled, stats.filed = stats.filed, 0
        await chat.settle()
        gc.collect()
        sim.recording = True
        chat.phases.clear()  # the setup's filings are not part of the figures
        sim.think_s = think_s
        sim.deadline = time.monotonic() + minutes * 60
        for _uid, role, unit in roles:
            if role == "cadre":
                sim.cadres_left[unit] += 1
        peak = _rss_mb()
        rss_start = peak
        sampling = True

        async def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, _rss_mb())
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample())
        cpu0, wall0, pressure0 = time.process_time(), time.perf_counter(), _cpu_pressure_us()
        tasks = [
            asyncio.create_task(sim.cadre(uid, unit) if role == "cadre" else sim.supervisor(uid, unit))
            for uid, role, unit in roles
        ]
        await asyncio.gather(*tasks)
        await chat.settle()
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        pressure1 = _cpu_pressure_us()
        load = os.getloadavg()[0]
        sampling = False
        await sampler
        peak = max(peak, _rss_mb())
        for method, why in chat.api.refusals[start_refusals:]:
            stats.error("refusal", f"{method}: {why}")
    finally:
        logging.getLogger().removeHandler(errors_log)
        await chat.stop()
    for record in errors_log.records:
        if not record.getMessage().startswith("unhandled error"):  # those are counted as error replies
            stats.error("logged", record.getMessage()[-1500:])
        elif len(stats.samples) < _MAX_SAMPLES:
            stats.samples.append("traceback: " + record.getMessage()[-1500:])
    db_bytes = _db_bytes(db_path)
    lat = stats.latencies
    figures = {
        "users": users,
        "updates": len(lat),
        "updates_per_s": round(len(lat) / wall, 1) if wall > 0 else 0.0,
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(max(lat), 1) if lat else 0.0,
        "errors": sum(stats.errors.values()),
        "peak_mb": round(peak, 1),
        "db_mb": round(db_bytes / 1e6, 2),
        "p95_wait_ms": round(percentile(stats.waits, 95), 1),
        "p95_total_ms": round(percentile(stats.totals, 95), 1),
        "cpu_ms_per_update": round(cpu * 1000 / len(lat), 2) if lat else 0.0,
        "cpu_share": round(cpu / wall, 2) if wall > 0 else 0.0,
        # other work on the machine: share of the run some task waited for a CPU, and the load average
        "machine_cpu_pressure": None
        if pressure0 is None or pressure1 is None or wall <= 0
        else round((pressure1 - pressure0) / 1e6 / wall, 2),
        "machine_load_1m": round(load, 2),
        "wall_s": round(wall, 1),
        "minutes": minutes,
        "think_s": think_s,
        "concurrency": concurrency,
        "cases": len(kb.cases),
        "flush": flush,
        "units": units,
        "supervisors": sum(1 for _, r, _ in roles if r == "supervisor"),
        "unserved_at_end": stats.unserved,
        "prefiled": prefiled,
        "filed": stats.filed,
        "decided": stats.decided,
        "matcher": "naive WRatio scan" if baseline else "Matcher",
        "memory": "peak resident set of the process (/proc/self/statm every 0.2 s), harness included",
        "rss_start_mb": round(rss_start, 1),
        "error_kinds": dict(stats.errors),
        "error_samples": stats.samples,
        "p95_by_action_ms": {a: round(percentile(v, 95), 1) for a, v in sorted(stats.by_action.items())},
        "count_by_action": {a: len(v) for a, v in sorted(stats.by_action.items())},
        "p95_by_phase_ms": {a: round(percentile(v, 95), 1) for a, v in chat.phases.items()},
    }
    return figures


# --------------------------------------------------------------------------- the command


def _summary(title: str, f: dict) -> str:
    lines = [
        f"{title}: {f['users']} users, {f['updates']} updates in {f['wall_s']} s "
        f"({f['updates_per_s']}/s), think {f['think_s']} s, {f['cases']} cases, flush per {f['flush']}, "
        f"matcher: {f['matcher']}",
        f"  latency p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms, max {f['max_ms']} ms; "
        f"p95 wait for a slot {f['p95_wait_ms']} ms, p95 wait + handling {f['p95_total_ms']} ms",
        f"  cpu {f['cpu_ms_per_update']} ms/update ({f['cpu_share']:.0%} of one core), "
        f"peak RSS {f['peak_mb']} MB (start {f['rss_start_mb']} MB), db {f['db_mb']} MB; machine: load "
        f"{f['machine_load_1m']}, cpu pressure {f['machine_cpu_pressure']}",
        f"  filed {f['filed']} (+{f['prefiled']} before the clock started), decided {f['decided']}, "
        f"still waiting for a slot at the end {f['unserved_at_end']}, "
        f"errors {f['errors']} {f['error_kinds'] or ''}",
        "  p95 by action: " + ", ".join(f"{a} {v}" for a, v in f["p95_by_action_ms"].items()),
        "  p95 by phase of an update: " + ", ".join(f"{a} {v}" for a, v in f["p95_by_phase_ms"].items()),
    ]
    lines += [f"  ! {s}" for s in f["error_samples"]]
    return "\n".join(lines)


async def command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the mix, then the same mix with the naive matcher; JSON line on stdout."""
    options = {"seed": args.seed, "think_s": args.think_s, "concurrency": args.concurrency, "flush": args.flush}
    knowledge = await asyncio.to_thread(_build_knowledge, args.cases, args.seed)
    with tempfile.TemporaryDirectory(prefix="cadrebot-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        ours = await run_load(args.users, args.minutes, workdir=workdir, knowledge=knowledge, **options)
        print(_summary("bench-load", ours), file=sys.stderr, flush=True)
        base = None
        if not args.no_baseline:
            gc.collect()
            base = await run_load(
                args.users, args.minutes, workdir=workdir, knowledge=knowledge, baseline=True, **options
            )
            print(_summary("baseline", base), file=sys.stderr, flush=True)
    keys = ("users", "updates", "updates_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "peak_mb", "db_mb")
    line: dict[str, Any] = {k: ours[k] for k in keys}
    line["cpu_ms_per_update"] = ours["cpu_ms_per_update"]
    line["think_s"] = ours["think_s"]
    line["p95_total_ms"] = ours["p95_total_ms"]
    line["concurrency"] = ours["concurrency"]
    line["cases"] = ours["cases"]
    line["flush"] = ours["flush"]
    line["machine_cpu_pressure"] = ours["machine_cpu_pressure"]
    line["minutes"] = ours["minutes"]
    if base is not None:
        line["baseline_p95_ms"] = base["p95_ms"]
        line["baseline_ratio_p95"] = round(base["p95_ms"] / ours["p95_ms"], 2) if ours["p95_ms"] > 0 else None
        line["baseline_errors"] = base["errors"]
        line["baseline_cpu_ms_per_update"] = base["cpu_ms_per_update"]
    else:
        line["baseline_p95_ms"] = None
        line["baseline_ratio_p95"] = None
    print(json.dumps(line, ensure_ascii=False))
    return 1 if ours["errors"] else 0
