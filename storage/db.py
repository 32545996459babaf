"""One aiosqlite connection per process, WAL, foreign keys, and serialised write transactions.

SQLite allows one writer at a time; funnelling every write through one lock on one connection
keeps "every write in a transaction" simple and avoids SQLITE_BUSY inside the bot. Another process
(`cadrebot users add`, `kb import`, an sqlite3 shell) can still hold the write lock: BEGIN is then
retried with backoff, without blocking the event loop, and finally refused as StorageUnavailable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from pathlib import Path

import aiosqlite

from storage.errors import StorageProblem, StorageUnavailable, classify
from storage.migrations import apply_migrations

log = logging.getLogger(__name__)

# The transaction this task is inside, if any. A value is trusted only while it is the database's
# open transaction: a stale one (left by a failed BEGIN in older code, or copied into a task that
# outlived its transaction) can never make a later write skip BEGIN and the lock.
_CURRENT: ContextVar[object | None] = ContextVar("current_transaction", default=None)

# SQLite's own wait for the lock: short, because it blocks the connection's thread (every read of
# the bot queues behind it); the longer wait is ours, asynchronous, between attempts.
BUSY_TIMEOUT_MS = 200
DEFAULT_BUSY_BUDGET_S = 10.0


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path, busy_budget_s: float = DEFAULT_BUSY_BUDGET_S) -> None:
        self.conn = conn
        self.path = path
        self.busy_budget_s = busy_budget_s
        self._write_lock = asyncio.Lock()
        self._active: object | None = None
        self._after_commit: list[Callable[[], None]] = []

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate: bool = True, busy_budget_s: float = DEFAULT_BUSY_BUDGET_S
    ) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path, busy_budget_s)
        try:
            await db._retry_busy(lambda: conn.execute("PRAGMA journal_mode=WAL"))
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def migrate(self) -> list[int]:
        async with self._write_lock:
            return await self._retry_busy(lambda: apply_migrations(self.conn))

    async def close(self) -> None:
        await self.conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._active is not None and _CURRENT.get() is self._active

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
        if not self.in_transaction:
            callback()
            return
        self._after_commit.append(callback)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

        Re-entrant within one task, so a service can group several repository writes (a state
        change and its audit entry) into one transaction while each write stays safe alone.
        A busy, full or read-only database raises StorageUnavailable after rolling back.
        """
        if self.in_transaction:
            yield self.conn
            return
        async with self._write_lock:
            await self._begin()
            marker = object()
            self._active = marker
            token = _CURRENT.set(marker)
            committed = False
            try:
                try:
                    yield self.conn
                    await self.conn.execute("COMMIT")
                    committed = True
                except BaseException as exc:
                    await self._rollback()
                    problem = classify(exc)
                    if problem is not None:
                        log.warning("write refused and rolled back: database %s (%s)", problem.value, exc)
                        raise StorageUnavailable(problem, str(exc)) from exc
                    raise
            finally:
                _CURRENT.reset(token)
                self._active = None
                callbacks, self._after_commit = self._after_commit, []
                if committed:
                    for callback in callbacks:
                        try:
                            callback()
                        except Exception:  # a hook must never undo or hide a commit that happened
                            log.exception("after-commit hook failed")

    async def _begin(self) -> None:
        try:
            await self._retry_busy(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as exc:
            problem = classify(exc)
            if problem is None:
                raise
            log.warning("write refused: database %s (%s)", problem.value, exc)
            raise StorageUnavailable(problem, str(exc)) from exc

    async def _retry_busy(self, attempt: Callable[[], object]):
        """Run ``attempt`` until it is not refused as busy, with backoff, within the busy budget."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_budget_s
        delay = 0.05
        while True:
            try:
                return await attempt()  # type: ignore[misc]
            except sqlite3.Error as exc:
                if classify(exc) is not StorageProblem.BUSY or loop.time() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _rollback(self) -> None:
        # SQLite rolls some failures back by itself (a full disk, an I/O error); a second ROLLBACK
        # would then fail and hide the real error.
        if not self.conn.in_transaction:
            return
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback failed")

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """One write statement inside a transaction; returns lastrowid."""
        async with self.transaction() as conn, conn.execute(sql, params) as cur:
            return cur.lastrowid or 0

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def backup_to(self, target: Path) -> None:
        """Online backup through SQLite's backup API: safe while the bot keeps writing."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as dest:
            await self.conn.backup(dest)
