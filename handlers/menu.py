"""The /help menu: one button per capability the user's role has, each the same as its command.

Which entries exist, for whom and in what order is the table ``MENU`` in :mod:`handlers.routing`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from telegram import Update

from handlers.callback_data import Ns, cb
from handlers.context import Ctx

Action = Callable[[Update, Ctx], Awaitable[object]]

PUBLIC = "public"


@dataclass(frozen=True)
class MenuEntry:
    action: str
    roles: frozenset[str]


_ENTRIES: list[MenuEntry] = []
_ACTIONS: dict[str, Action] = {}


def register(action: str, roles: Collection[str], handler: Action | None = None) -> None:
    """Offer ``action`` in the menu to ``roles``; ``handler`` runs on a press (None: a conversation entry)."""
    if action not in {e.action for e in _ENTRIES}:
        _ENTRIES.append(MenuEntry(action, frozenset(roles)))
    if handler is not None:
        _ACTIONS[action] = handler


def entries_for(role: str | None) -> list[str]:
    key = role or PUBLIC
    return [e.action for e in _ENTRIES if key in e.roles or (PUBLIC in e.roles)]


def action(name: str) -> Action | None:
    return _ACTIONS.get(name)


def buttons(role: str | None, label: Callable[[str], str]) -> list[list[tuple[str, str]]]:
    items = [(label(f"menu.{a}"), cb(Ns.MENU, a)) for a in entries_for(role)]
    return [items[i : i + 2] for i in range(0, len(items), 2)]
