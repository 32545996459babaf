"""Who is talking, checked server-side on every command and press, and one way to say no.

``@requires(Role…)`` loads the active user, refuses anyone else with the reason, and answers a
refused domain operation (any error carrying a catalogue ``key``) with its message: handlers
only describe the path that works.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.filing.errors import FilingError
from bot.kb.admin import KbStateError
from bot.users import UserError
from handlers.context import Ctx
from handlers.reply import answer_query
from handlers.texts import tell
from storage.records import Role, User

END = ConversationHandler.END
# Every refusal of a service names its message; these are the ones handlers let through to the user.
REFUSALS = (FilingError, UserError, KbStateError)

# Coroutine functions, as PTB's handlers take them (an Awaitable is not enough for its callback type).
Guarded = Callable[..., Coroutine[Any, Any, Any]]  # (update, context, user, *more)
Handler = Callable[..., Coroutine[Any, Any, Any]]  # (update, context, *more): PTB passes no more


async def refuse(update: Update, context: Ctx, key: str, **values: object) -> None:
    """Say no, with the catalogue's reason."""
    await tell(update, context, key, **values)


async def allowed(update: Update, context: Ctx, *roles: Role) -> User | None:
    """The active user if their role is one of ``roles`` (any role if none); else say why and None."""
    tg_user = update.effective_user
    if tg_user is None:
        return None
    user = await context.services.users.get(tg_user.id)
    if user is None:
        key = "common.not_registered"
    elif not user.active:
        key = "common.deactivated"
    elif roles and user.role not in roles:
        key = "common.not_allowed"
    else:
        return user
    await refuse(update, context, key)
    return None


async def reader(update: Update, context: Ctx) -> tuple[bool, User | None]:
    """Public information is for anyone but a deactivated account: (may read, the user if registered)."""
    user = await context.services.users.get(update.effective_user.id) if update.effective_user else None
    if user is not None and not user.active:
        await refuse(update, context, "common.deactivated")
        return False, None
    return True, user


def requires(*roles: Role, stay: object = END, retry: object | None = None) -> Callable[[Guarded], Handler]:
    """Run the handler for an active user of ``roles`` (any registered role if none).

    A press is answered first, so the button stops spinning whatever follows. After a refused
    operation the conversation goes to ``stay``; after refused *text* the user can correct
    (:attr:`FilingError.fixable`), to ``retry`` — what they typed is still in their chat.
    """

    def wrap(handler: Guarded) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: Ctx, *more: Any, **named: Any) -> Any:
            await answer_query(update)
            user = await allowed(update, context, *roles)
            if user is None:
                return END
            try:
                return await handler(update, context, user, *more, **named)
            except REFUSALS as exc:
                await refuse(update, context, exc.key, **exc.values)
                fixable = isinstance(exc, FilingError) and exc.fixable
                return retry if retry is not None and fixable else stay

        return guarded

    return wrap


async def stale(update: Update, context: Ctx) -> None:
    """A button from an older message, or a forged one."""
    await answer_query(update)
    await refuse(update, context, "common.stale_button")
