"""The ``cadrebot`` command: run the bot, the console chat, and the admin tasks that need no chat.

Each command group is a module with ``add_parsers(sub)`` and a ``COMMANDS`` table; this module
only builds the parser from them and dispatches ``args.command``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.config import ConfigError, load_settings
from bot.runtime.cli import bench, chat, db, evaluate, kb, report, users
from bot.runtime.cli.common import Handler

__all__ = ["COMMANDS", "main", "parser", "run_for_tests"]

_GROUPS = (chat, users, db, kb, evaluate, bench, report)
COMMANDS: dict[str, Handler] = {name: handler for group in _GROUPS for name, handler in group.COMMANDS.items()}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cadrebot", description="Fault-tolerance assistant for community cadres.")
    sub = root.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.add_parsers(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from storage.audit_seal import AuditKeyError
    from storage.errors import StorageUnavailable
    from storage.process_lock import DatabaseInUse

    try:
        return asyncio.run(COMMANDS[args.command](settings, args)) or 0
    except KeyboardInterrupt:
        return 130
    except (DatabaseInUse, AuditKeyError, StorageUnavailable) as exc:
        print(f"cadrebot: {exc}", file=sys.stderr)
        return 1


def run_for_tests(argv: list[str], settings: Any) -> int:
    """Parse ``argv`` and run its handler with ``settings`` given (not read from the environment)."""
    args = parser().parse_args(argv)
    return asyncio.run(COMMANDS[args.command](settings, args))
