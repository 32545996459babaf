"""Sending replies: HTML, split under Telegram's limit, keyboard on the last part."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.i18n import split_message, telegram_length
from handlers.context import Ctx


async def reply(update: Update, context: Ctx, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(text)
    for index, part in enumerate(parts):
        await context.bot.send_message(
            chat.id, part, parse_mode=ParseMode.HTML, reply_markup=markup if index == len(parts) - 1 else None
        )


async def edit_or_reply(update: Update, context: Ctx, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the pressed message in place when the new text fits; else send a new one."""
    query = update.callback_query
    if query and query.message and telegram_length(text) <= 4000:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc):
                return
    await reply(update, context, text, markup)


async def answer_query(update: Update, text: str | None = None) -> None:
    if update.callback_query:
        await update.callback_query.answer(text)


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    )
