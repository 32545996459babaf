"""Cadres file a tolerance request (/apply), secondment feedback (/feedback) or an emergency
pre-registration (/report): step by step, saved at every step, previewed, then submitted once."""

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

from bot.filing import forms
from bot.filing.drafts import submit_key
from bot.filing.errors import FilingError
from bot.users import FILERS
from handlers import menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, edit_or_reply, keyboard, reply

FILLING = 0
KINDS = {"r": "request", "f": "feedback", "p": "prereg"}
CODES = {kind: code for code, kind in KINDS.items()}
_ACTIVE = "form"
_RETURN = "_return"  # the step was opened from the preview: go back there after it


# -- entry points -------------------------------------------------------------------------------
async def start_request(update: Update, context: Ctx) -> int:
    return await _start(update, context, "request")


async def start_feedback(update: Update, context: Ctx) -> int:
    return await _start(update, context, "feedback")


async def start_prereg(update: Update, context: Ctx) -> int:
    return await _start(update, context, "prereg")


async def cite_case(update: Update, context: Ctx) -> int:
    """'File a request citing this case' on a case card."""
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    case_id = data.arg if data else ""
    return await _start(update, context, "request", cite=case_id)


async def _start(update: Update, context: Ctx, kind: str, cite: str = "") -> int:
    await answer_query(update)
    user = await require(update, context, *FILERS)
    if user is None:
        return ConversationHandler.END
    service = context.services.filings
    try:
        await service.submission.may_file(user.telegram_id, kind)
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return ConversationHandler.END
    draft = await service.drafts.load(user.telegram_id, kind)
    context.user_data[_ACTIVE] = kind
    if draft is not None:
        data = dict(draft.data)
        if cite and cite not in data.get("cited_cases", []) and context.services.knowledge.current.kb.case(cite):
            data["cited_cases"] = [*data.get("cited_cases", []), cite]
            await service.drafts.save(user.telegram_id, kind, draft.step, data)
        await reply(update, context, await t(update, context, "form.resumed"))
        return await _show(update, context, kind, draft.step)
    data: dict = {"cited_cases": [cite]} if cite and context.services.knowledge.current.kb.case(cite) else {}
    if kind == "request" and update.callback_query and update.callback_query.data == "m:apply:sc":
        data["_from_selfcheck"] = True
    first = forms.steps(kind)[0].name
    await service.drafts.save(user.telegram_id, kind, first, data)
    await reply(update, context, await t(update, context, f"form.{kind}.intro"))
    return await _show(update, context, kind, first)


async def resume(update: Update, context: Ctx) -> int:
    user = await require(update, context, *FILERS)
    if user is None:
        return ConversationHandler.END
    drafts = await context.services.filings.drafts.of_user(user.telegram_id)
    if not drafts:
        await reply(update, context, await t(update, context, "form.no_drafts"))
        return ConversationHandler.END
    if len(drafts) == 1:
        context.user_data[_ACTIVE] = drafts[0].kind
        return await _show(update, context, drafts[0].kind, drafts[0].step)
    rows = [[(await t(update, context, f"filing.kind.{d.kind}"), cb("fm", "go", CODES[d.kind]))] for d in drafts]
    await reply(update, context, await t(update, context, "form.choose_draft"), keyboard(rows))
    return FILLING


