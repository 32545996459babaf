"""Copying an SQLite deployment into an empty PostgreSQL database, every table, row for row (issue #14).

Ids are copied as they are (the audit chain, references and deadlines point at them), then each
identity sequence is moved past the copied ids. The copy runs in one PostgreSQL transaction:
a failure leaves the target as empty as it was. Foreign keys are checked at the end of each COPY
statement, so a unit may come before its parent. Append-only triggers guard UPDATE and DELETE
only, so they stay on.
"""

from __future__ import annotations

from typing import Any

from storage.db import Database
from storage.migrations import available as sqlite_migrations
from storage.migrations import current_version as sqlite_version
from storage.postgres.db import PgDatabase

# Parents before children where it matters to a reader; every table of both schemas is here, and
# a table on either side that is not stops the copy (a new migration must say how it is copied).
TABLES = (
    "units",
    "users",
    "invites",
    "prefs",
    "ptb_data",
    "ptb_conversations",
    "outbox",
    "audit_log",
    "counters",
    "filings",
    "filing_events",
    "drafts",
    "attachments",
    "preregistrations",
    "deadlines",
    "lookback_runs",
    "lookback_items",
    "kb_versions",
    "kb_staged",
    "clearing_notes",
)
# The outbox lease exists only where several processes share the outbox.
_POSTGRES_ONLY = {("outbox", "claimed_by"), ("outbox", "claimed_until")}
_NOT_COPIED = {"schema_version", "sqlite_sequence"}  # each backend's own migration record


class CopyError(Exception):
    """The copy was refused before anything was written: the message says why."""


async def copy_sqlite_to_postgres(source: Database, target: PgDatabase) -> dict[str, int]:
    """Copy every row; returns the rows per table (equal on both sides, checked after the copy)."""
    newest = max(number for number, _, _ in sqlite_migrations())
    if await sqlite_version(source.conn) != newest:
        raise CopyError("the SQLite database is not at the newest schema: run `cadrebot db upgrade` first")
    sqlite_tables = {
        str(r[0]) for r in await source.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    } - _NOT_COPIED
    pg_tables = {
        str(r[0])
        for r in await target.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    } - _NOT_COPIED
    for side, tables in (("SQLite", sqlite_tables), ("PostgreSQL", pg_tables)):
        if tables != set(TABLES):
            raise CopyError(f"{side} tables differ from the copy's list: {sorted(tables ^ set(TABLES))}")
    counts: dict[str, int] = {}
    async with target.transaction() as conn:
        for table in TABLES:
            if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
                raise CopyError(f"the PostgreSQL database is not empty ({table} has rows)")
        for table in TABLES:
            counts[table] = await _copy_table(source, conn, table)
        identities = await conn.fetch(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES'"
        )
        for (table,) in identities:
            # The next id after the copied ones; is_called false: an empty table starts at 1.
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}",
                table,
            )
    for table, copied in counts.items():
        there = int(await target.fetchval(f"SELECT COUNT(*) FROM {table}"))
        here = int((await source.fetchall(f"SELECT COUNT(*) FROM {table}"))[0][0])
        if not here == copied == there:
            raise CopyError(f"{table}: {here} rows in SQLite, {there} in PostgreSQL")
    return counts


async def _copy_table(source: Database, conn: Any, table: str) -> int:
    columns = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    names = [str(c[0]) for c in columns if (table, str(c[0])) not in _POSTGRES_ONLY]
    sqlite_columns = {str(r[1]) for r in await source.fetchall(f"PRAGMA table_info({table})")}
    if set(names) != sqlite_columns:
        raise CopyError(f"{table}: columns differ: {sorted(set(names) ^ sqlite_columns)}")
    booleans = {str(c[0]) for c in columns if c[1] == "boolean"}
    floats = {str(c[0]) for c in columns if c[1] == "double precision"}
    rows = await source.fetchall(f"SELECT {', '.join(names)} FROM {table} ORDER BY rowid")
    records = [tuple(_value(row[i], name in booleans, name in floats) for i, name in enumerate(names)) for row in rows]
    if records:
        await conn.copy_records_to_table(table, records=records, columns=names)
    return len(records)


def _value(value: Any, boolean: bool, floating: bool) -> Any:
    # SQLite keeps booleans as 0/1 and may keep a whole REAL as an integer; COPY wants exact types.
    if value is None:
        return None
    if boolean:
        return bool(value)
    if floating:
        return float(value)
    return value
