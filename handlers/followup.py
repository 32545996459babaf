"""/my: a cadre follows their filings — status, history, answering a request for information, withdrawing."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.filing.errors import FilingError
from handlers import filing_views as views
from handlers import menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, keyboard, reply

ANSWER = 0
ROLES = ("cadre", "supervisor", "admin")
_PENDING = "my_pending"


async def my_filings(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *ROLES)
    if user is None:
        return ConversationHandler.END
    service = context.services.filings
    loc = await locale(update, context)
    cat = context.services.catalogue
    filings = await service.queries.mine(user.telegram_id)
    preregs = await service.queries.my_preregistrations(user.telegram_id)
    if not filings and not preregs:
        await reply(update, context, cat.t(loc, "view.my_empty"))
        return ConversationHandler.END
    lines = [cat.t(loc, "view.my_title")]
    lines += [views.list_line(cat, loc, service, f) for f in filings[:15]]
    lines += [views.prereg_line(cat, loc, service, p) for p in preregs[:10]]
    rows = [[(cat.t(loc, "view.btn_open", ref=f.ref), cb("my", "v", f.ref))] for f in filings[:8]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return ConversationHandler.END


async def press(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *ROLES)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    if user is None or data is None:
        if data is None:
            await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    service = context.services.filings
    try:
        if data.action == "v":
            await _show(update, context, data.arg)
            return ConversationHandler.END
        if data.action == "ans":
            await service.queries.get(data.arg, user.telegram_id)  # access check before asking for text
            end_others(context.application, update, "followup")
            context.user_data[_PENDING] = {"action": "answer_info", "ref": data.arg}
            await reply(update, context, await t(update, context, "view.type_answer", ref=data.arg))
            return ANSWER
        if data.action == "wd":
            rows = [[(await t(update, context, "view.btn_withdraw_confirm"), cb("my", "wdok", data.arg))]]
            await reply(
                update, context, await t(update, context, "view.withdraw_confirm", ref=data.arg), keyboard(rows)
            )
            return ConversationHandler.END
        if data.action == "wdok":
            filing = await service.workflow.withdraw(data.arg, user.telegram_id)
            await reply(update, context, await t(update, context, "view.withdrawn", ref=filing.ref))
            return ConversationHandler.END
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return ConversationHandler.END
    await reply(update, context, await t(update, context, "common.stale_button"))
    return ConversationHandler.END


async def _show(update: Update, context: Ctx, ref: str) -> None:
    user_id = update.effective_user.id
    service = context.services.filings
    loc = await locale(update, context)
    cat = context.services.catalogue
    filing = await service.queries.get(ref, user_id)
    text = views.full(
        cat,
        loc,
        service,
        context.services.knowledge.current.kb,
        filing,
        await service.queries.history(ref, user_id),
        await service.queries.deadlines(ref, user_id),
        len(await service.queries.attachments(ref, user_id)),
    )
    actions = await service.queries.actions(ref, user_id)
    rows = []
    if "answer_info" in actions:
        rows.append([(cat.t(loc, "view.btn_answer"), cb("my", "ans", filing.ref))])
    if "withdraw" in actions:
        rows.append([(cat.t(loc, "view.btn_withdraw"), cb("my", "wd", filing.ref))])
    await reply(update, context, text, keyboard(rows))


async def typed_answer(update: Update, context: Ctx) -> int:
    pending = context.user_data.get(_PENDING)
    if pending is None or update.message is None:
        return ConversationHandler.END
    try:
        filing = await context.services.filings.workflow.answer_info(
            pending["ref"], update.effective_user.id, update.message.text or ""
        )
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        # Invalid text: ask again; a refused action (already answered, withdrawn): stop.
        return ANSWER if exc.fixable else ConversationHandler.END
    context.user_data.pop(_PENDING, None)
    await reply(update, context, await t(update, context, "view.answer_sent", ref=filing.ref))
    return ConversationHandler.END


def register(app: Application) -> None:
    app.add_handler(
        conversation(
            name="followup",
            entry_points=[
                CommandHandler("my", my_filings),
                CallbackQueryHandler(my_filings, pattern=r"^m:my:"),
                CallbackQueryHandler(press, pattern=pattern("my")),
            ],
            states={ANSWER: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_answer)]},
            state_key=_PENDING,
        )
    )
    menu.register("my", {"cadre", "supervisor"})