# -- showing a step -----------------------------------------------------------------------------
async def _show(update: Update, context: Ctx, kind: str, name: str) -> int:
    """Ask for step ``name`` (skipping steps that do not apply to this user) and save where we are."""
    end_others(context.application, update, "filing_form")
    service = context.services.filings
    user_id = update.effective_user.id
    draft = await service.drafts.load(user_id, kind)
    data = dict(draft.data) if draft else {}
    while name != forms.PREVIEW and not await _applies(context, user_id, kind, name, data):
        name = forms.following(kind, name)
    await service.drafts.save(user_id, kind, name, data)
    if name == forms.PREVIEW:
        await _preview(update, context, kind, data)
        return FILLING
    step = forms.step(kind, name)
    assert step is not None
    loc = await locale(update, context)
    cat = context.services.catalogue
    code = CODES[kind]
    names = [s.name for s in forms.steps(kind)]
    lines = [cat.t(loc, "form.progress", n=names.index(name) + 1, total=len(names)), cat.t(loc, f"form.{kind}.{name}")]
    rows: list[list[tuple[str, str]]] = []
    if step.kind in ("long", "short") and data.get(name):
        lines.append(cat.t(loc, "form.current", value=data[name]))
    if step.kind == "choice":
        rows += [[(cat.t(loc, f"form.options.{name}.{o}"), cb("fm", "ch", f"{code}.{o}"))] for o in step.options]
    elif step.kind == "files":
        files = await service.drafts.attachments(user_id, kind)
        lines.append(
            cat.t(
                loc,
                "form.files_so_far",
                n=len(files),
                limit=service.limits.max_attachments,
                mb=service.limits.max_file_bytes // (1024 * 1024),
            )
        )
        rows.append([(cat.t(loc, "form.done"), cb("fm", "done", code))])
    elif step.kind in ("cases", "preregs"):
        text, toggles = await _choices(update, context, kind, name, data)
        lines.append(text)
        rows += toggles
        rows.append([(cat.t(loc, "form.done"), cb("fm", "done", code))])
    elif step.kind == "selfcheck":
        last = context.user_data.get("last_selfcheck") or {}
        indication = cat.t(loc, f"check.result.{last.get('indication', 'review')}")
        lines.append(cat.t(loc, "form.selfcheck_found", indication=indication))
        rows.append([(cat.t(loc, "check.yes"), cb("fm", "yes", code)), (cat.t(loc, "check.no"), cb("fm", "no", code))])
    elif step.kind == "consent":
        rows.append(
            [
                (cat.t(loc, "form.consent_yes"), cb("fm", "yes", code)),
                (cat.t(loc, "form.consent_no"), cb("fm", "no", code)),
            ]
        )
    nav = []
    if forms.previous(kind, name):
        nav.append((cat.t(loc, "common.back"), cb("fm", "back", code)))
    if step.optional and step.kind not in ("files", "cases", "preregs"):
        nav.append((cat.t(loc, "form.skip"), cb("fm", "skip", code)))
    if data.get(_RETURN):
        nav.append((cat.t(loc, "form.to_preview"), cb("fm", "pv", code)))
    rows.append(nav)
    lines.append(cat.t(loc, "form.cancel_hint"))
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return FILLING


async def _applies(context: Ctx, user_id: int, kind: str, name: str, data: dict) -> bool:
    step = forms.step(kind, name)
    if step is None:
        return False
    if step.kind == "preregs":
        return bool(await context.services.filings.queries.my_preregistrations(user_id))
    if step.kind == "selfcheck":
        return bool(context.user_data.get("last_selfcheck")) and "selfcheck" not in data
    return True


async def _choices(update: Update, context: Ctx, kind: str, name: str, data: dict) -> tuple[str, list]:
    loc = await locale(update, context)
    cat = context.services.catalogue
    code = CODES[kind]
    chosen = list(data.get(name, []))
    if name == "cited_cases":
        snapshot = context.services.knowledge.current
        text = "\n".join(str(data.get(f, "")) for f in ("what_happened", "consequences", "motive"))
        related = snapshot.matcher.related_cases(text, k=5)
        ids = list(dict.fromkeys([*chosen, *(h.id for h in related.hits)]))
        items = [(i, snapshot.kb.case(i)) for i in ids]
        items = [(i, c.title) for i, c in items if c is not None]
        intro = cat.t(loc, "form.cases_intro" if items else "form.cases_none")
    else:
        preregs = await context.services.filings.queries.my_preregistrations(update.effective_user.id)
        items = [(p.ref, f"{p.ref} {p.what[:16]}") for p in preregs[:8]]
        intro = cat.t(loc, "form.preregs_intro")
    rows = [[(("☑ " if i in chosen else "☐ ") + _short(title), cb("fm", "tk", f"{code}.{i}"))] for i, title in items]
    return intro, rows


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- answers ------------------------------------------------------------------------------------
async def on_text(update: Update, context: Ctx) -> int:
    kind, draft = await _active(update, context)
    if draft is None:
        return ConversationHandler.END
    step = forms.step(kind, draft.step)
    if step is None or step.kind not in ("long", "short"):
        await reply(update, context, await t(update, context, "form.use_buttons"))
        return FILLING
    service = context.services.filings
    try:
        value = forms.check_text(step, update.message.text, service.limits.text_max, service.limits.short_max)
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return FILLING
    data = dict(draft.data)
    data[step.name] = value
    return await _advance(update, context, kind, step.name, data)


