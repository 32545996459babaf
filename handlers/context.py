"""The callback context every handler receives, with the shared services one attribute away, and the
parts of an update that PTB types as optional but our routes always have.

Every route takes updates from a person in a private chat (``common.private_only`` stops the rest),
and a MessageHandler only ever sees a message: so a sender, a chat and this user's ``user_data``
are there. The accessors below say so once, and fail loudly if a route is ever wired wrongly.
"""

from __future__ import annotations

from typing import TypeVar

from telegram import Chat, Message, Update
from telegram import User as TgUser
from telegram.ext import CallbackContext, ExtBot

from bot.services import Services

T = TypeVar("T")


class Ctx(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def store(self) -> dict[str, object]:
        """This user's ``user_data``: what their conversations keep between updates, persisted.

        Values are whatever a handler put there, read back from the database: read them with
        :meth:`stored`, which checks the type.
        """
        data = self.user_data
        if data is None:
            raise RuntimeError("a handler that keeps per-user state got an update without a user")
        return data

    def stored(self, key: str, kind: type[T]) -> T | None:
        """``store[key]`` if it is a ``kind``, else None (never set, or left by an older version)."""
        value = self.store.get(key)
        return value if isinstance(value, kind) else None


def user_of(update: Update) -> TgUser:
    """Who sent the update: every command, text and press has a sender."""
    user = update.effective_user
    if user is None:
        raise RuntimeError(f"update {update.update_id} has no sender; a route sent it to a handler that needs one")
    return user


def chat_of(update: Update) -> Chat:
    """The private chat the update came from (presses on our own messages have it too)."""
    chat = update.effective_chat
    if chat is None:
        raise RuntimeError(f"update {update.update_id} has no chat; a route sent it to a handler that needs one")
    return chat


def message_of(update: Update) -> Message:
    """The new message of a MessageHandler's or CommandHandler's update."""
    message = update.message
    if message is None:
        raise RuntimeError(f"update {update.update_id} has no message; a route sent it to a handler that needs one")
    return message
