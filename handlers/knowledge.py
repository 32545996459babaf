"""Cadres ask and describe: answers, closest guiding cases, the boundaries, full cases and articles."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kb.advice import MODES, PUBLIC_KINDS, Mode, advise
from handlers import knowledge_views as views
from handlers import menu
from handlers.callback_data import Callback, Cite, Kb, Ns, cb
from handlers.context import Ctx
from handlers.guards import allowed, reader, refuse, requires
from handlers.reply import answer_query, keyboard, reply
from handlers.texts import Words, tell, words
from storage.records import User

_AWAIT = "awaiting_text"
BOUNDARY_ARTICLES = (
    "A-boundary-law",
    "A-boundary-org",
    "A-boundary-rights",
    "A-distinction-1",
    "A-distinction-2",
    "A-distinction-3",
)
PROCEDURE_ARTICLE = "A-procedure"


async def boundaries(update: Update, context: Ctx) -> None:
    await answer_query(update)
    say = await words(update, context)
    kb = context.services.knowledge.current.kb
    wanted = [a for a in (kb.article(i) for i in BOUNDARY_ARTICLES) if a] or [
        a for a in kb.articles if a.topic in ("boundaries", "distinctions")
    ]
    rows = [[views.article_button(say.cat, say.loc, a)] for a in wanted]
    await reply(update, context, say("kb.boundaries"), keyboard(rows))


async def ask(update: Update, context: Ctx) -> None:
    """Procedural answers are public: anyone registered or not, but a deactivated account, may ask."""
    await answer_query(update)
    may, user = await reader(update, context)
    if may:
        await _forced(update, context, "ask", user)


@requires()
async def cases(update: Update, context: Ctx, user: User) -> None:
    await _forced(update, context, "cases", user)


async def _forced(update: Update, context: Ctx, mode: Mode, user: User | None) -> None:
    text = " ".join(context.args or []).strip()
    if not text:
        context.store[_AWAIT] = mode
        await tell(update, context, f"kb.{mode}_prompt")
        return
    await _advise(update, context, text, mode, user)


async def free_text(update: Update, context: Ctx) -> None:
    assert update.message is not None and update.message.text is not None
    may, user = await reader(update, context)
    if not may:
        return
    mode = context.store.pop(_AWAIT, None)
    await _advise(update, context, update.message.text, mode if mode in MODES else None, user)


async def _advise(update: Update, context: Ctx, text: str, mode: Mode | None, user: User | None) -> None:
    answer = await advice_reply(update, context, text, mode, user)
    if answer is not None:
        await reply(update, context, *answer)


async def advice_reply(
    update: Update, context: Ctx, text: str, mode: Mode | None, user: User | None
) -> tuple[str, InlineKeyboardMarkup] | None:
    """What free text gets (an answer, cases, a fallback), not sent yet; None when refused (too long)."""
    limit = context.services.settings.max_text_chars
    if len(text) > limit:
        await refuse(update, context, "common.too_long", limit=limit)
        return None
    say = await words(update, context)
    snapshot = context.services.knowledge.current
    advice = advise(snapshot, text, mode)
    role = user.role if user else None
    if role is None and advice.kind not in PUBLIC_KINDS:
        boundaries = [(say("menu.boundaries"), cb(Ns.MENU, "boundaries"))]
        return say("common.not_registered"), keyboard([boundaries])
    if advice.kind == "answer":
        return views.answer(say.cat, say.loc, snapshot.kb, advice.result)
    if advice.kind == "cases":
        return views.case_cards(say.cat, say.loc, snapshot.kb, advice.result, extra_rows=_next_steps(say, role))
    if advice.kind == "greeting":
        return say("kb.greeting"), keyboard(menu.buttons(role, say))
    if advice.kind == "writing":
        return say("kb.writing"), keyboard(_writing_steps(say, role))
    if advice.kind == "offtopic":
        return say("kb.offtopic"), keyboard(_next_steps(say, role))
    key = "kb.no_answer" if advice.asked == "ask" else "kb.no_match"
    return say(key), keyboard(_next_steps(say, role))


def _apply_button(say: Words, role: str | None) -> list[tuple[str, str]]:
    """Offered to whoever may file; someone not registered is shown the way in instead, not a refusal."""
    return [(say("menu.apply"), cb(Ns.MENU, "apply"))] if role and "apply" in menu.entries_for(role) else []


def _writing_steps(say: Words, role: str | None) -> list[list[tuple[str, str]]]:
    return [[(say("kb.btn_procedure"), cb(Ns.KB, Kb.ARTICLE, PROCEDURE_ARTICLE)), *_apply_button(say, role)]]


def _next_steps(say: Words, role: str | None) -> list[list[tuple[str, str]]]:
    row: list[tuple[str, str]] = [
        (say("kb.btn_boundaries"), cb(Ns.MENU, "boundaries")),
        (say("kb.btn_procedure"), cb(Ns.KB, Kb.ARTICLE, PROCEDURE_ARTICLE)),
    ]
    return [row, _apply_button(say, role)]


async def show(update: Update, context: Ctx) -> None:
    """An article for anyone; a full case for registered users."""
    await answer_query(update)
    data = Callback.of(update)
    say = await words(update, context)
    kb = context.services.knowledge.current.kb
    if data and data.action == Kb.ARTICLE and (article := kb.article(data.arg)):
        await reply(update, context, views.article_text(article))
        return
    if data and data.action in (Kb.CASE, Kb.READ) and (case := kb.case(data.arg)):
        if await allowed(update, context) is None:
            return
        cite = [(say("kb.btn_cite_one"), cb(Ns.CITE, Cite.CITE, case.id))] if data.action == Kb.CASE else []
        await reply(update, context, views.case_full(say.cat, say.loc, case), keyboard([cite]))
        return
    await refuse(update, context, "kb.not_found")
