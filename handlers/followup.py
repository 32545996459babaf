"""/my: a cadre follows their filings — status, history, answering a request for information, withdrawing."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.filing.errors import FilingError
from bot.filing.references import is_preregistration
from handlers import filing_views as views
from handlers.callback_data import Callback, My, Ns, cb, pattern
from handlers.context import Ctx, message_of, user_of
from handlers.conversations import conversation, end_others
from handlers.filing_forms import evidence_of
from handlers.guards import END, requires, stale
from handlers.reply import keyboard, reply
from handlers.texts import tell, words
from storage.records import User

# The cadre is typing the answer to a request for information (files welcome too), or sending
# evidence for their undecided request.
ANSWER, EVIDENCE = 0, 1
NAME = "followup"
_PENDING = "my_pending"


@requires()
async def my_filings(update: Update, context: Ctx, user: User) -> int:
    service = context.services.filings
    say = await words(update, context)
    filings = await service.queries.mine(user.telegram_id)
    preregs = await service.queries.my_preregistrations(user.telegram_id)
    if not filings and not preregs:
        await reply(update, context, say("view.my_empty"))
        return END
    lines = [say("view.my_title")]
    lines += [views.list_line(say.cat, say.loc, service, f) for f in filings[:15]]
    lines += [views.prereg_line(say.cat, say.loc, service, p) for p in preregs[:10]]
    refs = [f.ref for f in filings[:8]] + [p.ref for p in preregs[:4]]
    rows = [[(say("view.btn_open", ref=ref), cb(Ns.MY, My.VIEW, ref))] for ref in refs]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return END


@requires()
async def press(update: Update, context: Ctx, user: User) -> int:
    data = Callback.of(update)
    if data is None:
        await stale(update, context)
        return END
    service = context.services.filings
    ref = data.arg
    if data.action == My.VIEW:
        await _show(update, context, ref)
    elif data.action == My.ANSWER:
        await service.queries.get(ref, user.telegram_id)  # access check before asking for text
        end_others(context.application, update, NAME)
        context.store[_PENDING] = {"action": "answer_info", "ref": ref}
        say = await words(update, context)
        await reply(update, context, say("view.type_answer", ref=ref) + "\n" + say("view.type_answer_files"))
        return ANSWER
    elif data.action == My.EVIDENCE:
        if not await service.queries.may_add_evidence(ref, user.telegram_id):
            # Refuse a stale button now, before the cadre sends anything.
            raise FilingError("filing.error.illegal_transition")
        end_others(context.application, update, NAME)
        context.store[_PENDING] = {"action": "evidence", "ref": ref}
        say = await words(update, context)
        rows = [[(say("form.done"), cb(Ns.MY, My.EVIDENCE_DONE, ref))]]
        await reply(update, context, say("view.type_evidence", ref=ref), keyboard(rows))
        return EVIDENCE
    elif data.action == My.EVIDENCE_DONE:
        context.store.pop(_PENDING, None)
        await tell(update, context, "view.evidence_done", ref=ref)
    elif data.action == My.WITHDRAW:
        say = await words(update, context)
        rows = [[(say("view.btn_withdraw_confirm"), cb(Ns.MY, My.WITHDRAW_OK, ref))]]
        await reply(update, context, say("view.withdraw_confirm", ref=ref), keyboard(rows))
    elif data.action == My.WITHDRAW_OK:
        filing = await service.workflow.withdraw(ref, user.telegram_id)
        await tell(update, context, "view.withdrawn", ref=filing.ref)
    else:
        await stale(update, context)
    return END


async def _show(update: Update, context: Ctx, ref: str) -> None:
    user_id = user_of(update).id
    service = context.services.filings
    say = await words(update, context)
    if is_preregistration(ref):
        shown = await service.queries.preregistration_view(ref, user_id)
        await reply(update, context, views.prereg_full(say.cat, say.loc, service, shown))
        return
    filing = await service.queries.get(ref, user_id)
    text = views.full(
        say.cat,
        say.loc,
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
        rows.append([(say("view.btn_answer"), cb(Ns.MY, My.ANSWER, filing.ref))])
    if await service.queries.may_add_evidence(ref, user_id):
        rows.append([(say("view.btn_evidence"), cb(Ns.MY, My.EVIDENCE, filing.ref))])
    if "withdraw" in actions:
        rows.append([(say("view.btn_withdraw"), cb(Ns.MY, My.WITHDRAW, filing.ref))])
    await reply(update, context, text, keyboard(rows))


# Invalid text: ask again; a refused action (already answered, withdrawn): stop.
@requires(retry=ANSWER)
async def typed_answer(update: Update, context: Ctx, user: User) -> int:
    pending = context.stored(_PENDING, dict)
    if pending is None or update.message is None:
        return END
    await context.services.filings.workflow.answer_info(pending["ref"], user.telegram_id, update.message.text or "")
    context.store.pop(_PENDING, None)
    # The workflow's notice (filing.notify.info_sent) is the one confirmation.
    return END


async def _add_file(update: Update, context: Ctx, user: User) -> None:
    """A photo or document for the pending filing: on file at once, one addition each."""
    pending = context.stored(_PENDING, dict)
    file = evidence_of(message_of(update))
    if pending is None or file is None:
        return
    await context.services.filings.workflow.add_evidence(pending["ref"], user.telegram_id, **file)
    await tell(update, context, "view.evidence_added", ref=pending["ref"], name=file["name"])


@requires(retry=ANSWER, stay=ANSWER)
async def file_with_answer(update: Update, context: Ctx, user: User) -> int:
    await _add_file(update, context, user)
    return ANSWER


@requires(retry=EVIDENCE, stay=EVIDENCE)
async def file_as_evidence(update: Update, context: Ctx, user: User) -> int:
    await _add_file(update, context, user)
    return EVIDENCE


def conversation_handler() -> ConversationHandler:
    return conversation(
        name=NAME,
        entry_points=[
            CommandHandler("my", my_filings),
            CallbackQueryHandler(my_filings, pattern=pattern(Ns.MENU, "my")),
            CallbackQueryHandler(press, pattern=pattern(Ns.MY)),
        ],
        states={
            ANSWER: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_answer),
                MessageHandler(filters.PHOTO | filters.Document.ALL, file_with_answer),
            ],
            EVIDENCE: [
                MessageHandler(filters.PHOTO | filters.Document.ALL, file_as_evidence),
                CallbackQueryHandler(press, pattern=pattern(Ns.MY)),
            ],
        },
        state_key=_PENDING,
    )
