"""Online backup and restore of the SQLite database through SQLite's backup API."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from storage.db import Database
from storage.migrations import available
from storage.process_lock import DatabaseInUse, holder
from storage.sqlite.storage import SqliteStorage


class BackupError(Exception):
    pass


async def backup(db_path: Path, target: Path) -> int:
    """Copy a live database (the bot may keep writing) to ``target``; returns its schema version."""
    db = await Database.open(db_path)
    try:
        await db.backup_to(target)
    finally:
        await db.close()
    return _version(target)


async def restore(source: Path, db_path: Path, audit_key_file: Path | None = None) -> int:
    """Replace the database with a backup, page by page; refuses anything that is not one of ours,
    and refuses while a bot serves the database (it would go on with stale state in memory)."""
    pid = holder(db_path)
    if pid is not None:
        raise BackupError(str(DatabaseInUse(db_path, pid)))
    if not await asyncio.to_thread(source.is_file):
        raise BackupError(f"{source}: no such file")
    version = _version(source)
    newest = max(number for number, _, _ in available())
    if version > newest:
        raise BackupError(f"{source}: schema version {version} is newer than this program ({newest})")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    async with aiosqlite.connect(str(source)) as src, aiosqlite.connect(str(db_path)) as dest:
        await src.backup(dest)
    # Brings an older backup up to the current schema; the restored log becomes the anchored one.
    storage = await SqliteStorage.open(db_path, audit_key_file=audit_key_file)
    try:
        await storage.audit.reset_anchor()
    finally:
        await storage.close()
    return version


def _version(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a cadrebot database ({exc})") from None
    if integrity != "ok":
        raise BackupError(f"{path}: damaged database ({integrity})")
    return int(row[0] or 0)
