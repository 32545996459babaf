"""A database that refuses writes — held by another process, full, read-only — refuses them whole.

The user is answered politely with what they typed, nothing is half-written, and the very next
write runs in a real transaction again: a failed BEGIN never switches transactions off.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.ops.audit import verify_storage
from bot.runtime.local_chat import LocalChat
from storage.db import Database
from storage.errors import StorageProblem, StorageUnavailable
from storage.sqlite.storage import SqliteStorage
from tests.conftest import register, texts

CADRE, SUPERVISOR = 2, 3
ANSWER = "封控当晚没走招标，直接找附近超市订了一千份蔬菜包"

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def write_lock_held_elsewhere(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process (an sqlite3 shell, `cadrebot users add`…) holds the write lock until released."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    try:
        yield proc
    finally:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
        proc.wait(timeout=10)


def release(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


async def _rows(db: Database) -> list[int]:
    return [row[0] for row in await db.fetchall("SELECT x FROM t ORDER BY x")]


async def test_a_busy_begin_is_refused_and_later_writes_are_still_transactions(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path, busy_budget_s=0.5)
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        with write_lock_held_elsewhere(path):
            with pytest.raises(StorageUnavailable) as refused:
                await db.execute("INSERT INTO t VALUES (1)")
            assert refused.value.problem is StorageProblem.BUSY
        assert not db.in_transaction
        # A multi-write operation that fails is rolled back whole: it really ran inside BEGIN … ROLLBACK.
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (2)")
                await db.execute("INSERT INTO t VALUES (3)")
                raise RuntimeError("second half failed")
        assert await _rows(db) == []
        # And it holds the write lock: another connection cannot write meanwhile.
        async with db.transaction():
            await db.execute("INSERT INTO t VALUES (4)")
            other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO t VALUES (5)")
            other.close()
        assert await _rows(db) == [4]
    finally:
        await db.close()


async def test_a_lock_released_within_the_budget_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    db = await Database.open(path, busy_budget_s=8)
    try:
        await db.execute("CREATE TABLE t (x INTEGER)")
        with write_lock_held_elsewhere(path) as holder:
            write = asyncio.create_task(db.execute("INSERT INTO t VALUES (1)"))
            await asyncio.sleep(0.4)
            assert not write.done()
            # Reads go on while the write waits: the wait is ours, not SQLite's blocking one.
            assert await _rows(db) == []
            release(holder)
            await asyncio.wait_for(write, 5)
        assert await _rows(db) == [1]
    finally:
        await db.close()


async def test_concurrent_audit_appends_after_a_refusal_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    storage = await SqliteStorage.open(path, busy_budget_s=0.3)
    try:
        with write_lock_held_elsewhere(path), pytest.raises(StorageUnavailable):
            await storage.audit.append(None, "test.refused", "x", {})
        await asyncio.gather(*(storage.audit.append(None, "test.append", str(i), {"i": i}) for i in range(50)))
        assert len(await storage.audit.all()) == 50
        assert await verify_storage(storage) == []
    finally:
        await storage.close()


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
