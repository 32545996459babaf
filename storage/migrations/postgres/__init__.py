"""PostgreSQL's versioned migrations: ``NNNN_name.sql`` here, applied in order, each in its own transaction.

Separate from the SQLite files beside this folder, since the dialects differ (identity columns,
plpgsql triggers); both schemas hold the same tables and columns, so records read the same.
Several processes may start at once (the bot and its standby): an advisory lock lets one migrate
while the others wait, then find nothing left to do.
"""

from __future__ import annotations

import re
from importlib import resources

import asyncpg
from asyncpg.pool import PoolConnectionProxy

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK = 0x63616472  # pg_advisory_xact_lock key of the migrations ("cadr")


def available() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(__name__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def current_version(conn: asyncpg.Connection | PoolConnectionProxy) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    version = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(version) if version is not None else 0


async def apply_migrations(conn: asyncpg.Connection | PoolConnectionProxy) -> list[int]:
    """Apply every migration newer than the database; returns the versions applied."""
    applied: list[int] = []
    for number, name, sql in available():
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
            if number <= await current_version(conn):
                continue
            # No arguments: the simple query protocol runs the whole file (0001 creates schema_version).
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_version (version, name) VALUES ($1, $2)", number, name)
        applied.append(number)
    return applied
