"""Cadres file a tolerance request (/apply), secondment feedback (/feedback) or an emergency
pre-registration (/report): step by step, saved at every step, previewed, then submitted once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.filing import forms
from bot.filing.drafts import submit_key
from bot.filing.forms import Step
from bot.filing.service import FilingService
from bot.users import FILERS
from handlers import knowledge
from handlers.callback_data import Callback, Cite, Form, Ns, cb, pattern
from handlers.context import Ctx, message_of, user_of
from handlers.conversations import conversation, end_others
from handlers.guards import END, refuse, requires, stale
from handlers.reply import edit_or_reply, keyboard, reply
from handlers.selfcheck import FROM_SELFCHECK
from handlers.texts import Words, tell, words
from storage.records import User
from storage.records_filings import Draft

# The conversation's one state: a draft is open, at the step saved in the database (drafts.step).
FILLING = 0
NAME = "filing_form"
KINDS = {"r": "request", "f": "feedback", "p": "prereg"}
CODES = {kind: code for code, kind in KINDS.items()}
_ACTIVE = "form"
_RETURN = "_return"  # the step was opened from the preview: go back there after it
_TOGGLES = ("files", "cases", "preregs")  # steps answered by buttons, closed with "done"

filer = requires(*FILERS, stay=FILLING)


# -- entry points -------------------------------------------------------------------------------
async def start_request(update: Update, context: Ctx) -> int:
    return await _start(update, context, "request")


async def start_feedback(update: Update, context: Ctx) -> int:
    return await _start(update, context, "feedback")


async def start_prereg(update: Update, context: Ctx) -> int:
    return await _start(update, context, "prereg")


async def cite_case(update: Update, context: Ctx) -> int:
    """'File a request citing this case' on a case card."""
    data = Callback.of(update)
    return await _start(update, context, "request", cite=data.arg if data else "")


@requires(*FILERS)
async def _start(update: Update, context: Ctx, user: User, kind: str, cite: str = "") -> int:
    service = context.services.filings
    await service.submission.may_file(user.telegram_id, kind)
    draft = await service.drafts.load(user.telegram_id, kind)
    context.store[_ACTIVE] = kind
    kb = context.services.knowledge.current.kb
    if draft is not None:
        data = dict(draft.data)
        if cite and cite not in data.get("cited_cases", []) and kb.case(cite):
            data["cited_cases"] = [*data.get("cited_cases", []), cite]
            await service.drafts.save(user.telegram_id, kind, draft.step, data)
        await tell(update, context, "form.resumed")
        return await _show(update, context, kind, draft.step)
    data: dict[str, Any] = {"cited_cases": [cite]} if cite and kb.case(cite) else {}
    pressed = Callback.of(update)
    if kind == "request" and pressed and pressed.ns == Ns.MENU and pressed.arg == FROM_SELFCHECK:
        data["_from_selfcheck"] = True
    first = forms.steps(kind)[0].name
    await service.drafts.save(user.telegram_id, kind, first, data)
    await tell(update, context, f"form.{kind}.intro")
    return await _show(update, context, kind, first)


@requires(*FILERS)
async def resume(update: Update, context: Ctx, user: User) -> int:
    drafts = await context.services.filings.drafts.of_user(user.telegram_id)
    if not drafts:
        await refuse(update, context, "form.no_drafts")
        return END
    if len(drafts) == 1:
        context.store[_ACTIVE] = drafts[0].kind
        return await _show(update, context, drafts[0].kind, drafts[0].step)
    say = await words(update, context)
    rows = [[(say(f"filing.kind.{d.kind}"), cb(Ns.FORM, Form.GO, CODES[d.kind]))] for d in drafts]
    await reply(update, context, say("form.choose_draft"), keyboard(rows))
    return FILLING


# -- showing a step -----------------------------------------------------------------------------
async def _show(update: Update, context: Ctx, kind: str, name: str) -> int:
    """Ask for step ``name`` (skipping steps that do not apply to this user) and save where we are."""
    end_others(context.application, update, NAME)
    service = context.services.filings
    user_id = user_of(update).id
    draft = await service.drafts.load(user_id, kind)
    data = dict(draft.data) if draft else {}
    while name != forms.PREVIEW and not await _applies(context, user_id, kind, name, data):
        name = forms.following(kind, name)
    await service.drafts.save(user_id, kind, name, data)
    say = await words(update, context)
    if name == forms.PREVIEW:
        await _preview(update, context, say, kind, data)
        return FILLING
    step = forms.step(kind, name)
    assert step is not None
    code = CODES[kind]
    names = [s.name for s in forms.steps(kind)]
    lines: list[str] = [say("form.progress", n=names.index(name) + 1, total=len(names)), say(f"form.{kind}.{name}")]
    rows: list[Sequence[tuple[str, str]]] = []
    if step.kind in ("long", "short") and data.get(name):
        lines.append(say("form.current", value=data[name]))
    if step.kind == "choice":
        rows += [[(say(f"form.options.{name}.{o}"), cb(Ns.FORM, Form.CHOOSE, f"{code}.{o}"))] for o in step.options]
    elif step.kind == "files":
        files = await service.drafts.attachments(user_id, kind)
        lines.append(
            say(
                "form.files_so_far",
                n=len(files),
                limit=service.limits.max_attachments,
                mb=service.limits.max_file_bytes // (1024 * 1024),
            )
        )
        rows.append([(say("form.done"), cb(Ns.FORM, Form.DONE, code))])
    elif step.kind in ("cases", "preregs"):
        text, toggles = await _choices(update, context, say, kind, name, data)
        lines.append(text)
        rows += toggles
        rows.append([(say("form.done"), cb(Ns.FORM, Form.DONE, code))])
    elif step.kind == "selfcheck":
        last = context.stored("last_selfcheck", dict) or {}
        indication = say(f"check.result.{last.get('indication', 'review')}")
        lines.append(say("form.selfcheck_found", indication=indication))
        rows.append([(say("check.yes"), cb(Ns.FORM, Form.YES, code)), (say("check.no"), cb(Ns.FORM, Form.NO, code))])
    elif step.kind == "consent":
        rows.append(
            [
                (say("form.consent_yes"), cb(Ns.FORM, Form.YES, code)),
                (say("form.consent_no"), cb(Ns.FORM, Form.NO, code)),
            ]
        )
    nav = []
    if forms.previous(kind, name):
        nav.append((say("common.back"), cb(Ns.FORM, Form.BACK, code)))
    if step.optional and step.kind not in _TOGGLES:
        nav.append((say("form.skip"), cb(Ns.FORM, Form.SKIP, code)))
    if data.get(_RETURN):
        nav.append((say("form.to_preview"), cb(Ns.FORM, Form.PREVIEW, code)))
    rows.append(nav)
    lines.append(say("form.cancel_hint"))
    await reply(update, context, "\n".join(lines), keyboard(rows))
    return FILLING


async def _applies(context: Ctx, user_id: int, kind: str, name: str, data: dict) -> bool:
    step = forms.step(kind, name)
    if step is None:
        return False
    if step.kind == "preregs":
        return bool(await context.services.filings.queries.my_preregistrations(user_id))
    if step.kind == "selfcheck":
        return bool(context.stored("last_selfcheck", dict)) and "selfcheck" not in data
    return True


async def _choices(
    update: Update, context: Ctx, say: Words, kind: str, name: str, data: dict
) -> tuple[str, list[list[tuple[str, str]]]]:
    code = CODES[kind]
    chosen = list(data.get(name, []))
    if name == "cited_cases":
        snapshot = context.services.knowledge.current
        text = "\n".join(str(data.get(f, "")) for f in ("what_happened", "consequences", "motive"))
        related = snapshot.matcher.related_cases(text, k=5)
        ids = list(dict.fromkeys([*chosen, *(h.id for h in related.hits)]))
        items = [(i, c.title) for i, c in ((i, snapshot.kb.case(i)) for i in ids) if c is not None]
        intro = say("form.cases_intro" if items else "form.cases_none")
    else:
        preregs = await context.services.filings.queries.my_preregistrations(user_of(update).id)
        items = [(p.ref, f"{p.ref} {p.what[:16]}") for p in preregs[:8]]
        intro = say("form.preregs_intro")
    rows = [
        [(("☑ " if i in chosen else "☐ ") + _short(title), cb(Ns.FORM, Form.TICK, f"{code}.{i}"))] for i, title in items
    ]
    return intro, rows


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- answers ------------------------------------------------------------------------------------
@filer
async def on_text(update: Update, context: Ctx, user: User) -> int:
    draft = await _active(update, context, user)
    if draft is None:
        return END
    step = forms.step(draft.kind, draft.step)
    if step is None or not forms.takes_text(step):
        await _answer_meanwhile(update, context, user, draft)
        return FILLING
    value = context.services.filings.drafts.typed(step, message_of(update).text)
    return await _advance(update, context, draft.kind, step.name, {**draft.data, step.name: value})


async def _answer_meanwhile(update: Update, context: Ctx, user: User, draft: Draft) -> None:
    """A question typed while the draft waits for a button: answered, and the way back shown."""
    assert update.message is not None and update.message.text is not None
    answer = await knowledge.advice_reply(update, context, update.message.text, None, user)
    if answer is None:
        return
    text, markup = answer
    say = await words(update, context)
    names = [s.name for s in forms.steps(draft.kind)]
    where = (
        say("form.at_preview")
        if draft.step == forms.PREVIEW
        else say("form.progress", n=names.index(draft.step) + 1, total=len(names))
    )
    text += "\n\n" + say("form.parked", form=say(f"filing.kind.{draft.kind}"), where=where)
    back = InlineKeyboardButton(say("form.back_to_draft"), callback_data=cb(Ns.FORM, Form.GO, CODES[draft.kind]))
    await reply(update, context, text, InlineKeyboardMarkup([*markup.inline_keyboard, [back]]))


@filer
async def on_file(update: Update, context: Ctx, user: User) -> int:
    draft = await _active(update, context, user)
    if draft is None:
        return END
    kind = draft.kind
    step = forms.step(kind, draft.step)
    evidence = evidence_of(message_of(update))
    if step is None or step.kind != "files" or evidence is None:
        await refuse(update, context, "form.file_not_now")
        return FILLING
    drafts = context.services.filings.drafts
    # Only Telegram's file id is kept: nothing is downloaded, so type and size are checked first.
    attachment = await drafts.add_attachment(user.telegram_id, kind, **evidence)
    count = len(await drafts.attachments(user.telegram_id, kind))
    say = await words(update, context)
    rows = [[(say("form.done"), cb(Ns.FORM, Form.DONE, CODES[kind]))]]
    await reply(update, context, say("form.file_added", name=attachment.name, n=count), keyboard(rows))
    return FILLING


class Evidence(TypedDict):
    file_id: str
    file_unique_id: str
    name: str
    mime: str
    size: int


def evidence_of(message: Message) -> Evidence | None:
    """What the service needs to check and keep one photo or document; None if the message has neither."""
    if message.photo:
        photo = message.photo[-1]
        return {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "name": "photo.jpg",
            "mime": "image/jpeg",
            "size": photo.file_size or 0,
        }
    doc = message.document
    if doc is None:
        return None
    return {
        "file_id": doc.file_id,
        "file_unique_id": doc.file_unique_id,
        "name": doc.file_name or "document",
        "mime": doc.mime_type or "",
        "size": doc.file_size or 0,
    }


async def on_other(update: Update, context: Ctx) -> int:
    await refuse(update, context, "form.not_understood")
    return FILLING


async def _active(update: Update, context: Ctx, user: User) -> Draft | None:
    """The form this user is filling (from the conversation, else their only draft)."""
    service = context.services.filings
    kind = context.stored(_ACTIVE, str)
    draft = await service.drafts.load(user.telegram_id, kind) if kind in CODES else None
    if draft is None:
        drafts = await service.drafts.of_user(user.telegram_id)
        if not drafts:
            await refuse(update, context, "form.no_draft")
            return None
        draft = drafts[0]
        context.store[_ACTIVE] = draft.kind
    return draft


# -- buttons ------------------------------------------------------------------------------------
@dataclass
class Press:
    """One press on a form's keyboard, with the draft it acts on."""

    update: Update
    context: Ctx
    user_id: int
    kind: str
    draft: Draft
    data: dict  # the draft's answers, to change and save
    action: str
    value: str  # after the form's code: a step name, an option or a ticked id

    @property
    def step(self) -> Step | None:
        return forms.step(self.kind, self.draft.step)

    @property
    def service(self) -> FilingService:
        return self.context.services.filings


