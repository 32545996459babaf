"""Cadres ask and describe: answers, closest guiding cases, the boundaries, full cases and articles."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kb.advice import Mode, advise
from handlers import knowledge_views as views
from handlers import menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, cb, pattern
from handlers.context import Ctx
from handlers.reply import answer_query, keyboard, reply

REGISTERED = {"cadre", "supervisor", "admin"}
_AWAIT = "awaiting_text"


async def boundaries(update: Update, context: Ctx) -> None:
    await answer_query(update)
    loc = await locale(update, context)
    cat, kb = context.services.catalogue, context.services.knowledge.current.kb
    ids = [
        "A-boundary-law",
        "A-boundary-org",
        "A-boundary-rights",
        "A-distinction-1",
        "A-distinction-2",
        "A-distinction-3",
    ]
    wanted = [a for a in (kb.article(i) for i in ids) if a] or [
        a for a in kb.articles if a.topic in ("boundaries", "distinctions")
    ]
    rows = [[views.article_button(cat, loc, a)] for a in wanted]
    await reply(update, context, cat.t(loc, "kb.boundaries"), keyboard(rows))


async def ask(update: Update, context: Ctx) -> None:
    await _forced(update, context, "ask")


async def cases(update: Update, context: Ctx) -> None:
    await _forced(update, context, "cases")


async def _forced(update: Update, context: Ctx, mode: Mode) -> None:
    if await require(update, context, *REGISTERED) is None:
        return
    text = " ".join(context.args or []).strip()
    if not text:
        context.user_data[_AWAIT] = mode
        await answer_query(update)
        await reply(update, context, await t(update, context, f"kb.{mode}_prompt"))
        return
    await _advise(update, context, text, mode)


async def free_text(update: Update, context: Ctx) -> None:
    assert update.message is not None and update.message.text is not None
    user = await context.services.users.get(update.effective_user.id) if update.effective_user else None
    if user is None or not user.active:
        loc = await locale(update, context)
        cat = context.services.catalogue
        key = "common.deactivated" if user else "common.not_registered"
        await reply(
            update, context, cat.t(loc, key), keyboard([[(cat.t(loc, "menu.boundaries"), cb("m", "boundaries"))]])
        )
        return
    mode = context.user_data.pop(_AWAIT, None)
    await _advise(update, context, update.message.text, mode)


async def _advise(update: Update, context: Ctx, text: str, mode: Mode | None) -> None:
    limit = context.services.settings.max_text_chars
    if len(text) > limit:
        await reply(update, context, await t(update, context, "common.too_long", limit=limit))
        return
    loc = await locale(update, context)
    cat = context.services.catalogue
    snapshot = context.services.knowledge.current
    advice = advise(snapshot, text, mode)
    if advice.kind == "answer":
        body, markup = views.answer(cat, loc, snapshot.kb, advice.result)
    elif advice.kind == "cases":
        body, markup = views.case_cards(cat, loc, snapshot.kb, advice.result, extra_rows=_next_steps(cat, loc))
    elif advice.kind == "greeting":
        user = await context.services.users.get(update.effective_user.id) if update.effective_user else None
        role = user.role if user and user.active else None
        body, markup = cat.t(loc, "kb.greeting"), keyboard(menu.buttons(role, lambda k: cat.t(loc, k)))
    elif advice.kind == "writing":
        body, markup = cat.t(loc, "kb.writing"), keyboard(_writing_steps(cat, loc))
    elif advice.kind == "offtopic":
        body, markup = cat.t(loc, "kb.offtopic"), keyboard(_next_steps(cat, loc))
    else:
        key = "kb.no_answer" if advice.asked == "ask" else "kb.no_match"
        body, markup = cat.t(loc, key), keyboard(_next_steps(cat, loc))
    await reply(update, context, body, markup)


def _writing_steps(cat, loc: str) -> list[list[tuple[str, str]]]:
    row = [(cat.t(loc, "kb.btn_procedure"), cb("kb", "art", "A-procedure"))]
    row += [(cat.t(loc, f"menu.{a}"), cb("m", a)) for a in ("apply",) if a in menu.entries_for("cadre")]
    return [row]


def _next_steps(cat, loc: str) -> list[list[tuple[str, str]]]:
    row = [
        (cat.t(loc, "kb.btn_boundaries"), cb("m", "boundaries")),
        (cat.t(loc, "kb.btn_procedure"), cb("kb", "art", "A-procedure")),
    ]
    extra = [(cat.t(loc, f"menu.{a}"), cb("m", a)) for a in ("apply",) if a in menu.entries_for("cadre")]
    return [row, extra]


async def show(update: Update, context: Ctx) -> None:
    await answer_query(update)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    loc = await locale(update, context)
    cat, kb = context.services.catalogue, context.services.knowledge.current.kb
    if data and data.action == "art" and (article := kb.article(data.arg)):
        await reply(update, context, views.article_text(article))
        return
    if data and data.action == "case" and (case := kb.case(data.arg)):
        if await require(update, context, *REGISTERED) is None:
            return
        cite = [(cat.t(loc, "kb.btn_cite_one"), cb("fc", "cite", case.id))]
        await reply(update, context, views.case_full(cat, loc, case), keyboard([cite]))
        return
    await reply(update, context, cat.t(loc, "kb.not_found"))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("boundaries", boundaries))
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CommandHandler("cases", cases))
    app.add_handler(CallbackQueryHandler(show, pattern=pattern("kb")))
    menu.register("boundaries", {menu.PUBLIC}, boundaries)
    menu.register("ask", REGISTERED, ask)
    menu.register("cases", REGISTERED, cases)


def register_free_text(app: Application) -> None:
    """Added after every conversation, so text inside a conversation never reaches it."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, free_text))