async def on_file(update: Update, context: Ctx) -> int:
    kind, draft = await _active(update, context)
    if draft is None:
        return ConversationHandler.END
    step = forms.step(kind, draft.step)
    if step is None or step.kind != "files":
        await reply(update, context, await t(update, context, "form.file_not_now"))
        return FILLING
    message = update.message
    assert message is not None
    if message.photo:
        photo = message.photo[-1]
        file_id, unique, name, mime, size = (
            photo.file_id,
            photo.file_unique_id,
            "photo.jpg",
            "image/jpeg",
            photo.file_size,
        )
    elif message.document:
        doc = message.document
        file_id, unique, name = doc.file_id, doc.file_unique_id, doc.file_name or "document"
        mime, size = doc.mime_type or "", doc.file_size
    else:
        await reply(update, context, await t(update, context, "form.file_not_now"))
        return FILLING
    try:
        # Only Telegram's file id is kept: nothing is downloaded, so type and size are checked first.
        attachment = await context.services.filings.drafts.add_attachment(
            update.effective_user.id,
            kind,
            file_id=file_id,
            name=name,
            mime=mime,
            size=size or 0,
            file_unique_id=unique,
        )
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return FILLING
    count = len(await context.services.filings.drafts.attachments(update.effective_user.id, kind))
    rows = [[(await t(update, context, "form.done"), cb("fm", "done", CODES[kind]))]]
    await reply(
        update, context, await t(update, context, "form.file_added", name=attachment.name, n=count), keyboard(rows)
    )
    return FILLING


async def on_other(update: Update, context: Ctx) -> int:
    await reply(update, context, await t(update, context, "form.not_understood"))
    return FILLING


