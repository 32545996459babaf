"""The ``cadrebot`` command: run the bot, the console chat, and the admin tasks that need no chat."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cadrebot", description="Fault-tolerance assistant for community cadres.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Telegram bot (the console chat when no token is configured)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to")
    run.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default="127.0.0.1:8443",
        help="address the webhook server binds (default loopback: put a TLS reverse proxy in front)",
    )

    console = sub.add_parser("console", help="chat with the bot in this terminal, offline")
    console.add_argument("--as", dest="as_user", type=int, help="Telegram user id to type as")
    console.add_argument("--demo", action="store_true", help="add demo users: admin 1, supervisor 2, cadre 3")

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="register a user directly")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--role", required=True, choices=["cadre", "supervisor", "admin"])
    add.add_argument("--unit", help="unit (街道/社区) name; required except for admins")
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--seconded", action="store_true", help="a seconded cadre (挂职干部)")
    users.add_parser("list", help="list users")
    invite = users.add_parser("invite", help="create a one-time invite code")
    invite.add_argument("--role", required=True, choices=["cadre", "supervisor"])
    invite.add_argument("--unit", required=True)
    deactivate = users.add_parser("deactivate", help="deactivate a user (their filings stay)")
    deactivate.add_argument("--telegram-id", type=int, required=True)

    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply pending migrations")
    db.add_parser("version", help="print the schema version")

    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="action", required=True)
    kb.add_parser("validate", help="check a knowledge file (cases .json, articles/faq/selfcheck .yaml)").add_argument(
        "file", type=Path
    )
    kb_import = kb.add_parser("import", help="validate a knowledge file, show the diff, apply it as a new version")
    kb_import.add_argument("file", type=Path)
    kb_import.add_argument("--yes", action="store_true", help="apply without asking")
    kb_import.add_argument("--comment", default="", help="why (kept in the history)")
    kb_export = kb.add_parser("export", help="write a version: a .json path gets the guiding cases, a folder all files")
    kb_export.add_argument("path", type=Path)
    kb_export.add_argument("--version", type=int, help="version to export (default: current)")
    kb.add_parser("history", help="list knowledge-base versions")
    kb.add_parser("rollback", help="make an old version current again (as a new version)").add_argument(
        "version", type=int
    )

    sub.add_parser("backup", help="copy the database while the bot runs (SQLite online backup)").add_argument(
        "file", type=Path
    )
    sub.add_parser("restore", help="replace the database with a backup (stop the bot first)").add_argument(
        "file", type=Path
    )

    evaluate = sub.add_parser("eval-match", help="measure matching on a case file and a query file")
    evaluate.add_argument("cases", type=Path)
    evaluate.add_argument("queries", type=Path)
    eval_answers = sub.add_parser("eval-answers", help="measure answers to a question file through the real chat")
    eval_answers.add_argument("questions", type=Path)
    eval_answers.add_argument("--details", action="store_true", help="one line per question before the summary")
    eval_intent = sub.add_parser("eval-intent", help="the intent classifier's confusion matrix on labelled phrasings")
    eval_intent.add_argument("phrasings", type=Path)
    bench = sub.add_parser("bench-match", help="matching speed and memory on a synthetic knowledge base")
    bench.add_argument("--cases", type=int, default=10_000)
    bench.add_argument("--queries", type=int, default=200)
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--no-memory", action="store_true", help="skip the tracemalloc build (slow at 100,000 cases)")
    from bench import load as bench_load
    from bot.runtime import report_cli

    bench_load.add_parser(sub)
    report_cli.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.runtime import report_cli
    from storage.audit_seal import AuditKeyError
    from storage.errors import StorageUnavailable
    from storage.process_lock import DatabaseInUse

    handler = {**_COMMANDS, **report_cli.COMMANDS}[args.command]
    try:
        return asyncio.run(handler(settings, args)) or 0
    except KeyboardInterrupt:
        return 130
    except (DatabaseInUse, AuditKeyError, StorageUnavailable) as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 1


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print("cadrebot: no CADREBOT_TELEGRAM_TOKEN configured, starting the console chat.", file=sys.stderr)
        from bot.runtime.console import run_console

        await run_console(settings)
        return 0
    from bot.runtime.runner import run_telegram

    await run_telegram(settings, webhook_url=args.webhook, listen=args.listen)
    return 0


async def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime.console import run_console

    await run_console(settings, args.as_user, demo=args.demo)
    return 0


async def _with_services(settings: Settings, work: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    from bot.storage_access import open_storage
    from bot.users import UserError, UserService

    storage = await open_storage(settings)
    try:
        return await work(UserService(storage))
    except UserError as exc:
        from bot.i18n import Catalogue

        print(f"cadrebot: {Catalogue(settings.locale).t(settings.locale, exc.key, **exc.values)}", file=sys.stderr)
        return 1
    finally:
        await storage.close()


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    async def work(users) -> int:
        if args.action == "add":
            user = await users.add(
                args.telegram_id, args.role, args.unit, display_name=args.name, seconded=True if args.seconded else None
            )
            print(f"{user.telegram_id}\t{user.role}\t{user.unit_name or '-'}")
        elif args.action == "list":
            for user in await users.list():
                state = "active" if user.active else "inactive"
                seconded = "\tseconded" if user.seconded else ""
                print(
                    f"{user.telegram_id}\t{user.role}\t{user.unit_name or '-'}\t{state}\t{user.display_name}{seconded}"
                )
        elif args.action == "invite":
            invite = await users.invite(args.role, args.unit, actor=None)
            print(f"{invite.code}\t{invite.role}\t{invite.unit_name}\t(send: /start {invite.code})")
        elif args.action == "deactivate":
            await users.deactivate(args.telegram_id, actor=None)
            print(f"{args.telegram_id}\tinactive")
        return 0

    return await _with_services(settings, work)


async def _db(settings: Settings, args: argparse.Namespace) -> int:
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


async def _kb(settings: Settings, args: argparse.Namespace) -> int:
    from bot.kb import admin as kb_admin
    from bot.kb.admin import KbAdmin, KbAdminError, KbStateError
    from bot.kb.service import KnowledgeService
    from bot.storage_access import open_storage
    from knowledge.loader import dump_case_file

    max_bytes = settings.max_kb_file_mb * 1_000_000
    if args.action == "validate":
        try:
            data = args.file.read_bytes()
            section, value = kb_admin.parse_upload(args.file.name, data, max_bytes)
        except OSError as exc:
            print(f"{args.file}: -: -: {exc.strerror}", file=sys.stderr)
            return 1
        except KbAdminError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 1
        count = len(value.questions) if section == "selfcheck" else len(value)
        print(f"{args.file}: {section}, {count} entries, all valid")
        return 0
    storage = await open_storage(settings)
    try:
        admin = KbAdmin(storage, KnowledgeService.bundled(), max_bytes)
        await admin.load_current()
        if args.action == "history":
            for version in await admin.history(1000):
                print(f"{version.id}\t{version.created_at}\t{version.author or '-'}\t{version.comment}")
        elif args.action == "rollback":
            version = await admin.rollback(args.version, None)
            print(f"version {version.id}: content of version {args.version}")
        elif args.action == "export":
            kb = await admin.version_kb(args.version)
            if args.path.suffix.lower() == ".json":
                dump_case_file(kb.cases, args.path)
                print(f"{args.path}: {len(kb.cases)} cases")
            else:
                for path in kb_admin.export(kb, args.path):
                    print(path)
        elif args.action == "import":
            return await _kb_import(admin, args)
    except KbAdminError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except KbStateError as exc:
        from bot.i18n import Catalogue

        print(f"cadrebot: {Catalogue(settings.locale).t(settings.locale, exc.key, **exc.values)}", file=sys.stderr)
        return 1
    finally:
        await storage.close()
    return 0


async def _kb_import(admin: Any, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: -: -: {exc.strerror}", file=sys.stderr)
        return 1
    staged_id, changes = await admin.stage_upload(0, args.file.name, data)
    if not changes:
        await admin.discard(staged_id)
        print("no changes: the file is identical to the current knowledge base")
        return 0
    for change in changes:
        print(f"{change.section}: +{len(change.added)} ~{len(change.changed)} -{len(change.removed)}")
        for entry_id in change.added:
            print(f"  + {entry_id}")
        for entry_id, fields in change.changed.items():
            print(f"  ~ {entry_id}: {', '.join(fields)}")
        for entry_id in change.removed:
            print(f"  - {entry_id}")
    if not args.yes:
        answer = (await asyncio.to_thread(input, "apply? [y/N] ")).strip().lower() if sys.stdin.isatty() else ""
        if answer not in ("y", "yes"):
            await admin.discard(staged_id)
            print("not applied (use --yes to apply without asking)")
            return 1
    version = await admin.apply(staged_id, 0)
    print(f"applied as version {version.id}")
    return 0


async def _eval_match(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.evaluation import run_eval
    from knowledge.loader import KnowledgeError

    try:
        result = await asyncio.to_thread(run_eval, args.cases, args.queries)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


async def _eval_answers(settings: Settings, args: argparse.Namespace) -> int:
    from bot import eval_answers

    return await eval_answers.command(settings, args.questions, details=args.details)


async def _eval_intent(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.intent.evaluation import run

    summary, matrix, misses = await asyncio.to_thread(run, args.phrasings)
    print(matrix)
    for row, got in misses:
        print(f"MISS\t{row['intent']} -> {got}\t{row['text']}")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


async def _bench_match(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.benchmark import run_bench
    from knowledge.loader import load_bundled

    result = await asyncio.to_thread(
        run_bench,
        args.cases,
        load_bundled().cases,
        seed=args.seed,
        queries=args.queries,
        measure_memory=not args.no_memory,
    )
    for key, value in result.items():
        print(f"{key}: {value}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, backup, restore

    try:
        if args.command == "backup":
            version = await backup(settings.db_path, args.file)
            print(f"{args.file}: backup of {settings.db_path} (schema version {version})")
        else:
            version = await restore(args.file, settings.db_path, audit_key_file=settings.audit_key_file)
            print(f"{settings.db_path}: restored from {args.file} (schema version {version})")
    except BackupError as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 1
    return 0


async def _bench_load(settings: Settings, args: argparse.Namespace) -> int:
    from bench import load as bench_load

    return await bench_load.command(settings, args)


_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "bench-load": _bench_load,
    "run": _run,
    "console": _console,
    "users": _users,
    "db": _db,
    "kb": _kb,
    "backup": _backup,
    "restore": _backup,
    "eval-match": _eval_match,
    "eval-answers": _eval_answers,
    "eval-intent": _eval_intent,
    "bench-match": _bench_match,
}

if __name__ == "__main__":
    sys.exit(main())
