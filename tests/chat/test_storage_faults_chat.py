"""Through the bot: a database that refuses writes — held by another process, full, read-only — refuses them whole.

The user is answered politely with what they typed, nothing is half-written, and the very next
write runs in a real transaction again: a failed BEGIN never switches transactions off.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.ops.audit import verify_storage
from bot.runtime.local_chat import LocalChat
from tests.support.flows import register, texts
from tests.support.storage import write_lock_held_elsewhere

CADRE, SUPERVISOR = 2, 3
ANSWER = "封控当晚没走招标，直接找附近超市订了一千份蔬菜包"


@pytest.fixture
async def busy_chat(settings: Settings, knowledge: KnowledgeService) -> AsyncIterator[LocalChat]:
    local = await LocalChat.start(
        settings.model_copy(update={"db_busy_seconds": 0.5}), KnowledgeService(knowledge.current)
    )
    try:
        await register(local, CADRE, "cadre", "甲社区")
        await register(local, SUPERVISOR, "supervisor", "甲社区")
        yield local
    finally:
        await local.stop()


def _dump(path: Path) -> dict[str, list]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables if t != "ptb_state"}


async def test_a_busy_database_through_the_bot(busy_chat: LocalChat, settings: Settings) -> None:
    chat = busy_chat
    first = await chat.send(CADRE, "/apply")
    assert "第 1/" in texts(first)
    before = _dump(settings.db_path)
    with write_lock_held_elsewhere(settings.db_path):
        refused = await chat.send(CADRE, ANSWER)
    out = texts(refused)
    assert "系统正忙" in out and ANSWER in out  # polite, and what they typed comes back to them
    assert "出了点问题" not in out
    assert _dump(settings.db_path) == before
    # Once the other process is done, the same answer is taken by the same step.
    again = await chat.send(CADRE, ANSWER)
    assert "第 2/" in texts(again)
    assert not chat.services.storage.db.in_transaction
    assert await verify_storage(chat.services.storage) == []


@pytest.mark.parametrize(
    ("break_it", "mend_it"),
    [
        # A full disk, as SQLite sees one: the file may not grow by a single page.
        ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823"),
        # A read-only database.
        ("PRAGMA query_only = 1", "PRAGMA query_only = 0"),
    ],
    ids=["full", "read_only"],
)
async def test_a_full_or_read_only_database_through_the_bot(
    chat: LocalChat, settings: Settings, break_it: str, mend_it: str, caplog: pytest.LogCaptureFixture
) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUPERVISOR, "supervisor", "甲社区")
    assert "第 1/" in texts(await chat.send(CADRE, "/apply"))
    db = chat.services.storage.db
    await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = (await db.fetchone("PRAGMA page_count"))[0]
    before = _dump(settings.db_path)
    long_answer = ANSWER + "。" + "现场情况紧急，" * 300
    await db.conn.execute(break_it.format(pages=pages))
    refused = await chat.send(CADRE, long_answer)
    out = texts(refused)
    assert "存储暂时不可用" in out and long_answer[:40] in out
    assert "update not saved: database" in caplog.text  # one clear line, no traceback
    assert "Traceback" not in caplog.text
    assert _dump(settings.db_path) == before
    # Space returns: the bot carries on by itself, at the step where the cadre was.
    await db.conn.execute(mend_it)
    assert "第 2/" in texts(await chat.send(CADRE, long_answer))
    assert await verify_storage(chat.services.storage) == []


async def test_a_notification_of_a_rolled_back_change_is_never_sent(chat: LocalChat) -> None:
    """The notifier shares the connection: it must not read another task's uncommitted outbox rows."""
    services = chat.services
    sent_before = len(chat.api.log)
    entered, leave = asyncio.Event(), asyncio.Event()

    async def change_that_fails() -> None:
        async with services.storage.transaction():
            await services.notifier.enqueue(CADRE, "this change is rolled back")
            entered.set()
            await leave.wait()
            raise RuntimeError("second half failed")

    task = asyncio.create_task(change_that_fails())
    await entered.wait()
    drain = asyncio.create_task(services.notifier.drain())
    await asyncio.sleep(0.2)
    leave.set()
    with pytest.raises(RuntimeError):
        await task
    await drain
    await chat.settle()
    assert all("rolled back" not in m.plain for m in chat.api.log[sent_before:])
