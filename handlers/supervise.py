"""Supervisors: the queue, the whole filing, accepting, asking for information, deciding with
reasons, notes, feedback answers, pre-registration acknowledgements, search and look-back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.filing import states
from bot.filing.errors import FilingError
from bot.filing.references import normalize_ref
from handlers import filing_views as views
from handlers import knowledge_views, menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, as_id, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, keyboard, reply

TYPING = 0
SUPERVISORS = ("supervisor", "admin")
_PENDING = "sv_pending"
TEXT_ACTIONS = ("info", "note", "msg", "fans", "ffwd", "reason", "clear")
BOUNDARY_KEYS = states.BOUNDARIES


# -- queue, view, search ------------------------------------------------------------------------
async def queue(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *SUPERVISORS)
    if user is None:
        return ConversationHandler.END
    service = context.services.filings
    loc = await locale(update, context)
    cat = context.services.catalogue
    items = await service.queries.queue(user.telegram_id)
    if not items:
        await reply(update, context, cat.t(loc, "sv.queue_empty"))
        return ConversationHandler.END
    lines = [cat.t(loc, "sv.queue_title", n=len(items))]
    lines += [views.list_line(cat, loc, service, i.filing, overdue=i.overdue) for i in items[:20]]
    rows = [[(cat.t(loc, "view.btn_open", ref=i.filing.ref), cb("sv", "v", i.filing.ref))] for i in items[:8]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return ConversationHandler.END


async def view_command(update: Update, context: Ctx) -> int:
    if await require(update, context, *SUPERVISORS) is None:
        return ConversationHandler.END
    ref = normalize_ref((context.args or [""])[0]) if context.args else None
    if not ref:
        await reply(update, context, await t(update, context, "sv.view_usage"))
        return ConversationHandler.END
    await _view(update, context, ref)
    return ConversationHandler.END


async def _view(update: Update, context: Ctx, ref: str) -> None:
    user_id = update.effective_user.id
    service = context.services.filings
    loc = await locale(update, context)
    cat = context.services.catalogue
    try:
        filing = await service.queries.get(ref, user_id)
    except FilingError as exc:
        await reply(update, context, cat.t(loc, exc.key, **exc.values))
        return
    snapshot = context.services.knowledge.current
    attachments = await service.queries.attachments(ref, user_id)
    text = views.full(
        cat,
        loc,
        service,
        snapshot.kb,
        filing,
        await service.queries.history(ref, user_id),
        await service.queries.deadlines(ref, user_id),
        len(attachments),
    )
    await reply(update, context, text, await _action_buttons(update, context, filing.ref))
    await _resend_attachments(update, context, attachments)
    if filing.kind == "request":
        related = snapshot.matcher.related_cases(
            "\n".join(str(filing.body.get(k, "")) for k in ("what_happened", "consequences", "motive")), k=3
        )
        if related.hits:
            body, markup = knowledge_views.case_cards(cat, loc, snapshot.kb, related)
            await reply(update, context, cat.t(loc, "sv.related") + "\n" + body, markup)


async def _resend_attachments(update: Update, context: Ctx, attachments) -> None:
    chat = update.effective_chat
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
        await reply(update, context, await t(update, context, "sv.attachment_gone"))


async def _action_buttons(update: Update, context: Ctx, ref: str) -> InlineKeyboardMarkup:
    actions = await context.services.filings.queries.actions(ref, update.effective_user.id)
    loc = await locale(update, context)
    cat = context.services.catalogue
    labels = {
        "accept": "acc",
        "request_info": "info",
        "decide": "dec",
        "read": "read",
        "answer": "fans",
        "forward": "ffwd",
    }
    rows = [
        [(cat.t(loc, f"sv.btn.{code}"), cb("sv", code, ref))] for action, code in labels.items() if action in actions
    ]
    if await require_quiet(update, context):
        rows.append(
            [(cat.t(loc, "sv.btn.note"), cb("sv", "note", ref)), (cat.t(loc, "sv.btn.msg"), cb("sv", "msg", ref))]
        )
    return keyboard(rows)


async def require_quiet(update: Update, context: Ctx) -> bool:
    user = await context.services.users.active(update.effective_user.id)
    return bool(user and user.role in SUPERVISORS)


async def search(update: Update, context: Ctx) -> int:
    user = await require(update, context, *SUPERVISORS)
    if user is None:
        return ConversationHandler.END
    terms = [a for a in (context.args or []) if a.strip()]
    if not terms:
        await reply(update, context, await t(update, context, "sv.search_usage"))
        return ConversationHandler.END
    service = context.services.filings
    loc = await locale(update, context)
    cat = context.services.catalogue
    criteria = await _criteria(context, terms)
    found = await service.queries.search(user.telegram_id, **criteria) if criteria is not None else []
    if not found:
        await reply(update, context, cat.t(loc, "sv.search_none"))
        return ConversationHandler.END
    lines = [cat.t(loc, "sv.search_title", n=len(found))] + [views.list_line(cat, loc, service, f) for f in found[:20]]
    rows = [[(cat.t(loc, "view.btn_open", ref=f.ref), cb("sv", "v", f.ref))] for f in found[:8]]
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return ConversationHandler.END


async def _criteria(context: Ctx, terms: list[str]) -> dict | None:
    """Search words → criteria: a reference, a cadre id, a state, a kind, dates, else a unit name."""
    criteria: dict = {}
    dates: list[datetime] = []
    words: list[str] = []
    for term in terms:
        if normalize_ref(term):
            criteria["ref"] = term
        elif term.isdigit():
            cadre_id = as_id(term)
            if cadre_id is None:
                return None
            criteria["cadre_id"] = cadre_id
        elif term in states.REQUEST_STATES or term in states.FEEDBACK_STATES:
            criteria["state"] = term
        elif term in ("request", "feedback"):
            criteria["kind"] = term
        else:
            try:
                dates.append(datetime.fromisoformat(term).replace(tzinfo=UTC))
            except ValueError:
                words.append(term)
    if dates:
        criteria["date_from"] = min(dates)
        latest = max(dates)
        # 9999-12-31 + 1 day overflows; the end of time is as far as a search can reach.
        criteria["date_to"] = (
            latest + timedelta(days=1) if latest.date() < date.max else latest.replace(hour=23, minute=59, second=59)
        )
    if words:
        unit = await context.services.storage.units.by_name(" ".join(words))
        if unit is None:
            return None
        criteria["unit_id"] = unit.id
    return criteria


# -- buttons ------------------------------------------------------------------------------------
async def press(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *SUPERVISORS)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    if user is None:
        return ConversationHandler.END
    if data is None:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    service = context.services.filings
    ref = data.arg
    try:
        if data.action == "v":
            await _view(update, context, ref)
        elif data.action == "acc":
            filing = await service.workflow.accept(ref, user.telegram_id)
            await reply(
                update,
                context,
                await t(update, context, "sv.accepted", ref=filing.ref),
                await _action_buttons(update, context, filing.ref),
            )
        elif data.action == "read":
            filing = await service.workflow.mark_feedback_read(ref, user.telegram_id)
            await reply(
                update,
                context,
                await t(update, context, "sv.read", ref=filing.ref),
                await _action_buttons(update, context, filing.ref),
            )
        elif data.action == "ack":
            prereg = await service.submission.acknowledge_preregistration(ref, user.telegram_id)
            await reply(update, context, await t(update, context, "sv.acknowledged", ref=prereg.ref))
        elif data.action in ("info", "note", "msg", "fans", "ffwd"):
            await service.queries.get(ref, user.telegram_id)  # access check before asking for text
            needed = {"info": "request_info", "fans": "answer", "ffwd": "forward"}.get(data.action)
            if needed and needed not in await service.queries.actions(ref, user.telegram_id):
                # Refuse a stale button now, before the supervisor types anything.
                raise FilingError("filing.error.illegal_transition")
            end_others(context.application, update, "supervise")
            context.user_data[_PENDING] = {"action": data.action, "ref": ref}
            await reply(update, context, await t(update, context, f"sv.type.{data.action}", ref=ref))
            return TYPING
        elif data.action == "dec":
            await service.queries.get(ref, user.telegram_id)  # access check first: "not found" for others
            if "decide" not in await service.queries.actions(ref, user.telegram_id):
                # Refuse a stale button now, not after the outcome, boundaries and a written reason.
                raise FilingError("filing.error.illegal_transition")
            await _start_decision(update, context, ref, item=None)
        else:
            await reply(update, context, await t(update, context, "common.stale_button"))
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
    return ConversationHandler.END


# -- decisions (also look-back corrections) ------------------------------------------------------
async def _start_decision(update: Update, context: Ctx, ref: str, item: int | None) -> None:
    filing = await context.services.filings.queries.get(ref, update.effective_user.id)
    context.user_data[_PENDING] = {
        "action": "decide" if item is None else "correct",
        "ref": filing.ref,
        "item": item,
        "boundaries": {k: True for k in BOUNDARY_KEYS},
        "distinctions": [],
    }
    loc = await locale(update, context)
    cat = context.services.catalogue
    rows = [[(cat.t(loc, f"kb.outcome.{o}"), cb("dc", "o", o))] for o in states.OUTCOMES]
    await reply(update, context, cat.t(loc, "sv.choose_outcome", ref=filing.ref), keyboard(rows))


async def decision_press(update: Update, context: Ctx) -> int:
    await answer_query(update)
    if await require(update, context, *SUPERVISORS) is None:
        return ConversationHandler.END
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    pending = context.user_data.get(_PENDING)
    if data is None or not pending or pending.get("action") not in ("decide", "correct"):
        await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    if data.action == "o" and data.arg in states.OUTCOMES:
        pending["outcome"] = data.arg
    elif data.action == "b" and data.arg in BOUNDARY_KEYS:
        pending["boundaries"][data.arg] = not pending["boundaries"][data.arg]
    elif data.action == "d" and data.arg in ("1", "2", "3"):
        number = int(data.arg)
        chosen = pending["distinctions"]
        pending["distinctions"] = [d for d in chosen if d != number] if number in chosen else sorted([*chosen, number])
    elif data.action == "ok" and pending.get("outcome"):
        pending["step"] = "reason"
        end_others(context.application, update, "supervise")
        await reply(update, context, await t(update, context, "sv.type.reason", ref=pending["ref"]))
        return TYPING
    else:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    await _decision_form(update, context, pending)
    return ConversationHandler.END


async def _decision_form(update: Update, context: Ctx, pending: dict) -> None:
    loc = await locale(update, context)
    cat = context.services.catalogue
    kept, broken = cat.t(loc, "kb.boundary_kept"), cat.t(loc, "kb.boundary_broken")
    rows = [
        [(f"{cat.t(loc, f'kb.boundary_names.{k}')} {kept if v else broken}", cb("dc", "b", k))]
        for k, v in pending["boundaries"].items()
    ]
    rows.append(
        [
            (
                ("☑ " if d in pending["distinctions"] else "☐ ") + cat.t(loc, f"kb.distinction_names.{d}"),
                cb("dc", "d", d),
            )
            for d in (1, 2, 3)
        ][:3]
    )
    rows.append([(cat.t(loc, "sv.btn.next"), cb("dc", "ok"))])
    outcome = cat.t(loc, f"kb.outcome.{pending['outcome']}")
    await reply(update, context, cat.t(loc, "sv.decision_form", ref=pending["ref"], outcome=outcome), keyboard(rows))


async def typed(update: Update, context: Ctx) -> int:
    user = await require(update, context, *SUPERVISORS)
    pending = context.user_data.get(_PENDING)
    if user is None or pending is None or update.message is None:
        return ConversationHandler.END
    text = update.message.text or ""
    service = context.services.filings
    action, ref = pending["action"], pending["ref"]
    try:
        if action == "info":
            await service.workflow.request_info(ref, user.telegram_id, text)
        elif action == "note":
            await service.workflow.add_internal_note(ref, user.telegram_id, text)
        elif action == "msg":
            await service.workflow.message_cadre(ref, user.telegram_id, text)
        elif action == "fans":
            await service.workflow.answer_feedback(ref, user.telegram_id, text)
        elif action == "ffwd":
            await service.workflow.forward_feedback(ref, user.telegram_id, text)
        elif action == "decide":
            await service.workflow.decide(
                ref, user.telegram_id, pending["outcome"], text, pending["boundaries"], pending["distinctions"]
            )
        elif action == "clearnote":
            cadre_id = int(ref)
            await context.services.clearing.issue(
                user.telegram_id, cadre_id, text, await context.services.locale_for(cadre_id)
            )
        elif action == "correct" and pending.get("step") == "reason":
            reason = states.clean_message(text, service.limits.text_max, "filing.error.reason_required")
            if len(reason) < service.limits.reason_min:
                raise FilingError("filing.error.reason_too_short", limit=service.limits.reason_min)
            pending.update(reason=reason, step="clear")
            await reply(update, context, await t(update, context, "sv.type.clear", ref=ref))
            return TYPING
        elif action == "correct":
            await context.services.lookback.correct(
                pending["item"],
                user.telegram_id,
                outcome=pending["outcome"],
                reason=pending["reason"],
                boundaries=pending["boundaries"],
                distinctions=pending["distinctions"],
                clearing_note=text,
            )
        else:
            return ConversationHandler.END
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        # What they typed stays in their chat; a fixable text problem asks again, anything else ends.
        return TYPING if exc.fixable else ConversationHandler.END
    context.user_data.pop(_PENDING, None)
    await reply(update, context, await t(update, context, f"sv.done.{action}", ref=ref))
    return ConversationHandler.END


async def clear_name(update: Update, context: Ctx) -> int:
    """/clear USER_ID: a report against this cadre was found untrue; record and tell them (澄清正名)."""
    if await require(update, context, *SUPERVISORS) is None:
        return ConversationHandler.END
    args = context.args or []
    cadre_id = as_id(args[0]) if len(args) == 1 else None
    # Registered or not, in this unit or another: the same prompt, so /clear cannot be used to probe
    # which ids are registered. The service refuses an id out of reach once the note is written.
    if cadre_id is None:
        await reply(update, context, await t(update, context, "sv.clear_usage"))
        return ConversationHandler.END
    end_others(context.application, update, "supervise")
    context.user_data[_PENDING] = {"action": "clearnote", "ref": args[0]}
    await reply(update, context, await t(update, context, "sv.type.clearnote", ref=args[0]))
    return TYPING


# -- look-back ----------------------------------------------------------------------------------
async def lookback(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *SUPERVISORS)
    if user is None:
        return ConversationHandler.END
    args = context.args or []
    loc = await locale(update, context)
    cat = context.services.catalogue
    if args[:1] == ["draw"]:
        try:
            start, end = _period(args[1:])
        except (ValueError, OverflowError):  # not a date, or 9999-12-31 (its next day does not exist)
            await reply(update, context, cat.t(loc, "sv.lookback_usage"))
            return ConversationHandler.END
        try:
            run, items = await context.services.lookback.draw(user.telegram_id, start, end)
        except FilingError as exc:
            await reply(update, context, cat.t(loc, exc.key, **exc.values))
            return ConversationHandler.END
        await reply(
            update,
            context,
            cat.t(
                loc,
                "sv.lookback_drawn",
                n=len(items),
                population=run.population,
                start=start.date().isoformat(),
                end=(end - timedelta(days=1)).date().isoformat(),
            ),
        )
        return ConversationHandler.END
    items = await context.services.lookback.assigned_to(user.telegram_id)
    if not items:
        await reply(update, context, cat.t(loc, "sv.lookback_none"))
        return ConversationHandler.END
    lines = [cat.t(loc, "sv.lookback_title", n=len(items))]
    rows = []
    for item in items[:8]:
        lines.append(
            cat.t(
                loc,
                "sv.lookback_line",
                ref=item.filing_ref,
                outcome=cat.t(loc, f"filing.outcome.{item.original_outcome}") if item.original_outcome else "-",
            )
        )
        rows.append(
            [
                (cat.t(loc, "view.btn_open", ref=item.filing_ref), cb("sv", "v", item.filing_ref)),
                (cat.t(loc, "sv.btn.confirm"), cb("lb", "ok", item.id)),
                (cat.t(loc, "sv.btn.correct"), cb("lb", "fix", item.id)),
            ]
        )
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return ConversationHandler.END


def _period(args: list[str]) -> tuple[datetime, datetime]:
    """[from, to] as dates; default: the last 30 days. The end is exclusive, so +1 day."""
    today = datetime.now(UTC).date()
    start = datetime.fromisoformat(args[0]).date() if args else today - timedelta(days=30)
    end = datetime.fromisoformat(args[1]).date() if len(args) > 1 else today
    if end < start:
        raise ValueError("end before start")
    return (
        datetime.combine(start, datetime.min.time(), UTC),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC),
    )


async def lookback_press(update: Update, context: Ctx) -> int:
    await answer_query(update)
    user = await require(update, context, *SUPERVISORS)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    item_id = as_id(data.arg) if data else None
    if user is None or item_id is None:
        if user is not None:
            await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    try:
        if data.action == "ok":
            item = await context.services.lookback.confirm(item_id, user.telegram_id)
            await reply(update, context, await t(update, context, "sv.lookback_confirmed", ref=item.filing_ref))
        elif data.action == "fix":
            item = next(
                (i for i in await context.services.lookback.assigned_to(user.telegram_id) if i.id == item_id), None
            )
            if item is None:
                await reply(update, context, await t(update, context, "lookback.error.not_assigned"))
                return ConversationHandler.END
            await _start_decision(update, context, item.filing_ref, item=item_id)
        else:
            await reply(update, context, await t(update, context, "common.stale_button"))
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
    return ConversationHandler.END


def register(app: Application) -> None:
    app.add_handler(
        conversation(
            name="supervise",
            entry_points=[
                CommandHandler("queue", queue),
                CommandHandler("view", view_command),
                CommandHandler("search", search),
                CommandHandler("lookback", lookback),
                CommandHandler("clear", clear_name),
                CallbackQueryHandler(queue, pattern=r"^m:queue:"),
                CallbackQueryHandler(lookback, pattern=r"^m:lookback:"),
                CallbackQueryHandler(press, pattern=pattern("sv")),
                CallbackQueryHandler(decision_press, pattern=pattern("dc")),
                CallbackQueryHandler(lookback_press, pattern=pattern("lb")),
            ],
            states={
                TYPING: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
                    CallbackQueryHandler(press, pattern=pattern("sv")),
                    CallbackQueryHandler(decision_press, pattern=pattern("dc")),
                ],
            },
            state_key=_PENDING,
        )
    )
    menu.register("queue", set(SUPERVISORS))
    menu.register("lookback", set(SUPERVISORS))