PressAction = Callable[[Press], Awaitable[int | None]]  # None: not possible now, a stale button


async def _go(p: Press) -> int:
    return await _show(p.update, p.context, p.kind, p.draft.step)


async def _back(p: Press) -> int:
    return await _show(p.update, p.context, p.kind, forms.previous(p.kind, p.draft.step) or p.draft.step)


async def _to_preview(p: Press) -> int:
    return await _show(p.update, p.context, p.kind, forms.PREVIEW)


async def _edit(p: Press) -> int | None:
    if not forms.step(p.kind, p.value):
        return None
    p.data[_RETURN] = True
    await p.service.drafts.save(p.user_id, p.kind, p.value, p.data)
    return await _show(p.update, p.context, p.kind, p.value)


async def _submit_pressed(p: Press) -> int | None:
    return await _submit(p.update, p.context, p.kind) if p.draft.step == forms.PREVIEW else None


async def _discard(p: Press) -> int:
    await p.service.drafts.discard(p.user_id, p.kind)
    p.context.store.pop(_ACTIVE, None)
    await tell(p.update, p.context, "form.discarded")
    return END


async def _skip(p: Press) -> int | None:
    step = p.step
    if step is None or not step.optional:
        return None
    p.data.pop(step.name, None)
    return await _advance(p.update, p.context, p.kind, step.name, p.data)


