"""Admins: the knowledge base from chat — upload with diff and confirm, history, rollback, export, edit."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from telegram import InputFile, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.filing.errors import FilingError
from bot.kb import admin as kb_admin
from bot.kb import case_drafts
from bot.kb.admin import KbAdminError, KbStateError, SectionDiff
from handlers import knowledge_views, menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, as_id, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, keyboard, reply

MAX_PROBLEMS_SHOWN = 15
EDIT_FIELD, EDIT_VALUE = range(2)


async def kb_command(update: Update, context: Ctx) -> int:
    admin = await require(update, context, "admin")
    if admin is None:
        return ConversationHandler.END
    args = context.args or []
    if args[:1] == ["edit"]:
        return await _edit_start(update, context, args[1] if len(args) > 1 else "")
    if args[:1] == ["history"]:
        await _history(update, context)
        return ConversationHandler.END
    if args[:1] == ["export"]:
        await _export(update, context, as_id(args[1]) if len(args) > 1 else None)
        return ConversationHandler.END
    await answer_query(update)
    snap = context.services.knowledge.current
    rows = [
        [
            (await t(update, context, "kbadmin.btn_history"), cb("kbm", "hist")),
            (await t(update, context, "kbadmin.btn_export"), cb("kbm", "export")),
        ]
    ]
    await reply(
        update,
        context,
        await t(
            update,
            context,
            "kbadmin.status",
            version=snap.version,
            articles=len(snap.kb.articles),
            faq=len(snap.kb.faq),
            cases=len(snap.kb.cases),
        ),
        keyboard(rows),
    )
    return ConversationHandler.END


async def upload(update: Update, context: Ctx) -> None:
    message = update.message
    assert message is not None and message.document is not None
    user = await context.services.users.get(update.effective_user.id) if update.effective_user else None
    if user is None or not user.active or user.role != "admin":
        await reply(update, context, await t(update, context, "kbadmin.doc_not_expected"))
        return
    admin = context.services.kb_admin
    document = message.document
    # Refuse before downloading: the size Telegram reports is enough to say no.
    if document.file_size and document.file_size > admin.max_bytes:
        await reply(update, context, await t(update, context, "kbadmin.too_big", limit=admin.max_bytes // 1_000_000))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        staged_id, changes = await admin.stage_upload(user.telegram_id, document.file_name or "upload", data)
    except KbAdminError as exc:
        await _problems(update, context, exc.problems)
        return
    await _show_diff(update, context, staged_id, changes)


async def _problems(update: Update, context: Ctx, problems: list[str]) -> None:
    lines = [await t(update, context, "kbadmin.invalid", n=len(problems))]
    lines += [await t(update, context, "kbadmin.problem_line", line=p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(await t(update, context, "kbadmin.more_problems", n=len(problems) - MAX_PROBLEMS_SHOWN))
    await reply(update, context, "\n".join(lines))


async def _show_diff(update: Update, context: Ctx, staged_id: int, changes: list[SectionDiff]) -> None:
    if not changes:
        await context.services.kb_admin.discard(staged_id)
        await reply(update, context, await t(update, context, "kbadmin.no_changes"))
        return
    lines = [await t(update, context, "kbadmin.diff_title", version=context.services.knowledge.current.version)]
    for change in changes:
        lines.append(
            await t(
                update,
                context,
                "kbadmin.diff_section",
                section=await t(update, context, f"kbadmin.sections.{change.section}"),
                added=len(change.added),
                changed=len(change.changed),
                removed=len(change.removed),
            )
        )
        if change.added:
            lines.append(await t(update, context, "kbadmin.diff_added", ids=", ".join(change.added[:30])))
        for entry_id, fields in list(change.changed.items())[:30]:
            lines.append(await t(update, context, "kbadmin.diff_changed", id=entry_id, fields=", ".join(fields)))
        if change.removed:
            lines.append(await t(update, context, "kbadmin.diff_removed", ids=", ".join(change.removed[:30])))
    rows = [
        [
            (await t(update, context, "kbadmin.btn_apply"), cb("kbm", "apply", staged_id)),
            (await t(update, context, "kbadmin.btn_discard"), cb("kbm", "drop", staged_id)),
        ]
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows))


async def press(update: Update, context: Ctx) -> None:
    await answer_query(update)
    admin = await require(update, context, "admin")
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    if admin is None:
        return
    if data is None:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return
    service = context.services.kb_admin
    number = as_id(data.arg)
    number = -1 if number is None else number
    try:
        if data.action == "apply":
            version = await service.apply(number, admin.telegram_id)
            await reply(update, context, await t(update, context, "kbadmin.applied", version=version.id))
        elif data.action == "drop":
            key = "kbadmin.discarded" if await service.discard(number) else "kbadmin.gone"
            await reply(update, context, await t(update, context, key))
        elif data.action == "hist":
            await _history(update, context)
        elif data.action == "export":
            await _export(update, context, None)
        elif data.action == "rb":
            rows = [[(await t(update, context, "kbadmin.btn_confirm_rollback"), cb("kbm", "rbok", number))]]
            await reply(
                update, context, await t(update, context, "kbadmin.rollback_confirm", id=number), keyboard(rows)
            )
        elif data.action == "rbok":
            version = await service.rollback(number, admin.telegram_id)
            await reply(
                update, context, await t(update, context, "kbadmin.rolled_back", target=number, version=version.id)
            )
        else:
            await reply(update, context, await t(update, context, "common.stale_button"))
    except KbStateError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))


async def _history(update: Update, context: Ctx) -> None:
    await answer_query(update)
    versions = await context.services.kb_admin.history()
    current = context.services.knowledge.current.version
    lines = [await t(update, context, "kbadmin.history_title")]
    system = await t(update, context, "kbadmin.system")
    for v in versions:
        lines.append(
            await t(
                update,
                context,
                "kbadmin.history_line",
                id=v.id,
                at=v.created_at[:16].replace("T", " "),
                author=v.author or system,
                comment=v.comment or "-",
            )
        )
    rows = [
        [(await t(update, context, "kbadmin.btn_rollback", id=v.id), cb("kbm", "rb", v.id))]
        for v in versions[:6]
        if v.id != current
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows))


async def _export(update: Update, context: Ctx, version_id: int | None) -> None:
    service = context.services.kb_admin
    try:
        kb = await service.version_kb(version_id)
    except KbStateError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return
    chat = update.effective_chat
    assert chat is not None
    version = version_id or context.services.knowledge.current.version
    await reply(update, context, await t(update, context, "kbadmin.exported", version=version))
    with tempfile.TemporaryDirectory() as tmp:
        for path in kb_admin.export(kb, Path(tmp)):
            await context.bot.send_document(chat.id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))


# -- /kb edit ID --------------------------------------------------------------------------------
async def _edit_start(update: Update, context: Ctx, entry_id: str) -> int:
    if not entry_id:
        await reply(update, context, await t(update, context, "kbadmin.edit_usage"))
        return ConversationHandler.END
    found = kb_admin.find_entry(context.services.knowledge.current.kb, entry_id)
    if found is None:
        await reply(update, context, await t(update, context, "kbadmin.edit_not_found", id=entry_id))
        return ConversationHandler.END
    section, entry = found
    end_others(context.application, update, "kb_edit")
    context.user_data["kb_edit"] = {"id": entry_id}
    preview = "\n".join(f"{name}: {str(getattr(entry, name))[:300]}" for name in kb_admin.EDITABLE_FIELDS[section])
    rows = [[(name, cb("kbe", "f", name))] for name in kb_admin.EDITABLE_FIELDS[section]]
    await reply(
        update, context, await t(update, context, "kbadmin.edit_choose", id=entry_id, preview=preview), keyboard(rows)
    )
    return EDIT_FIELD


async def edit_field(update: Update, context: Ctx) -> int:
    await answer_query(update)
    if await require(update, context, "admin") is None:
        return ConversationHandler.END
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    state = context.user_data.get("kb_edit")
    if data is None or state is None:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return ConversationHandler.END
    state["field"] = data.arg
    await reply(update, context, await t(update, context, "kbadmin.edit_type", field=data.arg))
    return EDIT_VALUE


async def edit_value(update: Update, context: Ctx) -> int:
    admin = await require(update, context, "admin")
    state = context.user_data.get("kb_edit")
    if admin is None or state is None or update.message is None or update.message.text is None:
        return ConversationHandler.END
    service = context.services.kb_admin
    try:
        new_kb = kb_admin.edit(
            context.services.knowledge.current.kb, state["id"], state.get("field", ""), update.message.text
        )
    except KbAdminError as exc:
        await _problems(update, context, exc.problems)
        return EDIT_VALUE  # what they typed is in their chat; they can correct and resend
    staged_id, changes = await service.stage(admin.telegram_id, new_kb, f"edit {state['id']}.{state.get('field')}")
    context.user_data.pop("kb_edit", None)
    await _show_diff(update, context, staged_id, changes)
    return ConversationHandler.END


async def draft_case(update: Update, context: Ctx) -> None:
    """/draftcase REF: a decided request becomes a staged guiding case, published only on confirmation."""
    admin = await require(update, context, "admin")
    if admin is None:
        return
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, await t(update, context, "kbadmin.draft_usage"))
        return
    services = context.services
    try:
        filing = await services.filings.queries.get(args[0], admin.telegram_id)
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return
    if filing.kind != "request" or not filing.decision:
        await reply(update, context, await t(update, context, "kbadmin.draft_not_decided", ref=filing.ref))
        return
    # Every known user's name is hidden, not only the cadre's: the reason may name the supervisor.
    names = [user.display_name for user in await services.users.list()]
    snapshot = services.knowledge.current
    draft = case_drafts.draft_from_filing(
        filing,
        snapshot.matcher,
        names,
        await t(update, context, "kbadmin.lessons_placeholder"),
        (await t(update, context, "kbadmin.fallback_keywords")).split(","),
    )
    cases = [c for c in snapshot.kb.cases if c.id != draft.id] + [draft]
    staged_id, changes = await services.kb_admin.stage(
        admin.telegram_id, kb_admin.replace(snapshot.kb, "cases", cases), f"case from {filing.ref}"
    )
    loc = await locale(update, context)
    await reply(
        update,
        context,
        await t(update, context, "kbadmin.draft_review", id=draft.id)
        + "\n\n"
        + knowledge_views.case_full(services.catalogue, loc, draft),
    )
    await _show_diff(update, context, staged_id, changes)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("draftcase", draft_case))
    app.add_handler(
        conversation(
            name="kb_edit",
            entry_points=[CommandHandler("kb", kb_command), CallbackQueryHandler(kb_command, pattern=r"^m:kb:")],
            states={
                EDIT_FIELD: [CallbackQueryHandler(edit_field, pattern=pattern("kbe"))],
                EDIT_VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, edit_value)],
            },
            state_key="kb_edit",
        )
    )
    app.add_handler(CallbackQueryHandler(press, pattern=pattern("kbm")))
    menu.register("kb", {"admin"})


def register_uploads(app: Application) -> None:
    """After the filing conversations, which take documents as evidence while they run."""
    app.add_handler(MessageHandler(filters.Document.ALL, upload))