async def on_button(update: Update, context: Ctx) -> int:
    await answer_query(update)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    code, _, value = data.arg.partition(".") if data else ("", "", "")
    kind = KINDS.get(code)
    if data is None or kind is None:
        await reply(update, context, await t(update, context, "common.stale_button"))
        return FILLING
    if await require(update, context, *FILERS) is None:
        return ConversationHandler.END
    if data.action == "go":
        context.user_data[_ACTIVE] = kind
    service = context.services.filings
    user_id = update.effective_user.id
    draft = await service.drafts.load(user_id, kind)
    if draft is None:
        await reply(update, context, await t(update, context, "form.no_draft"))
        return ConversationHandler.END
    context.user_data[_ACTIVE] = kind
    draft_data = dict(draft.data)
    step = forms.step(kind, draft.step)
    action = data.action
    if action == "go":
        return await _show(update, context, kind, draft.step)
    if action == "back":
        return await _show(update, context, kind, forms.previous(kind, draft.step) or draft.step)
    if action == "pv":
        return await _show(update, context, kind, forms.PREVIEW)
    if action == "ed" and forms.step(kind, value):
        draft_data[_RETURN] = True
        await service.drafts.save(user_id, kind, value, draft_data)
        return await _show(update, context, kind, value)
    if action == "sub" and draft.step == forms.PREVIEW:
        return await _submit(update, context, kind)
    if action == "del":
        await service.drafts.discard(user_id, kind)
        context.user_data.pop(_ACTIVE, None)
        await reply(update, context, await t(update, context, "form.discarded"))
        return ConversationHandler.END
    if step is None:  # a button from a step already left
        await reply(update, context, await t(update, context, "common.stale_button"))
        return FILLING
    if action == "skip" and step.optional:
        draft_data.pop(step.name, None)
        return await _advance(update, context, kind, step.name, draft_data)
    if action == "done" and step.kind in ("files", "cases", "preregs"):
        return await _advance(update, context, kind, step.name, draft_data)
    if action == "ch" and step.kind == "choice" and value in step.options:
        draft_data[step.name] = value
        return await _advance(update, context, kind, step.name, draft_data)
    if action == "tk" and step.kind in ("cases", "preregs") and value:
        chosen = list(draft_data.get(step.name, []))
        if value not in chosen and not await _offerable(context, user_id, step.kind, value):
            # A forged or outdated tick: an id that is not on offer could never be unticked again
            # (only offered items are listed) and would block the submission for good.
            await reply(update, context, await t(update, context, "common.stale_button"))
            return FILLING
        draft_data[step.name] = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        await service.drafts.save(user_id, kind, step.name, draft_data)
        text, rows = await _choices(update, context, kind, step.name, draft_data)
        rows.append([(await t(update, context, "form.done"), cb("fm", "done", CODES[kind]))])
        await edit_or_reply(update, context, text, keyboard(rows))
        return FILLING
    if action in ("yes", "no") and step.kind in ("consent", "selfcheck"):
        if step.kind == "consent":
            draft_data[step.name] = action == "yes"
        elif action == "yes":
            draft_data["selfcheck"] = dict((context.user_data.get("last_selfcheck") or {}).get("answers", {}))
        else:
            draft_data["selfcheck"] = {}
        return await _advance(update, context, kind, step.name, draft_data)
    await reply(update, context, await t(update, context, "common.stale_button"))
    return FILLING


async def _offerable(context: Ctx, user_id: int, step_kind: str, value: str) -> bool:
    if step_kind == "cases":
        return context.services.knowledge.current.kb.case(value) is not None
    return any(p.ref == value for p in await context.services.filings.queries.my_preregistrations(user_id))


async def _advance(update: Update, context: Ctx, kind: str, name: str, data: dict) -> int:
    target = forms.PREVIEW if data.pop(_RETURN, False) else forms.following(kind, name)
    await context.services.filings.drafts.save(update.effective_user.id, kind, target, data)
    return await _show(update, context, kind, target)


async def _active(update: Update, context: Ctx):
    """The form this user is filling (from the conversation, else their only draft)."""
    user = await require(update, context, *FILERS)
    if user is None:
        return "", None
    service = context.services.filings
    kind = context.user_data.get(_ACTIVE)
    draft = await service.drafts.load(user.telegram_id, kind) if kind in CODES else None
    if draft is None:
        drafts = await service.drafts.of_user(user.telegram_id)
        if not drafts:
            await reply(update, context, await t(update, context, "form.no_draft"))
            return "", None
        draft = drafts[0]
        context.user_data[_ACTIVE] = draft.kind
    return draft.kind, draft


