"""A database that refuses writes — held by another process — refuses them whole, at the storage layer.

The user is answered politely with what they typed, nothing is half-written, and the very next
write runs in a real transaction again: a failed BEGIN never switches transactions off.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.ops.audit import verify_storage
from storage.db import Database
from storage.errors import StorageProblem, StorageUnavailable
from storage.sqlite.storage import SqliteStorage
from tests.support.storage import release, write_lock_held_elsewhere

CADRE, SUPERVISOR = 2, 3
ANSWER = "封控当晚没走招标，直接找附近超市订了一千份蔬菜包"


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
