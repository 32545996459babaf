"""One aiosqlite connection per process, WAL, foreign keys, and serialised write transactions.

SQLite allows one writer at a time; funnelling every write through one lock on one connection
keeps "every write in a transaction" simple and avoids SQLITE_BUSY inside the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from pathlib import Path

import aiosqlite

from storage.migrations import apply_migrations

_IN_TRANSACTION: ContextVar[bool] = ContextVar("in_transaction", default=False)


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        db = cls(conn, path)
        if migrate:
            await db.migrate()
        return db

    async def migrate(self) -> list[int]:
        async with self._write_lock:
            return await apply_migrations(self.conn)

    async def close(self) -> None:
        await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception.

        Re-entrant within one task, so a service can group several repository writes (a state
        change and its audit entry) into one transaction while each write stays safe alone.
        """
        if _IN_TRANSACTION.get():
            yield self.conn
            return
        async with self._write_lock:
            token = _IN_TRANSACTION.set(True)
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
            finally:
                _IN_TRANSACTION.reset(token)

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