async def _done(p: Press) -> int | None:
    step = p.step
    if step is None or step.kind not in _TOGGLES:
        return None
    return await _advance(p.update, p.context, p.kind, step.name, p.data)


async def _choose(p: Press) -> int | None:
    step = p.step
    if step is None or step.kind != "choice" or p.value not in step.options:
        return None
    p.data[step.name] = p.value
    return await _advance(p.update, p.context, p.kind, step.name, p.data)


async def _tick(p: Press) -> int | None:
    step = p.step
    if step is None or step.kind not in ("cases", "preregs") or not p.value:
        return None
    chosen = list(p.data.get(step.name, []))
    if p.value not in chosen and not await _offerable(p.context, p.user_id, step.kind, p.value):
        # A forged or outdated tick: an id that is not on offer could never be unticked again
        # (only offered items are listed) and would block the submission for good.
        return None
    p.data[step.name] = [c for c in chosen if c != p.value] if p.value in chosen else [*chosen, p.value]
    await p.service.drafts.save(p.user_id, p.kind, step.name, p.data)
    say = await words(p.update, p.context)
    text, rows = await _choices(p.update, p.context, say, p.kind, step.name, p.data)
    rows.append([(say("form.done"), cb(Ns.FORM, Form.DONE, CODES[p.kind]))])
    await edit_or_reply(p.update, p.context, text, keyboard(rows))
    return FILLING


