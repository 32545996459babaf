"""/check: a guided questionnaire over the conditions, boundaries and never-tolerated list.

Questions and rules are knowledge-base data; this module only asks and shows the indication.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from handlers import knowledge_views as views
from handlers import menu
from handlers.callback_data import Callback, Check, Ns, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.guards import END, refuse, requires, stale
from handlers.reply import answer_query, keyboard, reply
from handlers.texts import t, words
from knowledge.selfcheck import ANSWERS, evaluate
from storage.records import User

# The conversation's states: the situation in the user's words (optional), then one question after another.
DESCRIBE, QUESTION = range(2)
NAME = "selfcheck"
_KEY = "selfcheck"
FROM_SELFCHECK = "sc"  # the menu's "apply" button under a result: the request offers these answers


@requires()
async def start(update: Update, context: Ctx, user: User) -> int:
    end_others(context.application, update, NAME)
    context.store[_KEY] = _fresh()
    skip = [[(await t(update, context, "check.skip"), cb(Ns.CHECK, Check.SKIP))]]
    await reply(update, context, await t(update, context, "check.intro"), keyboard(skip))
    return DESCRIBE


def _fresh() -> dict[str, Any]:
    return {"situation": "", "answers": {}, "index": 0}


async def described(update: Update, context: Ctx) -> int:
    state = context.stored(_KEY, dict)
    if state is None:
        state = context.store[_KEY] = _fresh()
    if update.message and update.message.text:
        limit = context.services.settings.max_text_chars
        if len(update.message.text) > limit:
            await refuse(update, context, "common.too_long", limit=limit)
            return DESCRIBE
        state["situation"] = update.message.text
    else:
        await answer_query(update)
    return await _ask(update, context, state)


async def answered(update: Update, context: Ctx) -> int:
    await answer_query(update)
    state = context.stored(_KEY, dict)
    data = Callback.of(update)
    questions = context.services.knowledge.current.kb.selfcheck.questions
    if state is None or data is None:
        await stale(update, context)
        return END
    index = state["index"]
    if data.action == Check.BACK:
        state["index"] = max(0, index - 1)
        return await _ask(update, context, state)
    # The button names its question, so a press on an older question's keyboard cannot
    # record an answer for the question now shown.
    if data.action != Check.ANSWER or index >= len(questions):
        await stale(update, context)
        return QUESTION
    answer, _, qid = data.arg.partition(".")
    if answer not in ANSWERS or qid != questions[index].id:
        await stale(update, context)
        return QUESTION
    state["answers"][qid] = answer
    state["index"] = index + 1
    return await _ask(update, context, state)


async def typed_instead(update: Update, context: Ctx) -> int:
    await refuse(update, context, "check.answer_with_buttons")
    return QUESTION


async def _ask(update: Update, context: Ctx, state: dict[str, Any]) -> int:
    say = await words(update, context)
    questions = context.services.knowledge.current.kb.selfcheck.questions
    index = state["index"]
    if index >= len(questions):
        await _result(update, context, state)
        return END
    question = questions[index]
    text = say(
        "check.question",
        n=index + 1,
        total=len(questions),
        group=say(f"check.groups.{question.group}"),
        text=question.text,
    )
    if question.hint:
        text += "\n" + say("check.hint", hint=question.hint)
    rows = [[(say(f"check.{a}"), cb(Ns.CHECK, Check.ANSWER, f"{a}.{question.id}")) for a in ANSWERS]]
    if index:
        rows.append([(say("common.back"), cb(Ns.CHECK, Check.BACK))])
    await reply(update, context, text, keyboard(rows))
    return QUESTION


async def _result(update: Update, context: Ctx, state: dict[str, Any]) -> None:
    context.store.pop(_KEY, None)
    say = await words(update, context)
    cat, loc = say.cat, say.loc
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
    context.store["last_selfcheck"] = {
        "answers": state["answers"],
        "indication": result.indication,
        "situation": state["situation"],
    }
    if "apply" in menu.entries_for("cadre"):
        rows.append([(cat.t(loc, "check.file_button"), cb(Ns.MENU, "apply", FROM_SELFCHECK))])
    await reply(update, context, "\n".join(lines), keyboard(rows))
    if state["situation"]:
        matches = snapshot.matcher.match_cases(state["situation"])
        if matches.confident:
            text, markup = views.case_cards(cat, loc, snapshot.kb, matches)
            await reply(update, context, text, markup)


def conversation_handler() -> ConversationHandler:
    return conversation(
        name=NAME,
        entry_points=[CommandHandler("check", start), CallbackQueryHandler(start, pattern=pattern(Ns.MENU, "check"))],
        states={
            DESCRIBE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, described),
                CallbackQueryHandler(described, pattern=pattern(Ns.CHECK, Check.SKIP)),
            ],
            QUESTION: [
                CallbackQueryHandler(answered, pattern=pattern(Ns.CHECK)),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_instead),
            ],
        },
        state_key=_KEY,
    )
