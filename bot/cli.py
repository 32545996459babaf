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
    run.add_argument("--listen", metavar="HOST:PORT", default="0.0.0.0:8443", help="address the webhook server binds")

    console = sub.add_parser("console", help="chat with the bot in this terminal, offline")
    console.add_argument("--as", dest="as_user", type=int, help="Telegram user id to type as")

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
    for name, text in (("validate", "check a guiding-case file"), ("export", "write the guiding cases to a file")):
        kb.add_parser(name, help=text).add_argument("file", type=Path)

    evaluate = sub.add_parser("eval-match", help="measure matching on a case file and a query file")
    evaluate.add_argument("cases", type=Path)
    evaluate.add_argument("queries", type=Path)
    bench = sub.add_parser("bench-match", help="matching speed and memory on a synthetic knowledge base")
    bench.add_argument("--cases", type=int, default=10_000)
    bench.add_argument("--queries", type=int, default=200)
    bench.add_argument("--seed", type=int, default=7)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 2
    handler = _COMMANDS[args.command]
    try:
        return asyncio.run(handler(settings, args)) or 0
    except KeyboardInterrupt:
        return 130


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print("cadrebot: no CADREBOT_TELEGRAM_TOKEN configured, starting the console chat.", file=sys.stderr)
        from bot.console import run_console

        await run_console(settings)
        return 0
    from bot.telegram_runner import run_telegram

    await run_telegram(settings, webhook_url=args.webhook, listen=args.listen)
    return 0


async def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    await run_console(settings, args.as_user)
    return 0


async def _with_services(settings: Settings, work: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    from bot.users import UserError
    from storage.sqlite.storage import SqliteStorage
    from bot.users import UserService

    storage = await SqliteStorage.open(settings.db_path)
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
            user = await users.add(args.telegram_id, args.role, args.unit, display_name=args.name,
                                   seconded=args.seconded)
            print(f"{user.telegram_id}\t{user.role}\t{user.unit_name or '-'}")
        elif args.action == "list":
            for user in await users.list():
                state = "active" if user.active else "inactive"
                seconded = "\tseconded" if user.seconded else ""
                print(f"{user.telegram_id}\t{user.role}\t{user.unit_name or '-'}\t{state}\t{user.display_name}{seconded}")
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

    db = await Database.open(settings.db_path, migrate=False)
    try:
        if args.action == "upgrade":
            applied = await db.migrate()
            print(f"applied: {applied or 'nothing, already current'}")
        print(f"schema version: {await current_version(db.conn)}")
    finally:
        await db.close()
    return 0


async def _kb(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.loader import KnowledgeError, dump_case_file, load_bundled, load_case_file

    if args.action == "validate":
        try:
            cases = load_case_file(args.file)
        except KnowledgeError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
        print(f"{args.file}: {len(cases)} cases, all valid")
        return 0
    kb = load_bundled()
    dump_case_file(kb.cases, args.file)
    print(f"{args.file}: {len(kb.cases)} cases written")
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


async def _bench_match(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.benchmark import run_bench
    from knowledge.loader import load_bundled

    result = await asyncio.to_thread(run_bench, args.cases, load_bundled().cases, seed=args.seed, queries=args.queries)
    for key, value in result.items():
        print(f"{key}: {value}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "run": _run,
    "console": _console,
    "users": _users,
    "db": _db,
    "kb": _kb,
    "eval-match": _eval_match,
    "bench-match": _bench_match,
}

if __name__ == "__main__":
    sys.exit(main())
