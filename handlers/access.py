"""Who is talking: every command and button re-checks the role here, server-side."""

from __future__ import annotations

from telegram import Update

from handlers.context import Ctx
from handlers.reply import answer_query, reply
from storage.records import User


async def locale(update: Update, context: Ctx) -> str:
    user = update.effective_user
    return await context.services.locale_for(user.id) if user else context.services.settings.locale


async def t(update: Update, context: Ctx, key: str, **values: object) -> str:
    return context.services.catalogue.t(await locale(update, context), key, **values)


async def require(update: Update, context: Ctx, *roles: str) -> User | None:
    """The active user if their role is one of ``roles``; otherwise tell them why and return None."""
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
    await answer_query(update)
    await reply(update, context, await t(update, context, key))
    return None
