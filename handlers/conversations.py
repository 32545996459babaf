"""One conversation at a time per user: entering one ends any other the user left open.

Without this, text typed for the conversation just entered could be taken by another one that
is still waiting (every ConversationHandler sits in the same handler group). PTB has no public
API to end a conversation from outside; ``_update_state`` is the one it uses itself, and it
keeps persistence in step. The version of python-telegram-bot is pinned to 22.x for this.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from handlers.context import Ctx
from handlers.reply import reply
from handlers.texts import t


def conversation(
    name: str,
    entry_points: Sequence[BaseHandler],
    states: dict[object, list[BaseHandler]],
    *,
    state_key: str,
    cancelled: str = "common.stopped",
) -> ConversationHandler:
    """A persistent, re-enterable conversation whose /cancel forgets ``user_data[state_key]``."""

    async def cancel(update: Update, context: Ctx) -> int:
        context.store.pop(state_key, None)
        await reply(update, context, await t(update, context, cancelled))
        return ConversationHandler.END

    return ConversationHandler(
        entry_points=list(entry_points),
        states=states,
        fallbacks=[CommandHandler("cancel", cancel)],
        name=name,
        persistent=True,
        allow_reentry=True,
    )


def end_others(application: Application, update: Update, keep: str) -> None:
    for handlers in application.handlers.values():
        for handler in handlers:
            if not isinstance(handler, ConversationHandler) or handler.name == keep:
                continue
            key = handler._get_key(update)
            if key in handler._conversations:
                handler._update_state(ConversationHandler.END, key)
