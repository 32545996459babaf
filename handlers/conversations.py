"""One conversation at a time per user: entering one ends any other the user left open.

Without this, text typed for the conversation just entered could be taken by another one that
is still waiting (every ConversationHandler sits in the same handler group). PTB has no public
API to end a conversation from outside; ``_update_state`` is the one it uses itself, and it
keeps persistence in step. The version of python-telegram-bot is pinned to 22.x for this.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ConversationHandler


def end_others(application: Application, update: Update, keep: str) -> None:
    for handlers in application.handlers.values():
        for handler in handlers:
            if not isinstance(handler, ConversationHandler) or handler.name == keep:
                continue
            key = handler._get_key(update)
            if key in handler._conversations:
                handler._update_state(ConversationHandler.END, key)
