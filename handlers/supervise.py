"""Supervisors: the queue, the whole filing, accepting, asking for information, deciding with
reasons, notes, feedback answers, pre-registration acknowledgements, search and look-back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.clock import day_bounds, show
from bot.filing import states
from bot.filing.errors import FilingError
from bot.filing.references import is_preregistration, normalize_ref
from bot.i18n import LOCALES
from bot.users import SUPERVISING
from handlers import filing_views as views
from handlers import knowledge_views
from handlers.callback_data import Callback, Decision, Kb, Lookback, Ns, Sv, as_id, cb, pattern
from handlers.context import Ctx, chat_of, user_of
from handlers.conversations import conversation, end_others
from handlers.guards import END, refuse, requires, stale
from handlers.reply import keyboard, reply
from handlers.texts import tell, words
from storage.records import User
from storage.records_filings import Attachment, Filing

# The conversation's one state: the supervisor is typing a text the pending action needs
# (user_data[_PENDING] says which: a message, a note, a decision's reason, a clearing note …).
TYPING = 0
NAME = "supervise"
_PENDING = "sv_pending"
# Pending actions beyond the buttons that ask for text (Sv.INFO, Sv.NOTE, …).
DECIDE, CORRECT, CLEARNOTE = "decide", "correct", "clearnote"
BOUNDARY_KEYS = states.BOUNDARIES

supervisor = requires(*SUPERVISING)

# The buttons under a filing: the workflow action it offers → the button's action.
ACTION_BUTTONS = {
    "accept": Sv.ACCEPT,
    "request_info": Sv.INFO,
    "decide": Sv.DECIDE,
    "read": Sv.READ,
    "answer": Sv.ANSWER,
    "forward": Sv.FORWARD,
}
# Buttons that ask for a text; those tied to a workflow action are refused early when it is not possible.
ASKS_TEXT = {Sv.INFO: "request_info", Sv.NOTE: None, Sv.MSG: None, Sv.ANSWER: "answer", Sv.FORWARD: "forward"}


# -- queue, view, search ------------------------------------------------------------------------
@supervisor
async def queue(update: Update, context: Ctx, user: User) -> int:
    service = context.services.filings
    say = await words(update, context)
    items = await service.queries.queue(user.telegram_id)
    # Pre-registrations stay in the queue until acknowledged.
    preregs = await service.queries.open_preregistrations(user.telegram_id)
    if not items and not preregs:
        await reply(update, context, say("sv.queue_empty"))
        return END
    lines = [say("sv.queue_title", n=len(items) + len(preregs))]
    lines += [views.list_line(say.cat, say.loc, service, i.filing, overdue=i.overdue) for i in items[:20]]
    lines += [views.prereg_line(say.cat, say.loc, service, p) for p in preregs[:10]]
    refs = [i.filing.ref for i in items] + [p.ref for p in preregs]
    rows = [[(say("view.btn_open", ref=ref), cb(Ns.SUPERVISE, Sv.VIEW, ref))] for ref in refs[:8]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return END


@supervisor
async def view_command(update: Update, context: Ctx, user: User) -> int:
    ref = normalize_ref((context.args or [""])[0]) if context.args else None
    if not ref:
        await refuse(update, context, "sv.view_usage")
        return END
    await _view(update, context, ref)
    return END


async def _view(update: Update, context: Ctx, ref: str) -> None:
    user_id = user_of(update).id
    service = context.services.filings
    say = await words(update, context)
    if is_preregistration(ref):
        shown = await service.queries.preregistration_view(ref, user_id)
        rows = []
        if shown.may_acknowledge:
            rows.append([(say(f"sv.btn.{Sv.ACK}"), cb(Ns.SUPERVISE, Sv.ACK, shown.prereg.ref))])
        await reply(update, context, views.prereg_full(say.cat, say.loc, service, shown), keyboard(rows))
        return
    filing = await service.queries.get(ref, user_id)
    snapshot = context.services.knowledge.current
    attachments = await service.queries.attachments(ref, user_id)
    text = views.full(
        say.cat,
        say.loc,
        service,
        snapshot.kb,
        filing,
        await service.queries.history(ref, user_id),
        await service.queries.deadlines(ref, user_id),
        len(attachments),
        applicant=await service.queries.applicant(ref, user_id),
    )
    await reply(update, context, text)
    await _resend_attachments(update, context, attachments)
    if filing.kind == "request":
        await _cases(update, context, filing)
    # The actions come last, under everything they act on.
    await reply(update, context, say("sv.actions", ref=filing.ref), await _action_buttons(update, context, filing.ref))


async def _cases(update: Update, context: Ctx, filing: Filing) -> None:
    """The cases the cadre cited, each opened with one press, then related ones (no cite buttons)."""
    say = await words(update, context)
    snapshot = context.services.knowledge.current
    cited = [c for c in (snapshot.kb.case(i) for i in filing.body.get("cited_cases") or []) if c]
    if cited:
        lines = [say("sv.cited")] + [say("sv.cited_line", n=n, title=c.title) for n, c in enumerate(cited, 1)]
        rows = [[(say("sv.btn_case", n=n), cb(Ns.KB, Kb.READ, c.id))] for n, c in enumerate(cited, 1)]
        await reply(update, context, "\n".join(lines), keyboard(rows))
    related = snapshot.matcher.related_cases(
        "\n".join(str(filing.body.get(k, "")) for k in ("what_happened", "consequences", "motive")), k=3
    )
    if related.hits:
        body, markup = knowledge_views.case_cards(say.cat, say.loc, snapshot.kb, related, cite=False)
        await reply(update, context, say("sv.related") + "\n" + body, markup)


async def _resend_attachments(update: Update, context: Ctx, attachments: Sequence[Attachment]) -> None:
    chat = chat_of(update)
    photos = [a for a in attachments if a.mime.startswith("image/")]
    documents = [a for a in attachments if not a.mime.startswith("image/")]
    try:
        if len(photos) > 1:
            await context.bot.send_media_group(chat.id, [InputMediaPhoto(a.file_id) for a in photos[:10]])
        elif photos:
            await context.bot.send_photo(chat.id, photos[0].file_id)
        for document in documents:
            await context.bot.send_document(chat.id, document.file_id)
    except TelegramError:
        # A file Telegram no longer serves must not hide the filing itself.
        await refuse(update, context, "sv.attachment_gone")


async def _action_buttons(update: Update, context: Ctx, ref: str) -> InlineKeyboardMarkup:
    user_id = user_of(update).id
    actions = await context.services.filings.queries.actions(ref, user_id)
    say = await words(update, context)
    rows = [
        [(say(f"sv.btn.{button}"), cb(Ns.SUPERVISE, button, ref))]
        for action, button in ACTION_BUTTONS.items()
        if action in actions
    ]
    viewer = await context.services.users.active(user_id)
    if viewer and viewer.role in SUPERVISING:
        rows.append(
            [
                (say(f"sv.btn.{Sv.NOTE}"), cb(Ns.SUPERVISE, Sv.NOTE, ref)),
                (say(f"sv.btn.{Sv.MSG}"), cb(Ns.SUPERVISE, Sv.MSG, ref)),
            ]
        )
    return keyboard(rows)


@supervisor
async def search(update: Update, context: Ctx, user: User) -> int:
    terms = [a for a in (context.args or []) if a.strip()]
    if not terms:
        await refuse(update, context, "sv.search_usage")
        return END
    service = context.services.filings
    say = await words(update, context)
    criteria = await _criteria(context, terms)
    found = await service.queries.search(user.telegram_id, **criteria) if criteria is not None else []
    preregs = (
        await service.queries.search_preregistrations(user.telegram_id, **criteria) if criteria is not None else []
    )
    if not found and not preregs:
        await reply(update, context, say("sv.search_none"))
        return END
    lines = [say("sv.search_title", n=len(found) + len(preregs))]
    lines += [views.list_line(say.cat, say.loc, service, f) for f in found[:20]]
    lines += [views.prereg_line(say.cat, say.loc, service, p) for p in preregs[:20]]
    refs = [f.ref for f in found] + [p.ref for p in preregs]
    rows = [[(say("view.btn_open", ref=ref), cb(Ns.SUPERVISE, Sv.VIEW, ref))] for ref in refs[:8]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return END


async def _criteria(context: Ctx, terms: list[str]) -> dict | None:
    """Search words → criteria: a reference, a cadre id, a state, a kind, dates, else a unit name.

    A state or a kind is taken as shown in either language ("待受理", "容错申请") or as its code;
    a date is a day of the deployment's zone (bot.clock.day_bounds), as every time is shown.
    """
    criteria: dict = {}
    days: list[date] = []
    words_: list[str] = []
    named_states, named_kinds = _search_names(context)
    for term in terms:
        if normalize_ref(term):
            criteria["ref"] = term
        elif term.isdigit():
            cadre_id = as_id(term)
            if cadre_id is None:
                return None
            criteria["cadre_id"] = cadre_id
        elif term in named_states:
            criteria["state"] = named_states[term]
        elif term in named_kinds:
            criteria["kind"] = named_kinds[term]
        else:
            try:
                days.append(date.fromisoformat(term))
            except ValueError:
                words_.append(term)
    if days:
        tz = context.services.filings.calendar.tz
        try:
            criteria["date_from"] = day_bounds(min(days), tz)[0]
        except OverflowError:  # the first or the last day there is: nothing was filed on it
            return None
        try:
            criteria["date_to"] = day_bounds(max(days), tz)[1]
        except OverflowError:  # 9999-12-31 has no next day: the end of time is as far as a search reaches
            criteria["date_to"] = datetime.max.replace(tzinfo=UTC)
    if words_:
        unit = await context.services.storage.units.by_name(" ".join(words_))
        if unit is None:
            return None
        criteria["unit_id"] = unit.id
    return criteria


def _search_names(context: Ctx) -> tuple[dict[str, str], dict[str, str]]:
    """Every name a supervisor may type for a state or a kind: the code, and its labels in each locale."""
    cat = context.services.catalogue
    all_states = dict.fromkeys((*states.REQUEST_STATES, *states.FEEDBACK_STATES))
    named_states: dict[str, str] = {}
    named_kinds: dict[str, str] = {}
    for loc in LOCALES:
        for state in all_states:
            for key in (f"filing.state.{state}", f"reports.state.{state}"):
                named_states.setdefault(cat.t(loc, key), state)
        for kind in ("request", "feedback"):
            named_kinds.setdefault(cat.t(loc, f"filing.kind.{kind}"), kind)
    named_states.update({str(state): state for state in all_states})
    named_kinds.update({"request": "request", "feedback": "feedback"})
    return named_states, named_kinds


# -- buttons on a filing ------------------------------------------------------------------------
Pressed = Callable[[Update, Ctx, User, str, Sv], Awaitable[int]]


async def _press_view(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    await _view(update, context, ref)
    return END


async def _press_accept(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    filing = await context.services.filings.workflow.accept(ref, user.telegram_id)
    say = await words(update, context)
    await reply(update, context, say("sv.accepted", ref=filing.ref), await _action_buttons(update, context, filing.ref))
    return END


async def _press_read(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    filing = await context.services.filings.workflow.mark_feedback_read(ref, user.telegram_id)
    say = await words(update, context)
    await reply(update, context, say("sv.read", ref=filing.ref), await _action_buttons(update, context, filing.ref))
    return END


async def _press_ack(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    prereg = await context.services.filings.submission.acknowledge_preregistration(ref, user.telegram_id)
    await tell(update, context, "sv.acknowledged", ref=prereg.ref)
    return END


async def _press_asks_text(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    queries = context.services.filings.queries
    await queries.get(ref, user.telegram_id)  # access check before asking for text
    needed = ASKS_TEXT[action]
    if needed and needed not in await queries.actions(ref, user.telegram_id):
        # Refuse a stale button now, before the supervisor types anything.
        raise FilingError("filing.error.illegal_transition")
    end_others(context.application, update, NAME)
    context.store[_PENDING] = {"action": str(action), "ref": ref}
    await tell(update, context, f"sv.type.{action}", ref=ref)
    return TYPING


async def _press_decide(update: Update, context: Ctx, user: User, ref: str, action: Sv) -> int:
    queries = context.services.filings.queries
    await queries.get(ref, user.telegram_id)  # access check first: "not found" for others
    if "decide" not in await queries.actions(ref, user.telegram_id):
        # Refuse a stale button now, not after the outcome, boundaries and a written reason.
        raise FilingError("filing.error.illegal_transition")
    await _start_decision(update, context, ref, item=None)
    return END


PRESSES: dict[str, Pressed] = {
    Sv.VIEW: _press_view,
    Sv.ACCEPT: _press_accept,
    Sv.READ: _press_read,
    Sv.ACK: _press_ack,
    **dict.fromkeys(ASKS_TEXT, _press_asks_text),
    Sv.DECIDE: _press_decide,
}


@supervisor
async def press(update: Update, context: Ctx, user: User) -> int:
    data = Callback.of(update)
    handler = PRESSES.get(data.action) if data else None
    if data is None or handler is None:
        await stale(update, context)
        return END
    return await handler(update, context, user, data.arg, Sv(data.action))


# -- decisions (also look-back corrections) ------------------------------------------------------
async def _start_decision(update: Update, context: Ctx, ref: str, item: int | None) -> None:
    filing = await context.services.filings.queries.get(ref, user_of(update).id)
    context.store[_PENDING] = {
        "action": DECIDE if item is None else CORRECT,
        "ref": filing.ref,
        "item": item,
        "boundaries": {k: True for k in BOUNDARY_KEYS},
        "distinctions": [],
    }
    say = await words(update, context)
    rows = [[(say(f"kb.outcome.{o}"), cb(Ns.DECISION, Decision.OUTCOME, o))] for o in states.OUTCOMES]
    await reply(update, context, say("sv.choose_outcome", ref=filing.ref), keyboard(rows))


def _choose_outcome(pending: dict, arg: str) -> bool:
    if arg not in states.OUTCOMES:
        return False
    pending["outcome"] = arg
    return True


def _toggle_boundary(pending: dict, arg: str) -> bool:
    if arg not in BOUNDARY_KEYS:
        return False
    pending["boundaries"][arg] = not pending["boundaries"][arg]
    return True


def _toggle_distinction(pending: dict, arg: str) -> bool:
    if arg not in ("1", "2", "3"):
        return False
    number, chosen = int(arg), pending["distinctions"]
    pending["distinctions"] = [d for d in chosen if d != number] if number in chosen else sorted([*chosen, number])
    return True


DECISION_TOGGLES: dict[str, Callable[[dict, str], bool]] = {
    Decision.OUTCOME: _choose_outcome,
    Decision.BOUNDARY: _toggle_boundary,
    Decision.DISTINCTION: _toggle_distinction,
}


@supervisor
async def decision_press(update: Update, context: Ctx, user: User) -> int:
    data = Callback.of(update)
    pending = context.stored(_PENDING, dict)
    if data is None or not pending or pending.get("action") not in (DECIDE, CORRECT):
        await stale(update, context)
        return END
    if data.action == Decision.OK and pending.get("outcome"):
        pending["step"] = "reason"
        end_others(context.application, update, NAME)
        await tell(update, context, "sv.type.reason", ref=pending["ref"])
        return TYPING
    toggle = DECISION_TOGGLES.get(data.action)
    if toggle is None or not toggle(pending, data.arg):
        await stale(update, context)
        return END
    await _decision_form(update, context, pending)
    return END


async def _decision_form(update: Update, context: Ctx, pending: dict) -> None:
    say = await words(update, context)
    kept, broken = say("kb.boundary_kept"), say("kb.boundary_broken")
    rows = [
        [(f"{say(f'kb.boundary_names.{k}')} {kept if v else broken}", cb(Ns.DECISION, Decision.BOUNDARY, k))]
        for k, v in pending["boundaries"].items()
    ]
    rows.append(
        [
            (
                ("☑ " if d in pending["distinctions"] else "☐ ") + say(f"kb.distinction_names.{d}"),
                cb(Ns.DECISION, Decision.DISTINCTION, d),
            )
            for d in (1, 2, 3)
        ]
    )
    rows.append([(say("sv.btn.next"), cb(Ns.DECISION, Decision.OK))])
    outcome = say(f"kb.outcome.{pending['outcome']}")
    await reply(update, context, say("sv.decision_form", ref=pending["ref"], outcome=outcome), keyboard(rows))


# -- typed texts --------------------------------------------------------------------------------
# Each takes what was typed for a pending action; None when it is done, else the state to stay in.
Typed = Callable[[Update, Ctx, User, dict, str], Awaitable[int | None]]


async def _typed_info(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.request_info(pending["ref"], user.telegram_id, text)


async def _typed_note(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.add_internal_note(pending["ref"], user.telegram_id, text)


async def _typed_message(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.message_cadre(pending["ref"], user.telegram_id, text)


async def _typed_feedback_answer(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.answer_feedback(pending["ref"], user.telegram_id, text)


async def _typed_forward(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.forward_feedback(pending["ref"], user.telegram_id, text)


async def _typed_decision(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    await context.services.filings.workflow.decide(
        pending["ref"], user.telegram_id, pending["outcome"], text, pending["boundaries"], pending["distinctions"]
    )


async def _typed_clearing(update: Update, context: Ctx, user: User, pending: dict, text: str) -> None:
    cadre_id = int(pending["ref"])
    await context.services.clearing.issue(user.telegram_id, cadre_id, text, await context.services.locale_for(cadre_id))


async def _typed_correction(update: Update, context: Ctx, user: User, pending: dict, text: str) -> int | None:
    """A correction takes two texts: its reason (checked at once), then the clearing note."""
    if pending.get("step") == "reason":
        pending.update(reason=context.services.filings.workflow.check_reason(text), step="clear")
        await tell(update, context, "sv.type.clear", ref=pending["ref"])
        return TYPING
    await context.services.lookback.correct(
        pending["item"],
        user.telegram_id,
        outcome=pending["outcome"],
        reason=pending["reason"],
        boundaries=pending["boundaries"],
        distinctions=pending["distinctions"],
        clearing_note=text,
    )
    return None


TYPED: dict[str, Typed] = {
    Sv.INFO: _typed_info,
    Sv.NOTE: _typed_note,
    Sv.MSG: _typed_message,
    Sv.ANSWER: _typed_feedback_answer,
    Sv.FORWARD: _typed_forward,
    DECIDE: _typed_decision,
    CLEARNOTE: _typed_clearing,
    CORRECT: _typed_correction,
}


# What they typed stays in their chat; a fixable text problem asks again, anything else ends.
@requires(*SUPERVISING, retry=TYPING)
async def typed(update: Update, context: Ctx, user: User) -> int:
    pending = context.stored(_PENDING, dict)
    handler = TYPED.get(pending["action"]) if pending else None
    if pending is None or handler is None or update.message is None:
        return END
    stay = await handler(update, context, user, pending, update.message.text or "")
    if stay is not None:
        return stay
    context.store.pop(_PENDING, None)
    await tell(update, context, f"sv.done.{pending['action']}", ref=pending["ref"])
    return END


@supervisor
async def clear_name(update: Update, context: Ctx, user: User) -> int:
    """/clear USER_ID: a report against this cadre was found untrue; record and tell them (澄清正名)."""
    args = context.args or []
    cadre_id = as_id(args[0]) if len(args) == 1 else None
    # Registered or not, in this unit or another: the same prompt, so /clear cannot be used to probe
    # which ids are registered. The service refuses an id out of reach once the note is written.
    if cadre_id is None:
        await refuse(update, context, "sv.clear_usage")
        return END
    end_others(context.application, update, NAME)
    context.store[_PENDING] = {"action": CLEARNOTE, "ref": args[0]}
    await tell(update, context, "sv.type.clearnote", ref=args[0])
    return TYPING


# -- look-back ----------------------------------------------------------------------------------
@supervisor
async def lookback(update: Update, context: Ctx, user: User) -> int:
    args = context.args or []
    say = await words(update, context)
    if args[:1] == ["draw"]:
        calendar = context.services.filings.calendar
        try:
            first, last = _period(args[1:], calendar.local_date(context.services.filings.clock.now()))
            start, end = day_bounds(first, calendar.tz)[0], day_bounds(last, calendar.tz)[1]
        except (ValueError, OverflowError):  # not a date, or 9999-12-31 (its next day does not exist)
            await reply(update, context, say("sv.lookback_usage"))
            return END
        run, items = await context.services.lookback.draw(user.telegram_id, start, end)
        # The days as drawn: local days of the deployment's zone, written as bot.clock.show writes them.
        shown_end = show(end - timedelta(minutes=1), calendar.tz)[:10]
        text = say(
            "sv.lookback_drawn",
            n=len(items),
            population=run.population,
            start=show(start, calendar.tz)[:10],
            end=shown_end,
        )
        await reply(update, context, text)
        return END
    items = await context.services.lookback.assigned_to(user.telegram_id)
    if not items:
        await reply(update, context, say("sv.lookback_none"))
        return END
    lines = [say("sv.lookback_title", n=len(items))]
    rows = []
    for item in items[:8]:
        outcome = say(f"filing.outcome.{item.original_outcome}") if item.original_outcome else "-"
        lines.append(say("sv.lookback_line", ref=item.filing_ref, outcome=outcome))
        rows.append(
            [
                (say("view.btn_open", ref=item.filing_ref), cb(Ns.SUPERVISE, Sv.VIEW, item.filing_ref)),
                (say("sv.btn.confirm"), cb(Ns.LOOKBACK, Lookback.CONFIRM, item.id)),
                (say("sv.btn.correct"), cb(Ns.LOOKBACK, Lookback.CORRECT, item.id)),
            ]
        )
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return END


def _period(args: list[str], today: date) -> tuple[date, date]:
    """The first and last day, both included; default: the last 30 days."""
    start = datetime.fromisoformat(args[0]).date() if args else today - timedelta(days=30)
    end = datetime.fromisoformat(args[1]).date() if len(args) > 1 else today
    if end < start:
        raise ValueError("end before start")
    return start, end


@supervisor
async def lookback_press(update: Update, context: Ctx, user: User) -> int:
    data = Callback.of(update)
    item_id = as_id(data.arg) if data else None
    if data is None or item_id is None:
        await stale(update, context)
        return END
    service = context.services.lookback
    if data.action == Lookback.CONFIRM:
        item = await service.confirm(item_id, user.telegram_id)
        await tell(update, context, "sv.lookback_confirmed", ref=item.filing_ref)
    elif data.action == Lookback.CORRECT:
        item = next((i for i in await service.assigned_to(user.telegram_id) if i.id == item_id), None)
        if item is None:
            await refuse(update, context, "lookback.error.not_assigned")
            return END
        await _start_decision(update, context, item.filing_ref, item=item_id)
    else:
        await stale(update, context)
    return END


def conversation_handler() -> ConversationHandler:
    on_filing = CallbackQueryHandler(press, pattern=pattern(Ns.SUPERVISE))
    on_decision = CallbackQueryHandler(decision_press, pattern=pattern(Ns.DECISION))
    return conversation(
        name=NAME,
        entry_points=[
            CommandHandler("queue", queue),
            CommandHandler("view", view_command),
            CommandHandler("search", search),
            CommandHandler("lookback", lookback),
            CommandHandler("clear", clear_name),
            CallbackQueryHandler(queue, pattern=pattern(Ns.MENU, "queue")),
            CallbackQueryHandler(lookback, pattern=pattern(Ns.MENU, "lookback")),
            on_filing,
            on_decision,
            CallbackQueryHandler(lookback_press, pattern=pattern(Ns.LOOKBACK)),
        ],
        states={
            TYPING: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed), on_filing, on_decision],
        },
        state_key=_PENDING,
    )
