"""``cadrebot run`` (Telegram, or the console chat without a token) and ``cadrebot console``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler


def add_parsers(sub: Any) -> None:
    run_parser = sub.add_parser("run", help="run the Telegram bot (the console chat when no token is configured)")
    run_parser.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to")
    run_parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default="127.0.0.1:8443",
        help="address the webhook server binds (default loopback: put a TLS reverse proxy in front)",
    )
    console_parser = sub.add_parser("console", help="chat with the bot in this terminal, offline")
    console_parser.add_argument("--as", dest="as_user", type=int, help="Telegram user id to type as")
    console_parser.add_argument("--demo", action="store_true", help="add demo users: admin 1, supervisor 2, cadre 3")
    console_parser.add_argument(
        "--files",
        metavar="DIR",
        type=Path,
        help="where files the bot sends are saved (default: console-files beside the database)",
    )


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.token is None:
        print("cadrebot: no CADREBOT_TELEGRAM_TOKEN configured, starting the console chat.", file=sys.stderr)
        from bot.runtime.console import run_console

        await run_console(settings)
        return 0
    from bot.runtime.runner import run_telegram

    await run_telegram(settings, webhook_url=args.webhook, listen=args.listen)
    return 0


async def console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime.console import run_console

    await run_console(settings, args.as_user, demo=args.demo, files_dir=args.files)
    return 0


COMMANDS: dict[str, Handler] = {"run": run, "console": console}
