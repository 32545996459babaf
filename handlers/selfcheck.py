"""/check: a guided questionnaire over the conditions, boundaries and never-tolerated list.

Questions and rules are knowledge-base data; this module only asks and shows the indication.
"""

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

from handlers import knowledge_views as views
from handlers import menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, keyboard, reply
from knowledge.selfcheck import ANSWERS, evaluate

DESCRIBE, QUESTION = range(2)
_KEY = "selfcheck"
ROLES = ("cadre", "supervisor", "admin")


async def start(update: Update, context: Ctx) -> int:
    if await require(update, context, *ROLES) is None:
        return ConversationHandler.END
    await answer_query(update)
    end_others(context.application, update, "selfcheck")
    context.user_data[_KEY] = {"situation": "", "answers": {}, "index": 0}
    skip = [[(await t(update, context, "check.skip"), cb("sc", "skip"))]]
    await reply(update, context, await t(update, context, "check.intro"), keyboard(skip))
    return DESCRIBE


async def described(update: Update, context: Ctx) -> int:
    state = context.user_data.setdefault(_KEY, {"situation": "", "answers": {}, "index": 0})
    if update.message and update.message.text:
        limit = context.services.settings.max_text_chars
        if len(update.message.text) > limit:
            await reply(update, context, await t(update, context, "common.too_long", limit=limit))
            return DESCRIBE
        state["situation"] = update.message.text
    else:
        await answer_query(update)
    return await _ask(update, context)


async def answered(update: Update, context: Ctx) -> int:
    await answer_query(update)
    state = context.user_data.get(_KEY)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    questions = context.services.knowledge.current.kb.selfcheck.questions
    if state is None or data is None:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    index = state["index"]
    if data.action == "back":
        state["index"] = max(0, index - 1)
        return await _ask(update, context)
    # The button names its question, so a press on an older question's keyboard cannot
    # record an answer for the question now shown.
    if data.action != "a" or index >= len(questions):
        await reply(update, context, await t(update, context, "common.stale_button"))
        return QUESTION
    answer, _, qid = data.arg.partition(".")
    if answer not in ANSWERS or qid != questions[index].id:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return QUESTION
    state["answers"][qid] = answer
    state["index"] = index + 1
    return await _ask(update, context)


async def typed_instead(update: Update, context: Ctx) -> int:
    await reply(update, context, await t(update, context, "check.answer_with_buttons"))
    return QUESTION


async def _ask(update: Update, context: Ctx) -> int:
    state = context.user_data[_KEY]
    loc = await locale(update, context)
    cat = context.services.catalogue
    questions = context.services.knowledge.current.kb.selfcheck.questions
    index = state["index"]
    if index >= len(questions):
        await _result(update, context)
        return ConversationHandler.END
    question = questions[index]
    text = cat.t(
        loc,
        "check.question",
        n=index + 1,
        total=len(questions),
        group=cat.t(loc, f"check.groups.{question.group}"),
        text=question.text,
    )
    if question.hint:
        text += "\n" + cat.t(loc, "check.hint", hint=question.hint)
    rows = [[(cat.t(loc, f"check.{a}"), cb("sc", "a", f"{a}.{question.id}")) for a in ANSWERS]]
    if index:
        rows.append([(cat.t(loc, "common.back"), cb("sc", "back"))])
    await reply(update, context, text, keyboard(rows))
    return QUESTION


async def _result(update: Update, context: Ctx) -> None:
    state = context.user_data.pop(_KEY)
    loc = await locale(update, context)
    cat = context.services.catalogue
    snapshot = context.services.knowledge.current
    result = evaluate(snapshot.kb.selfcheck, state["answers"])
    lines = [cat.t(loc, f"check.result.{result.indication}"), cat.t(loc, "check.reasons")]
    lines += [cat.t(loc, "check.reason_line", reason=reason) for reason, _ in result.reasons] or [
        cat.t(loc, "check.no_reasons")
    ]
    lines.append(cat.t(loc, "check.disclaimer"))
    article_ids = list(dict.fromkeys(article for _, article in result.reasons))[:4]
    rows = [[views.article_button(cat, loc, a)] for a in (snapshot.kb.article(i) for i in article_ids) if a]
    # Kept for the tolerance request, which offers to attach these answers.
    context.user_data["last_selfcheck"] = {
        "answers": state["answers"],
        "indication": result.indication,
        "situation": state["situation"],
    }
    if "apply" in menu.entries_for("cadre"):
        rows.append([(cat.t(loc, "check.file_button"), cb("m", "apply", "sc"))])
    await reply(update, context, "\n".join(lines), keyboard(rows))
    if state["situation"]:
        matches = snapshot.matcher.match_cases(state["situation"])
        if matches.confident:
            text, markup = views.case_cards(cat, loc, snapshot.kb, matches)
            await reply(update, context, text, markup)


def register(app: Application) -> None:
    app.add_handler(
        conversation(
            name="selfcheck",
            entry_points=[CommandHandler("check", start), CallbackQueryHandler(start, pattern=r"^m:check:")],
            states={
                DESCRIBE: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, described),
                    CallbackQueryHandler(described, pattern=r"^sc:skip:"),
                ],
                QUESTION: [
                    CallbackQueryHandler(answered, pattern=pattern("sc")),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed_instead),
                ],
            },
            state_key=_KEY,
        )
    )
    menu.register("check", set(ROLES))
