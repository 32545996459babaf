"""``cadrebot users add|list|invite|deactivate``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler, catalogue_text


def add_parsers(sub: Any) -> None:
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


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    from bot.storage_access import open_storage
    from bot.users import UserError, UserService

    storage = await open_storage(settings)
    try:
        await _act(UserService(storage), args)
    except UserError as exc:
        print(f"cadrebot: {catalogue_text(settings, exc.key, exc.values)}", file=sys.stderr)
        return 1
    finally:
        await storage.close()
    return 0


async def _act(users: Any, args: argparse.Namespace) -> None:
    if args.action == "add":
        user = await users.add(
            args.telegram_id, args.role, args.unit, display_name=args.name, seconded=True if args.seconded else None
        )
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


COMMANDS: dict[str, Handler] = {"users": _users}
