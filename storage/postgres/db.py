"""An asyncpg pool, and transactions that behave like ``storage.db.Database``'s.

A transaction holds one pooled connection for the task that opened it (a context variable), so a
repository write inside a service's ``transaction()`` joins it, and reads inside it see its own
uncommitted rows. Tasks started inside a transaction inherit the context and share its connection;
a lock keeps their statements from overlapping on it (asyncpg allows one at a time). Outside a
transaction every statement takes any free connection and commits alone. ``after_commit``
callbacks run after the outermost COMMIT, never after a ROLLBACK, as on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.errors import StorageProblem, StorageUnavailable

log = logging.getLogger(__name__)

# What a pool hands out: a proxy that behaves as the connection it wraps.
Connection = asyncpg.Connection | PoolConnectionProxy


@dataclass(eq=False)
class _Transaction:
    db: PgDatabase
    conn: Connection
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    callbacks: list[Callable[[], None]] = field(default_factory=list)
    open: bool = True


_CURRENT: ContextVar[_Transaction | None] = ContextVar("pg_transaction", default=None)

# SQLSTATE classes and codes meaning "the database could not take this write now", not a bug.
_PROBLEMS = {
    "53100": StorageProblem.FULL,  # disk_full
    "25006": StorageProblem.READ_ONLY,  # read_only_sql_transaction (a standby, or default_transaction_read_only)
    "53300": StorageProblem.BUSY,  # too_many_connections
    "57P03": StorageProblem.BUSY,  # cannot_connect_now (starting up, shutting down)
    "55P03": StorageProblem.BUSY,  # lock_not_available (lock_timeout)
    "58030": StorageProblem.IO_ERROR,  # io_error
}


def classify(error: BaseException) -> StorageProblem | None:
    """The problem behind a PostgreSQL error, or None for a bug (a constraint, bad SQL…)."""
    if isinstance(error, asyncpg.PostgresError):
        return _PROBLEMS.get(str(getattr(error, "sqlstate", "")))
    if isinstance(error, (OSError, asyncpg.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError)):
        return StorageProblem.IO_ERROR  # the server went away mid-transaction
    return None


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line or an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def affected(status: str) -> int:
    """Rows touched, from a command tag such as ``UPDATE 1`` or ``INSERT 0 1``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class PgDatabase:
    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url

    @classmethod
    async def open(cls, url: str, *, min_size: int = 1, max_size: int = 10, migrate: bool = True) -> PgDatabase:
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Wrong host, password or database name: one line naming the server, never the password.
            raise StorageUnavailable(StorageProblem.IO_ERROR, f"cannot connect to {redacted(url)} ({exc})") from None
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def migrate(self) -> list[int]:
        from storage.migrations.postgres import apply_migrations

        async with self.pool.acquire() as conn:
            return await apply_migrations(conn)

    async def close(self) -> None:
        await self.pool.close()

    def _current(self) -> _Transaction | None:
        tx = _CURRENT.get()
        return tx if tx is not None and tx.open and tx.db is self else None

    @property
    def in_transaction(self) -> bool:
        return self._current() is not None

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
        tx = self._current()
        if tx is None:
            callback()
            return
        tx.callbacks.append(callback)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """BEGIN … COMMIT on one connection, rolled back on any exception; re-entrant within a task."""
        current = self._current()
        if current is not None:
            yield current.conn
            return
        committed = False
        tx: _Transaction | None = None
        try:
            async with self.pool.acquire() as conn:
                tx = _Transaction(self, conn)
                token = _CURRENT.set(tx)
                try:
                    async with conn.transaction():
                        yield conn
                    committed = True
                finally:
                    tx.open = False
                    _CURRENT.reset(token)
        except BaseException as exc:
            problem = classify(exc)
            if problem is not None and not committed:
                log.warning("write refused and rolled back: database %s (%s)", problem.value, exc)
                raise StorageUnavailable(problem, str(exc)) from exc
            raise
        finally:
            if committed and tx is not None:
                for callback in tx.callbacks:
                    try:
                        callback()
                    except Exception:  # a hook must never undo or hide a commit that happened
                        log.exception("after-commit hook failed")

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        tx = self._current()
        if tx is not None:
            async with tx.lock:
                yield tx.conn
            return
        async with self.pool.acquire() as conn:
            yield conn

    async def execute(self, sql: str, *args: Any) -> str:
        """One write statement, inside the task's transaction (or its own); returns the command tag."""
        async with self.transaction(), self._connection() as conn:
            return await conn.execute(sql, *args)

    async def insert(self, sql: str, *args: Any) -> int:
        """An INSERT … RETURNING id; returns the id."""
        async with self.transaction(), self._connection() as conn:
            value = await conn.fetchval(sql, *args)
        assert value is not None, sql
        return int(value)

    async def write_row(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """A write returning one row (``INSERT … ON CONFLICT … RETURNING``), or None."""
        async with self.transaction(), self._connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def write_rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """A write returning rows (``UPDATE … RETURNING``)."""
        async with self.transaction(), self._connection() as conn:
            return list(await conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        async with self._connection() as conn:
            return await conn.fetchrow(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._connection() as conn:
            return list(await conn.fetch(sql, *args))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self._connection() as conn:
            return await conn.fetchval(sql, *args)