async def _yes_no(p: Press) -> int | None:
    step = p.step
    if step is None or step.kind not in ("consent", "selfcheck"):
        return None
    yes = p.action == Form.YES
    if step.kind == "consent":
        p.data[step.name] = yes
    elif yes:
        p.data["selfcheck"] = dict((p.context.stored("last_selfcheck", dict) or {}).get("answers", {}))
    else:
        p.data["selfcheck"] = {}
    return await _advance(p.update, p.context, p.kind, step.name, p.data)


PRESSES: dict[str, PressAction] = {
    Form.GO: _go,
    Form.BACK: _back,
    Form.PREVIEW: _to_preview,
    Form.EDIT: _edit,
    Form.SUBMIT: _submit_pressed,
    Form.DISCARD: _discard,
    Form.SKIP: _skip,
    Form.DONE: _done,
    Form.CHOOSE: _choose,
    Form.TICK: _tick,
    Form.YES: _yes_no,
    Form.NO: _yes_no,
}


@filer
async def on_button(update: Update, context: Ctx, user: User) -> int:
    data = Callback.of(update)
    code, _, value = data.arg.partition(".") if data else ("", "", "")
    kind = KINDS.get(code)
    if data is None or kind is None:
        await stale(update, context)
        return FILLING
    if data.action == Form.GO:
        context.store[_ACTIVE] = kind
    draft = await context.services.filings.drafts.load(user.telegram_id, kind)
    if draft is None:
        await refuse(update, context, "form.no_draft")
        return END
    context.store[_ACTIVE] = kind
    action = PRESSES.get(data.action)
    press = Press(update, context, user.telegram_id, kind, draft, dict(draft.data), data.action, value)
    state = await action(press) if action else None
    if state is None:  # a button from a step already left, or not possible at this step
        await stale(update, context)
        return FILLING
    return state


async def _offerable(context: Ctx, user_id: int, step_kind: str, value: str) -> bool:
    if step_kind == "cases":
        return context.services.knowledge.current.kb.case(value) is not None
    return any(p.ref == value for p in await context.services.filings.queries.my_preregistrations(user_id))


async def _advance(update: Update, context: Ctx, kind: str, name: str, data: dict) -> int:
    target = forms.PREVIEW if data.pop(_RETURN, False) else forms.following(kind, name)
    await context.services.filings.drafts.save(user_of(update).id, kind, target, data)
    return await _show(update, context, kind, target)


