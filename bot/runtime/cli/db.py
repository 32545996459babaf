"""``cadrebot db upgrade|version``, ``backup``, ``restore`` and ``audit verify|head``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import ArgError, Handler, existing_db, fail, open_existing


def add_parsers(sub: Any) -> None:
    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply pending migrations")
    db.add_parser("version", help="print the schema version")
    copy = db.add_parser("copy", help="copy this SQLite deployment into an empty PostgreSQL database")
    copy.add_argument("--to", required=True, metavar="postgresql://…", help="the target database's URL")
    sub.add_parser("backup", help="copy the database while the bot runs (SQLite online backup)").add_argument(
        "file", type=Path
    )
    sub.add_parser("restore", help="replace the database with a backup (stop the bot first)").add_argument(
        "file", type=Path
    )
    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True)
    verify = audit.add_parser(
        "verify", help="check the audit log's chain, signatures and signed anchor; any edited or deleted entry"
    )
    verify.add_argument("--expect-head", help="ID:HASH printed earlier by `audit head`, kept away from this machine")
    audit.add_parser("head", help="print the newest entry's id and hash, to keep somewhere else")


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "copy":
        return await _copy(settings, args.to)
    if settings.db_url:
        return await _db_postgres(settings.db_url, args)
    from storage.db import Database
    from storage.migrations import current_version

    db = await Database.open(settings.db_path, migrate=False, busy_budget_s=settings.db_busy_seconds)
    try:
        if args.action == "upgrade":
            applied = await db.migrate()
            print(f"applied: {applied or 'nothing, already current'}")
        print(f"schema version: {await current_version(db.conn)}")
    finally:
        await db.close()
    return 0


async def _db_postgres(url: str, args: argparse.Namespace) -> int:
    from storage.migrations.postgres import current_version
    from storage.postgres.db import PgDatabase

    db = await PgDatabase.open(url, max_size=1, migrate=False)
    try:
        if args.action == "upgrade":
            applied = await db.migrate()
            print(f"applied: {applied or 'nothing, already current'}")
        async with db.pool.acquire() as conn:
            print(f"schema version: {await current_version(conn)}")
    finally:
        await db.close()
    return 0


async def _copy(settings: Settings, url: str) -> int:
    """SQLite → PostgreSQL, losslessly: every table, then the counts and the audit chain checked."""
    from bot.ops.audit import verify_storage
    from storage.audit_seal import default_key_file
    from storage.postgres.copy_from_sqlite import CopyError, copy_sqlite_to_postgres
    from storage.postgres.db import redacted
    from storage.postgres.storage import PostgresStorage
    from storage.process_lock import ServingLock
    from storage.sqlite.storage import SqliteStorage

    if not url.startswith(("postgresql://", "postgres://")):
        return fail(f"--to: expected postgresql://user:password@host/database, got {url.split(':', 1)[0]}:…")
    path = existing_db(settings)
    key_file = settings.audit_key_file or default_key_file(path)
    with ServingLock(path):  # nobody writes the source while it is copied
        source = await SqliteStorage.open(path, audit_key_file=key_file)
        try:
            target = await PostgresStorage.open(url, audit_key_file=key_file)
            try:
                try:
                    counts = await copy_sqlite_to_postgres(source.db, target.db)
                except CopyError as exc:
                    return fail(str(exc))
                await target.audit.reset_anchor()
                problems = await verify_storage(target)
            finally:
                await target.close()
        finally:
            await source.close()
    for table, rows in counts.items():
        print(f"{table}: {rows}")
    if problems:
        for problem in problems:
            print(f"audit: {problem}", file=sys.stderr)
        return fail("copied, but the audit log does not verify on PostgreSQL")
    print(f"copied {sum(counts.values())} rows to {redacted(url)}; the audit chain verifies")
    print(f"set CADREBOT_DB_URL={redacted(url)} to serve from PostgreSQL")
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, backup, restore

    if settings.db_url:
        # These copy the SQLite file; the PostgreSQL database is copied by the server's own tools.
        return fail("backup and restore copy the SQLite file; with CADREBOT_DB_URL use pg_dump and pg_restore")
    try:
        if args.command == "backup":
            version = await backup(settings.db_path, args.file)
            print(f"{args.file}: backup of {settings.db_path} (schema version {version})")
        else:
            version = await restore(args.file, settings.db_path, audit_key_file=settings.audit_key_file)
            print(f"{settings.db_path}: restored from {args.file} (schema version {version})")
    except BackupError as exc:
        return fail(str(exc))
    return 0


async def _audit(settings: Any, args: argparse.Namespace) -> int:
    from bot.ops.audit import AuditProblem, verify_chain
    from storage.audit_seal import AuditKeyError

    if args.action not in ("verify", "head"):
        return fail(f"unknown audit action {args.action!r}")
    expected: tuple[int, str] | None = None
    if getattr(args, "expect_head", None):
        entry_id, _, digest = str(args.expect_head).partition(":")
        if not entry_id.isdigit() or len(digest) != 64:
            return fail("--expect-head: expected ID:HASH as printed by `cadrebot audit head`")
        expected = (int(entry_id), digest.lower())
    try:
        storage = await open_existing(settings)
    except (ArgError, AuditKeyError) as exc:
        return fail(str(exc))
    try:
        entries = await storage.audit.all()
        if args.action == "head":
            newest = entries[-1] if entries else None
            print(f"{newest.id}:{newest.hash}" if newest else "0:" + "0" * 64)
            return 0
        problems = verify_chain(entries, seal=storage.audit.seal)
        if expected is not None:
            match = next((e for e in entries if e.id == expected[0]), None)
            if match is None or match.hash != expected[1]:
                problems.append(AuditProblem(expected[0], "head_mismatch", "differs from the head given"))
        if not problems:
            print(f"audit chain OK: {len(entries)} entries, signatures and anchor verified")
            return 0
        for problem in problems:
            print(f"audit chain broken: {problem}")
        print(f"{len(problems)} problem(s) in {len(entries)} entries", file=sys.stderr)
        return 1
    finally:
        await storage.close()


COMMANDS: dict[str, Handler] = {"db": _db, "backup": _backup, "restore": _backup, "audit": _audit}