# -- preview and submit -------------------------------------------------------------------------
async def _preview(update: Update, context: Ctx, kind: str, data: dict) -> None:
    loc = await locale(update, context)
    cat = context.services.catalogue
    code = CODES[kind]
    kb = context.services.knowledge.current.kb
    files = await context.services.filings.drafts.attachments(update.effective_user.id, kind)
    lines = [cat.t(loc, f"form.{kind}.preview_title")]
    for step in forms.steps(kind):
        label = cat.t(loc, f"form.labels.{step.name}")
        value = data.get(step.name)
        if step.kind == "files":
            shown = cat.t(loc, "form.n_files", n=len(files))
        elif step.kind == "choice":
            shown = cat.t(loc, f"form.options.{step.name}.{value}") if value else cat.t(loc, "form.empty")
        elif step.kind == "cases":
            titles = [c.title for c in (kb.case(i) for i in value or []) if c]
            shown = "；".join(titles) or cat.t(loc, "form.none")
        elif step.kind == "preregs":
            shown = "、".join(value or []) or cat.t(loc, "form.none")
        elif step.kind == "selfcheck":
            shown = cat.t(loc, "form.selfcheck_attached", n=len(value)) if value else cat.t(loc, "form.none")
        elif step.kind == "consent":
            shown = cat.t(loc, "form.consent_yes" if value else "form.consent_no")
        else:
            shown = value or cat.t(loc, "form.empty")
        lines.append(cat.t(loc, "form.preview_line", label=label, value=shown))
    missing = forms.missing(kind, data)
    rows: list[list[tuple[str, str]]] = []
    edits = [
        (cat.t(loc, "form.edit", label=cat.t(loc, f"form.labels.{s.name}")), cb("fm", "ed", f"{code}.{s.name}"))
        for s in forms.steps(kind)
    ]
    rows += [edits[i : i + 2] for i in range(0, len(edits), 2)]
    if missing:
        lines.append(cat.t(loc, "form.missing", fields="、".join(cat.t(loc, f"form.labels.{m}") for m in missing)))
    else:
        rows.append([(cat.t(loc, "form.submit"), cb("fm", "sub", code))])
    rows.append([(cat.t(loc, "form.discard"), cb("fm", "del", code))])
    await reply(update, context, "\n".join(lines), keyboard(rows))


async def _submit(update: Update, context: Ctx, kind: str) -> int:
    service = context.services.filings
    user_id = update.effective_user.id
    draft = await service.drafts.load(user_id, kind)
    if draft is None:
        await reply(update, context, await t(update, context, "form.no_draft"))
        return ConversationHandler.END
    files = await service.drafts.attachments(user_id, kind)
    body = forms.body(kind, dict(draft.data), [f.id for f in files])
    try:
        if kind == "request":
            result = await service.submission.request(user_id, body, submit_key(draft))
            ref, created = result.filing.ref, result.created
        elif kind == "feedback":
            result = await service.submission.feedback(user_id, body, submit_key(draft))
            ref, created = result.filing.ref, result.created
        else:
            pr = await service.submission.preregister(user_id, body, submit_key(draft))
            ref, created = pr.preregistration.ref, pr.created
    except FilingError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return FILLING
    context.user_data.pop(_ACTIVE, None)
    if kind == "request":
        context.user_data.pop("last_selfcheck", None)
    rows = [[(await t(update, context, "menu.my"), cb("m", "my"))]]
    key = "form.submitted" if created else "form.already_submitted"
    await reply(update, context, await t(update, context, key, ref=ref), keyboard(rows))
    return ConversationHandler.END


def register(app: Application) -> None:
    entries = [
        CommandHandler("apply", start_request),
        CommandHandler("feedback", start_feedback),
        CommandHandler("report", start_prereg),
        CommandHandler("resume", resume),
        CallbackQueryHandler(start_request, pattern=r"^m:apply:"),
        CallbackQueryHandler(start_feedback, pattern=r"^m:feedback:"),
        CallbackQueryHandler(start_prereg, pattern=r"^m:report:"),
        CallbackQueryHandler(cite_case, pattern=r"^fc:cite:"),
        CallbackQueryHandler(on_button, pattern=pattern("fm")),
    ]
    app.add_handler(
        conversation(
            name="filing_form",
            entry_points=entries,
            states={
                FILLING: [
                    CallbackQueryHandler(on_button, pattern=pattern("fm")),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                    MessageHandler(filters.PHOTO | filters.Document.ALL, on_file),
                    MessageHandler(~filters.COMMAND, on_other),
                ],
            },
            state_key=_ACTIVE,
            cancelled="common.cancelled",
        )
    )
    menu.register("apply", set(FILERS))
    menu.register("report", set(FILERS))
    menu.register("feedback", set(FILERS))
