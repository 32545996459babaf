"""Admins: the knowledge base from chat — upload with diff and confirm, history, rollback, export, edit."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.clock import show
from bot.i18n import Html
from bot.kb import admin as kb_admin
from bot.kb import case_drafts
from bot.kb.admin import KbAdminError, SectionDiff
from handlers import knowledge_views
from handlers.callback_data import Callback, KbAdmin, KbEdit, Ns, as_id, cb, pattern
from handlers.context import Ctx, chat_of
from handlers.conversations import conversation, end_others
from handlers.guards import END, refuse, requires, stale
from handlers.reply import answer_query, keyboard, reply
from handlers.texts import Words, t, tell, words
from storage.records import Role, User

MAX_PROBLEMS_SHOWN = 15
# The /kb edit conversation's states: pick the field, then type its new value.
EDIT_FIELD, EDIT_VALUE = range(2)
NAME = "kb_edit"

admin_only = requires(Role.ADMIN)


@admin_only
async def kb_command(update: Update, context: Ctx, admin: User) -> int:
    args = context.args or []
    if args[:1] == ["edit"]:
        return await _edit_start(update, context, args[1] if len(args) > 1 else "")
    if args[:1] == ["history"]:
        await _history(update, context)
        return END
    if args[:1] == ["export"]:
        await _export(update, context, as_id(args[1]) if len(args) > 1 else None)
        return END
    snap = context.services.knowledge.current
    rows = [
        [
            (await t(update, context, "kbadmin.btn_history"), cb(Ns.KB_ADMIN, KbAdmin.HISTORY)),
            (await t(update, context, "kbadmin.btn_export"), cb(Ns.KB_ADMIN, KbAdmin.EXPORT)),
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
    return END


async def upload(update: Update, context: Ctx) -> None:
    message = update.message
    assert message is not None and message.document is not None
    user = await context.services.users.get(update.effective_user.id) if update.effective_user else None
    if user is None or not user.active or user.role != Role.ADMIN:
        await refuse(update, context, "kbadmin.doc_not_expected")
        return
    admin = context.services.kb_admin
    document = message.document
    # Refuse before downloading: the size Telegram reports is enough to say no.
    if document.file_size and document.file_size > admin.max_bytes:
        await refuse(update, context, "kbadmin.too_big", limit=admin.max_bytes // 1_000_000)
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
        await refuse(update, context, "kbadmin.no_changes")
        return
    say = await words(update, context)
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
            named = say.join(_field(say, name) for name in fields)
            lines.append(await t(update, context, "kbadmin.diff_changed", id=entry_id, fields=named))
        if change.removed:
            lines.append(await t(update, context, "kbadmin.diff_removed", ids=", ".join(change.removed[:30])))
    rows = [
        [
            (await t(update, context, "kbadmin.btn_apply"), cb(Ns.KB_ADMIN, KbAdmin.APPLY, staged_id)),
            (await t(update, context, "kbadmin.btn_discard"), cb(Ns.KB_ADMIN, KbAdmin.DROP, staged_id)),
        ]
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows))


async def _apply(update: Update, context: Ctx, admin: User, number: int) -> None:
    version = await context.services.kb_admin.apply(number, admin.telegram_id)
    await tell(update, context, "kbadmin.applied", version=version.id)


async def _drop(update: Update, context: Ctx, admin: User, number: int) -> None:
    await tell(
        update, context, "kbadmin.discarded" if await context.services.kb_admin.discard(number) else "kbadmin.gone"
    )


async def _history_pressed(update: Update, context: Ctx, admin: User, number: int) -> None:
    await _history(update, context)


async def _export_pressed(update: Update, context: Ctx, admin: User, number: int) -> None:
    await _export(update, context, None)


async def _rollback_asked(update: Update, context: Ctx, admin: User, number: int) -> None:
    say = await words(update, context)
    rows = [[(say("kbadmin.btn_confirm_rollback"), cb(Ns.KB_ADMIN, KbAdmin.ROLLBACK_OK, number))]]
    await reply(update, context, say("kbadmin.rollback_confirm", id=number), keyboard(rows))


async def _rollback(update: Update, context: Ctx, admin: User, number: int) -> None:
    version = await context.services.kb_admin.rollback(number, admin.telegram_id)
    await tell(update, context, "kbadmin.rolled_back", target=number, version=version.id)


# A press on /kb's buttons: (update, context, admin, the number it carries or -1).
Pressed = Callable[[Update, Ctx, User, int], Awaitable[None]]

PRESSES: dict[str, Pressed] = {
    KbAdmin.APPLY: _apply,
    KbAdmin.DROP: _drop,
    KbAdmin.HISTORY: _history_pressed,
    KbAdmin.EXPORT: _export_pressed,
    KbAdmin.ROLLBACK: _rollback_asked,
    KbAdmin.ROLLBACK_OK: _rollback,
}


@admin_only
async def press(update: Update, context: Ctx, admin: User) -> None:
    data = Callback.of(update)
    run = PRESSES.get(data.action) if data else None
    if data is None or run is None:
        await stale(update, context)
        return
    number = as_id(data.arg)
    await run(update, context, admin, -1 if number is None else number)


async def _history(update: Update, context: Ctx) -> None:
    await answer_query(update)
    versions = await context.services.kb_admin.history()
    current = context.services.knowledge.current.version
    say = await words(update, context)
    tz = context.services.filings.calendar.tz
    lines = [say("kbadmin.history_title")]
    for v in versions:
        line = say(
            "kbadmin.history_line",
            id=v.id,
            at=show(v.created_at, tz),
            author=v.author or say("kbadmin.system"),
            comment=_comment(say, v.comment),
        )
        lines.append(line)
    rows = [
        [(await t(update, context, "kbadmin.btn_rollback", id=v.id), cb(Ns.KB_ADMIN, KbAdmin.ROLLBACK, v.id))]
        for v in versions[:6]
        if v.id != current
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows))


def _comment(say: Words, comment: str | None) -> str:
    found = kb_admin.comment_key(comment or "")
    if found is None:
        return comment or "-"
    key, values = found
    if "field" in values:
        values["field"] = _field(say, values["field"])
    return say(f"kbadmin.comments.{key}", **values)


def _field(say: Words, name: str) -> str:
    return say(f"kbadmin.fields.{name}") if say.cat.has(f"kbadmin.fields.{name}") else name


async def _export(update: Update, context: Ctx, version_id: int | None) -> None:
    kb = await context.services.kb_admin.version_kb(version_id)
    chat = chat_of(update)
    version = version_id or context.services.knowledge.current.version
    await reply(update, context, await t(update, context, "kbadmin.exported", version=version))
    with tempfile.TemporaryDirectory() as tmp:
        for path in kb_admin.export(kb, Path(tmp)):
            await context.bot.send_document(chat.id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))


# -- /kb edit ID --------------------------------------------------------------------------------
async def _edit_start(update: Update, context: Ctx, entry_id: str) -> int:
    if not entry_id:
        await refuse(update, context, "kbadmin.edit_usage")
        return END
    found = kb_admin.find_entry(context.services.knowledge.current.kb, entry_id)
    if found is None:
        await refuse(update, context, "kbadmin.edit_not_found", id=entry_id)
        return END
    section, entry = found
    end_others(context.application, update, NAME)
    context.store["kb_edit"] = {"id": entry_id}
    say = await words(update, context)
    fields = kb_admin.EDITABLE_FIELDS[section]
    preview = Html(
        "\n".join(say("kbadmin.edit_line", field=_field(say, n), value=str(getattr(entry, n))[:300]) for n in fields)
    )
    rows = [[(_field(say, name), cb(Ns.KB_EDIT, KbEdit.FIELD, name))] for name in fields]
    await reply(update, context, say("kbadmin.edit_choose", id=entry_id, preview=preview), keyboard(rows))
    return EDIT_FIELD


@admin_only
async def edit_field(update: Update, context: Ctx, admin: User) -> int:
    data = Callback.of(update)
    state = context.stored("kb_edit", dict)
    if data is None or state is None:
        await stale(update, context)
        return END
    state["field"] = data.arg
    await tell(update, context, "kbadmin.edit_type", field=_field(await words(update, context), data.arg))
    return EDIT_VALUE


@admin_only
async def edit_value(update: Update, context: Ctx, admin: User) -> int:
    state = context.stored("kb_edit", dict)
    if state is None or update.message is None or update.message.text is None:
        return END
    service = context.services.kb_admin
    try:
        new_kb = kb_admin.edit(
            context.services.knowledge.current.kb, state["id"], state.get("field", ""), update.message.text
        )
    except KbAdminError as exc:
        await _problems(update, context, exc.problems)
        return EDIT_VALUE  # what they typed is in their chat; they can correct and resend
    staged_id, changes = await service.stage(admin.telegram_id, new_kb, f"edit {state['id']}.{state.get('field')}")
    context.store.pop("kb_edit", None)
    await _show_diff(update, context, staged_id, changes)
    return END


@admin_only
async def draft_case(update: Update, context: Ctx, admin: User) -> None:
    """/draftcase REF: a decided request becomes a staged guiding case, published only on confirmation."""
    args = context.args or []
    if len(args) != 1:
        await refuse(update, context, "kbadmin.draft_usage")
        return
    services = context.services
    filing = await services.filings.queries.get(args[0], admin.telegram_id)
    if filing.kind != "request" or not filing.decision:
        await refuse(update, context, "kbadmin.draft_not_decided", ref=filing.ref)
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
    say = await words(update, context)
    review = say("kbadmin.draft_review", id=draft.id) + "\n\n" + knowledge_views.case_full(say.cat, say.loc, draft)
    await reply(update, context, review)
    await _show_diff(update, context, staged_id, changes)


def conversation_handler() -> ConversationHandler:
    return conversation(
        name=NAME,
        entry_points=[
            CommandHandler("kb", kb_command),
            CallbackQueryHandler(kb_command, pattern=pattern(Ns.MENU, "kb")),
        ],
        states={
            EDIT_FIELD: [CallbackQueryHandler(edit_field, pattern=pattern(Ns.KB_EDIT))],
            EDIT_VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, edit_value)],
        },
        state_key="kb_edit",
    )