# -- preview and submit -------------------------------------------------------------------------
async def _preview(update: Update, context: Ctx, say: Words, kind: str, data: dict) -> None:
    code = CODES[kind]
    kb = context.services.knowledge.current.kb
    files = await context.services.filings.drafts.attachments(user_of(update).id, kind)
    lines = [say(f"form.{kind}.preview_title")]
    for step in forms.steps(kind):
        label = say(f"form.labels.{step.name}")
        value = data.get(step.name)
        if step.kind == "files":
            shown = say("form.n_files", n=len(files))
        elif step.kind == "choice":
            shown = say(f"form.options.{step.name}.{value}") if value else say("form.empty")
        elif step.kind == "cases":
            shown = say.items(c.title for c in (kb.case(i) for i in value or []) if c) or say("form.none")
        elif step.kind == "preregs":
            shown = say.join(value or []) or say("form.none")
        elif step.kind == "selfcheck":
            shown = say("form.selfcheck_attached", n=len(value)) if value else say("form.none")
        elif step.kind == "consent":
            shown = say("form.consent_yes" if value else "form.consent_no")
        else:
            shown = value or say("form.empty")
        lines.append(say("form.preview_line", label=label, value=shown))
    missing = forms.missing(kind, data)
    edits = [
        (say("form.edit", label=say(f"form.labels.{s.name}")), cb(Ns.FORM, Form.EDIT, f"{code}.{s.name}"))
        for s in forms.steps(kind)
    ]
    rows = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    if missing:
        lines.append(say("form.missing", fields=say.join(say(f"form.labels.{m}") for m in missing)))
    else:
        rows.append([(say("form.submit"), cb(Ns.FORM, Form.SUBMIT, code))])
    rows.append([(say("form.discard"), cb(Ns.FORM, Form.DISCARD, code))])
    await reply(update, context, "\n".join(lines), keyboard(rows))


async def _submit(update: Update, context: Ctx, kind: str) -> int:
    service = context.services.filings
    user_id = user_of(update).id
    draft = await service.drafts.load(user_id, kind)
    if draft is None:
        await refuse(update, context, "form.no_draft")
        return END
    files = await service.drafts.attachments(user_id, kind)
    body = forms.body(kind, dict(draft.data), [f.id for f in files])
    ref, created = await _file(service, kind, user_id, body, submit_key(draft))
    context.store.pop(_ACTIVE, None)
    if kind == "request":
        context.store.pop("last_selfcheck", None)
    if not created:
        say = await words(update, context)
        rows = [[(say("menu.my"), cb(Ns.MENU, "my"))]]
        await reply(update, context, say("form.already_submitted", ref=ref), keyboard(rows))
    # Otherwise the service's notice (filing.notify.submitted, …) is the one confirmation: it is
    # queued with the filing itself, so it is not lost if this reply would have been.
    return END


async def _file(service: FilingService, kind: str, user_id: int, body: dict, key: str) -> tuple[str, bool]:
    """Submit once per key: the reference, and whether this call created it."""
    if kind == "prereg":
        pr = await service.submission.preregister(user_id, body, key)
        return pr.preregistration.ref, pr.created
    submit = service.submission.request if kind == "request" else service.submission.feedback
    result = await submit(user_id, body, key)
    return result.filing.ref, result.created


def conversation_handler() -> ConversationHandler:
    on_form = CallbackQueryHandler(on_button, pattern=pattern(Ns.FORM))
    return conversation(
        name=NAME,
        entry_points=[
            CommandHandler("apply", start_request),
            CommandHandler("feedback", start_feedback),
            CommandHandler("report", start_prereg),
            CommandHandler("resume", resume),
            CallbackQueryHandler(start_request, pattern=pattern(Ns.MENU, "apply")),
            CallbackQueryHandler(start_feedback, pattern=pattern(Ns.MENU, "feedback")),
            CallbackQueryHandler(start_prereg, pattern=pattern(Ns.MENU, "report")),
            CallbackQueryHandler(cite_case, pattern=pattern(Ns.CITE, Cite.CITE)),
            on_form,
        ],
        states={
            FILLING: [
                on_form,
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
                MessageHandler(filters.PHOTO | filters.Document.ALL, on_file),
                MessageHandler(~filters.COMMAND, on_other),
            ],
        },
        state_key=_ACTIVE,
        cancelled="common.cancelled",
    )
