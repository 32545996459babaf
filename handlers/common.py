"""Everyone: /start (with invite codes), /help, /lang, /cancel, the menu, unknown input, errors."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import LOCALES
from bot.users import UserError
from handlers import menu
from handlers.callback_data import Callback, Lang, Ns, cb
from handlers.context import Ctx, user_of
from handlers.guards import refuse, stale
from handlers.reply import answer_query, edit_or_reply, keyboard, reply
from handlers.texts import t, words
from storage.errors import StorageProblem, StorageUnavailable

log = logging.getLogger(__name__)


async def rate_limit(update: Update, context: Ctx) -> None:
    user = update.effective_user
    if user is None or context.services.limiter.allow(user.id):
        return
    warn = context.services.limiter.should_warn(user.id)
    # A dropped press is still answered, or the user's button keeps spinning.
    await answer_query(update, await t(update, context, "common.rate_limited") if not warn else None)
    if warn:
        await reply(update, context, await t(update, context, "common.rate_limited"))
    raise ApplicationHandlerStop


async def private_only(update: Update, context: Ctx) -> None:
    """Only new messages and presses in private chats are served.

    An edited message is not re-read (a form answer already saved would silently differ from what
    the cadre now sees), so the user is told. Groups and channels are refused: a filing shown there
    would be shown to everyone in it.
    """
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    if update.edited_message is not None or update.edited_channel_post is not None:
        if private:
            await reply(update, context, await t(update, context, "common.edited_ignored"))
        raise ApplicationHandlerStop
    if chat is None or private:  # inline buttons have no chat; nothing is shown there
        return
    if update.callback_query is not None:
        await update.callback_query.answer(await t(update, context, "common.private_only"), show_alert=True)
    elif update.message is not None and (update.message.text or "").startswith("/"):
        await reply(update, context, await t(update, context, "common.private_only"))
    raise ApplicationHandlerStop


async def start(update: Update, context: Ctx) -> None:
    tg_user = user_of(update)
    services = context.services
    if context.args:
        try:
            user = await services.users.redeem(context.args[0], tg_user.id, tg_user.full_name)
        except UserError as exc:
            await reply(update, context, await t(update, context, exc.key, **exc.values))
            return
        await reply(update, context, await _who(update, context, "start.registered", user))
        await help_menu(update, context)
        return
    await help_menu(update, context)


async def _who(update: Update, context: Ctx, key: str, user) -> str:
    return await t(
        update,
        context,
        key,
        name=update.effective_user.full_name if update.effective_user else "",
        role=await t(update, context, f"roles.{user.role}"),
        unit=user.unit_name or await t(update, context, "roles.none"),
    )


async def help_menu(update: Update, context: Ctx) -> None:
    tg_user = user_of(update)
    user = await context.services.users.get(tg_user.id)
    say = await words(update, context)
    if user is None:
        head = say("start.welcome_unregistered")
        role = None
    elif not user.active:
        await refuse(update, context, "common.deactivated")
        return
    else:
        head = await _who(update, context, "start.welcome_registered", user)
        role = user.role
    lines = [head, "", say("help.title")]
    lines.append(say("help.free_text") if role else say("help.public"))
    await reply(update, context, "\n".join(lines), keyboard(menu.buttons(role, say)))


async def choose_language(update: Update, context: Ctx) -> None:
    rows = [[("中文", cb(Ns.LANG, Lang.SET, "zh")), ("English", cb(Ns.LANG, Lang.SET, "en"))]]
    await answer_query(update)
    await reply(update, context, await t(update, context, "lang.choose"), keyboard(rows))


async def set_language(update: Update, context: Ctx) -> None:
    data = Callback.of(update)
    await answer_query(update)
    if data is None or data.arg not in LOCALES or update.effective_user is None:
        await refuse(update, context, "common.stale_button")
        return
    await context.services.set_locale(update.effective_user.id, data.arg)
    await edit_or_reply(update, context, await t(update, context, "lang.set"))
    await help_menu(update, context)


async def cancel(update: Update, context: Ctx) -> None:
    await refuse(update, context, "common.nothing_to_cancel")


async def menu_press(update: Update, context: Ctx) -> None:
    """A menu button whose command is not a conversation entry (those are caught by their conversation)."""
    data = Callback.of(update)
    handler = menu.action(data.action) if data else None
    if handler is None:
        await stale(update, context)
        return
    await answer_query(update)
    await handler(update, context)


async def stale_button(update: Update, context: Ctx) -> None:
    await stale(update, context)


async def unknown_command(update: Update, context: Ctx) -> None:
    await refuse(update, context, "common.unknown_command")


async def not_text(update: Update, context: Ctx) -> None:
    await refuse(update, context, "common.not_text")


async def on_error(update: object, context: Ctx) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        # The user blocked the bot: nothing can reach them, and it is not our fault.
        log.info("user blocked the bot: %s", error)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # A reply lost on the way (timeout, dropped connection). What the user typed was already
        # saved before replying, and the reply may even have arrived: an apology would only confuse.
        log.warning("reply not confirmed by Telegram: %s", error)
        return
    if isinstance(error, StorageUnavailable):
        # Rolled back whole; the log line names the cause (db.py), the user gets back what they sent.
        log.warning("update not saved: %s", error)
        if isinstance(update, Update) and update.effective_chat:
            await _storage_refusal(update, context, error)
        return
    log.error("unhandled error: %s", "".join(traceback.format_exception(error)).strip())
    if isinstance(update, Update) and update.effective_chat:
        try:
            await reply(update, context, await t(update, context, "common.error"))
        except Exception:  # the error handler must never raise
            log.exception("could not tell the user about an error")


async def _storage_refusal(update: Update, context: Ctx, error: StorageUnavailable) -> None:
    key = "common.storage_busy" if error.problem is StorageProblem.BUSY else "common.storage_unavailable"
    parts = [await t(update, context, key)]
    message = update.effective_message
    typed = (message.text or message.caption or "") if message and not update.callback_query else ""
    if typed.strip() and not typed.startswith("/"):
        parts.append(await t(update, context, "common.your_text", text=typed[:1000]))
    try:
        if update.callback_query:
            await answer_query(update)
        await reply(update, context, "\n\n".join(parts))
    except Exception:  # the error handler must never raise
        log.exception("could not tell the user that the database refused a write")
