"""Filing, following up and deciding — transport-free.

Handlers call these methods with Telegram ids and plain values and show the catalogue key of any
:class:`~bot.filing.errors.FilingError` they get back. Each write is one database transaction:
the filing or state change, its history event, its audit entry, its deadlines and the outbox
notifications commit together or not at all.

Access: a cadre sees only their own filings and never internal notes; a supervisor sees the
filings of their units (``UserService.visible_units``); an admin sees all. Anything else — and a
reference that does not exist — raises the same :class:`AccessError`.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from bot.filing import states
from bot.filing.deadlines import DeadlinePolicy, Deadlines, DeadlineStatus
from bot.filing.errors import AccessError, FilingError, TransitionError
from bot.filing.models import FeedbackBody, PreRegistrationBody, ToleranceRequestBody, error_key
from bot.filing.references import KIND_PREFIX, allocate, normalize_ref
from bot.filing.workdays import Clock, SystemClock, WorkCalendar, iso, parse_iso
from storage.records import User
from storage.records_filings import Attachment, Deadline, Draft, Filing, FilingEvent, PreRegistration

log = logging.getLogger(__name__)

__all__ = [
    "AccessError",
    "FilingError",
    "FilingLimits",
    "FilingService",
    "SubmitResult",
    "TransitionError",
]

Texts = Callable[..., str]  # texts(locale, key, **values) -> str
# markup(purpose, subject, recipient_id) -> reply markup for the outbox (or None); lets the
# handler layer put buttons on notifications without this package importing telegram.
MarkupFn = Callable[[str, Any, int], Any]

DRAFT_KINDS = ("request", "feedback", "prereg")
DEFAULT_MIME = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
)


class Notifier(Protocol):
    async def enqueue(self, chat_id: int, text: str, markup: Any = None, dedup_key: str | None = None) -> bool: ...


@dataclass(frozen=True)
class FilingLimits:
    text_max: int = 2000
    short_max: int = 300
    reason_min: int = 15
    max_attachments: int = 10
    max_file_bytes: int = 20 * 1024 * 1024  # what a bot can download from Telegram
    allowed_mime: tuple[str, ...] = DEFAULT_MIME
    max_draft_bytes: int = 64 * 1024
    feedback_requires_secondment: bool = True
    draft_reminder_after: timedelta = timedelta(hours=2)
    idempotency_key_max: int = 128

    def context(self) -> dict[str, int]:
        return {"text_max": self.text_max, "short_max": self.short_max, "max_evidence": self.max_attachments}


@dataclass(frozen=True)
class SubmitResult:
    filing: Filing
    created: bool  # False: the same idempotency key was already used (double tap, retried update)


@dataclass(frozen=True)
class PreRegResult:
    preregistration: PreRegistration
    created: bool


@dataclass(frozen=True)
class QueueItem:
    filing: Filing
    deadlines: list[DeadlineStatus]

    @property
    def overdue(self) -> bool:
        return any(d.state == "overdue" for d in self.deadlines)


@dataclass
class DeadlineRun:
    reminded: list[str] = field(default_factory=list)  # "RC-…:accept"
    escalated: list[str] = field(default_factory=list)


class FilingService:
    def __init__(
        self,
        storage: Any,
        users: Any,
        notifier: Notifier,
        texts: Texts,
        *,
        clock: Clock | None = None,
        limits: FilingLimits | None = None,
        calendar: WorkCalendar | None = None,
        policy: DeadlinePolicy | None = None,
        markup: MarkupFn | None = None,
        default_locale: str = "zh",
    ) -> None:
        self.storage = storage
        self.repo = storage.filings
        self.users = users
        self.notifier = notifier
        self.texts = texts
        self.clock = clock or SystemClock()
        self.limits = limits or FilingLimits()
        self.calendar = calendar or WorkCalendar.from_yaml()
        self.deadlines = Deadlines(self.repo, self.calendar, policy)
        self.markup = markup
        self.default_locale = default_locale

    # ---- drafts ----------------------------------------------------------------------------

    async def save_draft(self, user_id: int, kind: str, step: str, data: Mapping[str, Any]) -> Draft:
        """Save the conversation so far; called at every step, so nothing typed is ever lost."""
        _draft_kind(kind)
        if not step or len(step) > 64:
            raise FilingError("filing.error.invalid")
        encoded = json.dumps(dict(data), ensure_ascii=False, default=str)
        if len(encoded.encode("utf-8")) > self.limits.max_draft_bytes:
            raise FilingError("filing.error.draft_too_large")
        return await self.repo.save_draft(user_id, kind, step, json.loads(encoded), iso(self._now()))

    async def load_draft(self, user_id: int, kind: str) -> Draft | None:
        _draft_kind(kind)
        return await self.repo.load_draft(user_id, kind)

    async def drafts(self, user_id: int) -> list[Draft]:
        """Every unfinished draft of a user (for /resume)."""
        return await self.repo.drafts_of(user_id)

    async def discard_draft(self, user_id: int, kind: str) -> bool:
        _draft_kind(kind)
        return await self.repo.delete_draft(user_id, kind)

    async def add_attachment(
        self,
        user_id: int,
        kind: str,
        *,
        file_id: str,
        name: str,
        mime: str,
        size: int,
        file_unique_id: str | None = None,
    ) -> Attachment:
        """Keep a photo or document sent while drafting; checked for type, size and count."""
        _draft_kind(kind)
        mime = (mime or "").lower().strip()
        if mime not in self.limits.allowed_mime:
            raise FilingError("filing.error.file_type", mime=mime or "?")
        # Telegram may omit a document's size (0 here): we never download evidence, so an unknown
        # size is accepted; a known one over the limit is not.
        if size < 0 or size > self.limits.max_file_bytes:
            raise FilingError("filing.error.file_too_large", limit_mb=self.limits.max_file_bytes // (1024 * 1024))
        if not file_id or len(file_id) > 256:
            raise FilingError("filing.error.bad_attachment")
        async with self.storage.transaction():
            draft = await self.repo.load_draft(user_id, kind)
            if draft is None:
                draft = await self.repo.save_draft(user_id, kind, "evidence", {}, iso(self._now()))
            existing = await self.repo.draft_attachments(draft.id)
            if len(existing) >= self.limits.max_attachments:
                raise FilingError("filing.error.too_many_files", limit=self.limits.max_attachments)
            return await self.repo.add_attachment(
                owner_id=user_id,
                file_id=file_id,
                name=(name or "")[:200],
                mime=mime,
                size=size,
                at=iso(self._now()),
                draft_id=draft.id,
                file_unique_id=file_unique_id,
            )

    async def draft_attachments(self, user_id: int, kind: str) -> list[Attachment]:
        draft = await self.load_draft(user_id, kind)
        return await self.repo.draft_attachments(draft.id) if draft else []

    async def remind_idle_drafts(self) -> list[Draft]:
        """Nudge users whose draft was left untouched for ``draft_reminder_after`` (once per pause)."""
        now = self._now()
        reminded = []
        for draft in await self.repo.idle_drafts(iso(now - self.limits.draft_reminder_after)):
            async with self.storage.transaction():
                await self.repo.mark_draft_reminded(draft.id, iso(now))
                await self._notify(
                    draft.telegram_id,
                    "filing.notify.draft_reminder",
                    f"draft:{draft.id}:{draft.updated_at}",
                    labels={"kind": f"filing.kind.{draft.kind}"},
                )
            reminded.append(draft)
        return reminded

    # ---- filing --------------------------------------------------------------------------

    async def submit_request(
        self, cadre_id: int, body: ToleranceRequestBody | Mapping[str, Any], idempotency_key: str
    ) -> SubmitResult:
        """File a tolerance request once per key and notify every supervisor of the cadre's unit."""
        checked = self._validate(ToleranceRequestBody, body)
        assert isinstance(checked, ToleranceRequestBody)
        return await self._submit("request", cadre_id, checked, idempotency_key)

    async def submit_feedback(
        self, cadre_id: int, body: FeedbackBody | Mapping[str, Any], idempotency_key: str
    ) -> SubmitResult:
        checked = self._validate(FeedbackBody, body)
        assert isinstance(checked, FeedbackBody)
        return await self._submit("feedback", cadre_id, checked, idempotency_key)

    async def _submit(self, kind: str, cadre_id: int, body: BaseModel, key: str) -> SubmitResult:
        self._check_key(key)
        user = await self._filer(cadre_id)
        if kind == "feedback" and self.limits.feedback_requires_secondment and not user.seconded:
            raise FilingError("filing.error.not_seconded")
        attachment_ids: list[int] = list(getattr(body, "evidence", None) or getattr(body, "attachments", None) or [])
        async with self.storage.transaction():
            existing = await self.repo.by_key(key)
            if existing is not None:
                if existing.cadre_id != cadre_id:
                    raise FilingError("filing.error.bad_key")
                return SubmitResult(existing, False)
            await self._check_attachments(cadre_id, attachment_ids)
            if isinstance(body, ToleranceRequestBody):
                for pr_ref in body.preregistrations:
                    prereg = await self.repo.get_prereg(pr_ref)
                    if prereg is None or prereg.cadre_id != cadre_id:
                        raise FilingError("filing.error.bad_prereg")
            now = self._now()
            ref = await allocate(self.repo, KIND_PREFIX[kind], self.calendar.local_date(now).year)
            data = body.model_dump(mode="json")
            filing, _ = await self.repo.create(
                kind=kind,
                ref=ref,
                cadre_id=cadre_id,
                unit_id=user.unit_id,
                state=states.SUBMITTED,
                body=data,
                consent_public=bool(data.get("consent_public")),
                idempotency_key=key,
                at=iso(now),
            )
            await self.repo.link_attachments(attachment_ids, cadre_id, ref)
            event = await self.repo.append_event(
                ref,
                at=iso(now),
                actor=cadre_id,
                actor_role=user.role,
                action="submit",
                visibility="cadre",
                to_state=states.SUBMITTED,
                payload={"attachments": len(attachment_ids)},
            )
            await self.storage.audit.append(
                cadre_id, "filing.submit", ref, {"kind": kind, "unit_id": user.unit_id, "event": event.id}
            )
            if kind == "request":
                await self.deadlines.start(ref, "accept", now)
            await self.repo.delete_draft(cadre_id, kind)
            values = {"ref": ref, "name": user.display_name or str(cadre_id), "unit": user.unit_name or ""}
            labels: dict[str, str] = {}
            if isinstance(body, FeedbackBody):
                values["summary"] = body.summary()
                labels = {
                    "category": f"feedback.category.{body.category}",
                    "urgency": f"feedback.urgency.{body.urgency}",
                }
            else:
                assert isinstance(body, ToleranceRequestBody)
                values["summary"] = body.summary()
            for supervisor in await self._handlers_of(user.unit_id):
                if supervisor.telegram_id == cadre_id:
                    continue
                await self._notify(
                    supervisor.telegram_id,
                    f"filing.notify.new_{kind}",
                    f"{ref}:ev{event.id}",
                    purpose=f"new_{kind}",
                    subject=filing,
                    labels=labels,
                    **values,
                )
            await self._notify(cadre_id, "filing.notify.submitted", f"{ref}:ev{event.id}", subject=filing, ref=ref)
        return SubmitResult(filing, True)

    # ---- pre-registration (事前/事中报备) ----------------------------------------------------

    async def preregister(
        self, cadre_id: int, body: PreRegistrationBody | Mapping[str, Any], idempotency_key: str
    ) -> PreRegResult:
        checked = self._validate(PreRegistrationBody, body)
        assert isinstance(checked, PreRegistrationBody)
        self._check_key(idempotency_key)
        user = await self._filer(cadre_id)
        async with self.storage.transaction():
            existing = await self.repo.prereg_by_key(idempotency_key)
            if existing is not None:
                if existing.cadre_id != cadre_id:
                    raise FilingError("filing.error.bad_key")
                return PreRegResult(existing, False)
            now = self._now()
            ref = await allocate(self.repo, "PR", self.calendar.local_date(now).year)
            prereg, _ = await self.repo.create_prereg(
                ref=ref,
                cadre_id=cadre_id,
                unit_id=user.unit_id,
                what=checked.what,
                why_urgent=checked.why_urgent,
                expected_cost=checked.expected_cost,
                idempotency_key=idempotency_key,
                at=iso(now),
            )
            await self.storage.audit.append(cadre_id, "prereg.create", ref, {"unit_id": user.unit_id})
            await self.repo.delete_draft(cadre_id, "prereg")
            for supervisor in await self._handlers_of(user.unit_id):
                if supervisor.telegram_id == cadre_id:
                    continue
                await self._notify(
                    supervisor.telegram_id,
                    "filing.notify.new_prereg",
                    f"{ref}:new",
                    purpose="new_prereg",
                    subject=prereg,
                    ref=ref,
                    name=user.display_name or str(cadre_id),
                    unit=user.unit_name or "",
                    what=checked.what,
                    why=checked.why_urgent,
                    cost=checked.expected_cost,
                    at=self.format_time(now),
                )
            await self._notify(
                cadre_id, "filing.notify.prereg_saved", f"{ref}:saved", ref=ref, at=self.format_time(now)
            )
        return PreRegResult(prereg, True)

    async def acknowledge_preregistration(self, ref: str, actor_id: int) -> PreRegistration:
        """A supervisor of the unit (or an admin) acknowledges; the first acknowledgement stands."""
        canonical = normalize_ref(ref)
        async with self.storage.transaction():
            actor = await self._viewer(actor_id)
            prereg = await self.repo.get_prereg(canonical) if canonical else None
            if prereg is None or not await self._may_view(actor, prereg.cadre_id, prereg.unit_id):
                raise AccessError()
            if actor.role not in states.SUPERVISING:
                raise TransitionError("filing.error.not_allowed", action="acknowledge")
            if prereg.cadre_id == actor_id:
                raise TransitionError("filing.error.own_filing", action="acknowledge")
            now = self._now()
            if not await self.repo.acknowledge_prereg(prereg.ref, actor_id, iso(now)):
                raise TransitionError("filing.error.already_acknowledged")
            await self.storage.audit.append(actor_id, "prereg.acknowledge", prereg.ref, {})
            await self._notify(
                prereg.cadre_id,
                "filing.notify.prereg_acknowledged",
                f"{prereg.ref}:ack",
                ref=prereg.ref,
                name=actor.display_name or str(actor_id),
            )
            updated = await self.repo.get_prereg(prereg.ref)
        assert updated is not None
        return updated

    async def my_preregistrations(self, cadre_id: int) -> list[PreRegistration]:
        return await self.repo.preregs_by_cadre(cadre_id)

    async def get_preregistration(self, ref: str, viewer_id: int) -> PreRegistration:
        canonical = normalize_ref(ref)
        viewer = await self._viewer(viewer_id)
        prereg = await self.repo.get_prereg(canonical) if canonical else None
        if prereg is None or not await self._may_view(viewer, prereg.cadre_id, prereg.unit_id):
            raise AccessError()
        return prereg

    # ---- reading ---------------------------------------------------------------------------

    async def my_filings(self, cadre_id: int, kind: str | None = None) -> list[Filing]:
        """The user's own requests and feedback, newest first."""
        return await self.repo.by_cadre(cadre_id, kind)

    async def get(self, ref: str, viewer_id: int) -> Filing:
        filing, _ = await self._load(ref, viewer_id)
        return filing

    async def history(self, ref: str, viewer_id: int) -> list[FilingEvent]:
        """Every change with time and reason; the filer never sees internal notes."""
        filing, viewer = await self._load(ref, viewer_id)
        if filing.cadre_id == viewer.telegram_id:
            return await self.repo.events(filing.ref, "cadre")
        return await self.repo.events(filing.ref)

    async def attachments(self, ref: str, viewer_id: int) -> list[Attachment]:
        filing, _ = await self._load(ref, viewer_id)
        return await self.repo.attachments_of(filing.ref)

    async def filing_deadlines(self, ref: str, viewer_id: int) -> list[DeadlineStatus]:
        """Every deadline of the filing, met, paused, open or overdue."""
        filing, _ = await self._load(ref, viewer_id)
        return await self.deadlines.of(filing.ref, self._now())

    async def actions(self, ref: str, viewer_id: int) -> list[str]:
        """What this viewer may do now (to build buttons); every press is checked again."""
        filing, viewer = await self._load(ref, viewer_id)
        return states.allowed_actions(filing, viewer.role, viewer.telegram_id)

    async def queue(self, viewer_id: int) -> list[QueueItem]:
        """Open filings of the viewer's units, oldest first (supervisors and admins only)."""
        viewer = await self._viewer(viewer_id)
        if viewer.role not in states.SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        units = await self.users.visible_units(viewer)
        now = self._now()
        open_states = sorted(set(states.OPEN_REQUEST_STATES) | set(states.OPEN_FEEDBACK_STATES))
        items = []
        for filing in await self.repo.by_units(units, open_states):
            if filing.cadre_id == viewer_id:
                continue
            items.append(QueueItem(filing, await self.deadlines.of(filing.ref, now)))
        return items

    async def search(
        self,
        viewer_id: int,
        *,
        ref: str | None = None,
        cadre_id: int | None = None,
        unit_id: int | None = None,
        state: str | None = None,
        kind: str | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> list[Filing]:
        """Filings of the viewer's units matching every given criterion, oldest first.

        Supervisors and admins only; criteria outside the viewer's units simply match nothing.
        ``date_from``/``date_to`` bound the filing time, [from, to).
        """
        viewer = await self._viewer(viewer_id)
        if viewer.role not in states.SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        units = await self.users.visible_units(viewer)
        if unit_id is not None:
            if units is not None and unit_id not in units:
                return []
            units = [unit_id]
        if ref is not None:
            canonical = normalize_ref(ref)
            filing = await self.repo.get(canonical) if canonical else None
            found = [filing] if filing and (units is None or filing.unit_id in units) else []
        else:
            found = await self.repo.by_units(units, [state] if state else None, kind)
        start = iso(date_from) if date_from else None
        end = iso(date_to) if date_to else None
        return [
            f
            for f in found
            if (cadre_id is None or f.cadre_id == cadre_id)
            and (state is None or f.state == state)
            and (kind is None or f.kind == kind)
            and (start is None or f.created_at >= start)
            and (end is None or f.created_at < end)
        ]

    # ---- state changes -----------------------------------------------------------------------

    async def accept(self, ref: str, actor_id: int) -> Filing:
        return await self.change(ref, actor_id, "accept")

    async def request_info(self, ref: str, actor_id: int, message: str) -> Filing:
        return await self.change(ref, actor_id, "request_info", message=message)

    async def answer_info(self, ref: str, cadre_id: int, message: str) -> Filing:
        return await self.change(ref, cadre_id, "answer_info", message=message)

    async def decide(
        self,
        ref: str,
        actor_id: int,
        outcome: str,
        reason: str,
        boundaries: dict[str, bool],
        distinctions: list[int] | tuple[int, ...] = (),
    ) -> Filing:
        return await self.change(
            ref, actor_id, "decide", outcome=outcome, reason=reason, boundaries=boundaries, distinctions=distinctions
        )

    async def withdraw(self, ref: str, cadre_id: int, reason: str | None = None) -> Filing:
        return await self.change(ref, cadre_id, "withdraw", message=reason)

    async def mark_feedback_read(self, ref: str, actor_id: int) -> Filing:
        return await self.change(ref, actor_id, "read")

    async def answer_feedback(self, ref: str, actor_id: int, message: str) -> Filing:
        """Answer feedback (marking it read first if nobody had)."""
        async with self.storage.transaction():
            await self._read_first(ref, actor_id)
            return await self.change(ref, actor_id, "answer", message=message)

    async def forward_feedback(self, ref: str, actor_id: int, note: str) -> Filing:
        """Record that feedback was passed on (to whom and why, in ``note``)."""
        async with self.storage.transaction():
            await self._read_first(ref, actor_id)
            return await self.change(ref, actor_id, "forward", message=note)

    async def _read_first(self, ref: str, actor_id: int) -> None:
        filing, _ = await self._load(ref, actor_id)
        if filing.kind == "feedback" and filing.state == states.SUBMITTED:
            await self.change(ref, actor_id, "read")

    async def add_internal_note(self, ref: str, actor_id: int, text: str) -> FilingEvent:
        """A note for supervisors and admins only; the cadre never sees it and is not notified."""
        return await self._event(ref, actor_id, "note", text, "internal", notify_key=None)

    async def message_cadre(self, ref: str, actor_id: int, text: str) -> FilingEvent:
        """A message to the cadre that changes no state (kept in the history the cadre sees)."""
        return await self._event(ref, actor_id, "message", text, "cadre", notify_key="filing.notify.message")

    async def _event(
        self, ref: str, actor_id: int, action: str, text: str, visibility: str, notify_key: str | None
    ) -> FilingEvent:
        async with self.storage.transaction():
            filing, actor = await self._load(ref, actor_id)
            if actor.role not in states.SUPERVISING:
                raise TransitionError("filing.error.not_allowed", action=action)
            if filing.cadre_id == actor_id:
                raise TransitionError("filing.error.own_filing", action=action)
            message = states.clean_message(text, self.limits.text_max, "filing.error.message_required")
            now = self._now()
            event = await self.repo.append_event(
                filing.ref,
                at=iso(now),
                actor=actor_id,
                actor_role=actor.role,
                action=action,
                visibility=visibility,
                from_state=filing.state,
                to_state=filing.state,
                message=message,
            )
            await self.storage.audit.append(actor_id, f"filing.{action}", filing.ref, {"event": event.id})
            if notify_key:
                await self._notify(
                    filing.cadre_id,
                    notify_key,
                    f"{filing.ref}:ev{event.id}",
                    subject=filing,
                    ref=filing.ref,
                    message=message,
                )
        return event

    async def change(self, ref: str, actor_id: int, action: str, **details: Any) -> Filing:
        """Apply one transition (see :mod:`bot.filing.states`) with everything that goes with it."""
        async with self.storage.transaction():
            filing, actor = await self._load(ref, actor_id)
            step = states.transition(
                filing,
                action,
                actor.role,
                actor_id=actor_id,
                reason_min=self.limits.reason_min,
                message_max=self.limits.text_max,
                **details,
            )
            now = self._now()
            changed = await self.repo.update_state(
                filing.ref,
                step.from_state,
                step.to_state,
                iso(now),
                decision=step.decision,
                decided_by=actor_id if step.decision else None,
            )
            if not changed:  # cannot happen inside the write lock, but never write a lost update
                raise TransitionError("filing.error.illegal_transition", state=filing.state, action=action)
            event = await self.repo.append_event(
                filing.ref,
                at=iso(now),
                actor=actor_id,
                actor_role=actor.role,
                action=action,
                visibility=step.visibility,
                from_state=step.from_state,
                to_state=step.to_state,
                message=step.message,
                payload=step.payload,
            )
            await self.storage.audit.append(
                actor_id,
                f"filing.{action}",
                filing.ref,
                {"from": step.from_state, "to": step.to_state, "event": event.id, **step.payload},
            )
            updated = await self.repo.get(filing.ref)
            assert updated is not None
            await self._after(updated, step, actor, event, now)
        return updated

    async def _after(
        self, filing: Filing, step: states.Transition, actor: User, event: FilingEvent, now: datetime
    ) -> None:
        ref, dedup = filing.ref, f"{filing.ref}:ev{event.id}"
        action = step.action
        if action == "accept":
            await self.deadlines.complete(ref, "accept", now)
            decide = await self.deadlines.start(ref, "decide", now)
            await self._notify(
                filing.cadre_id,
                "filing.notify.accepted",
                dedup,
                subject=filing,
                labels=self._provisional(decide),
                ref=ref,
                due=self.format_time(decide.due_at),
                provisional="",
            )
        elif action == "request_info":
            await self.deadlines.pause(ref, "decide", now)
            await self._notify(
                filing.cadre_id,
                "filing.notify.info_requested",
                dedup,
                purpose="answer_info",
                subject=filing,
                ref=ref,
                message=step.message,
            )
        elif action == "answer_info":
            await self.deadlines.resume(ref, "decide", now)
            await self._notify(filing.cadre_id, "filing.notify.info_sent", dedup, subject=filing, ref=ref)
            await self._notify_supervisors(
                filing, "filing.notify.info_answered", dedup, purpose="answered", ref=ref, message=step.message
            )
        elif action in ("decide", "correct"):
            assert step.decision is not None
            await self.deadlines.complete_all(ref, now)
            key = "filing.notify.decided" if action == "decide" else "filing.notify.corrected"
            await self._notify(
                filing.cadre_id,
                key,
                dedup,
                subject=filing,
                labels={"outcome": f"filing.outcome.{step.decision['outcome']}"},
                ref=ref,
                reason=step.decision["reason"],
                clearing_note=step.decision.get("clearing_note", ""),
            )
        elif action == "withdraw":
            await self.deadlines.complete_all(ref, now)
            await self._notify(filing.cadre_id, "filing.notify.withdrawn", dedup, subject=filing, ref=ref)
            await self._notify_supervisors(
                filing, "filing.notify.withdrawn_supervisor", dedup, ref=ref, message=step.message
            )
        elif action == "confirm":
            await self._notify(filing.cadre_id, "filing.notify.confirmed", dedup, subject=filing, ref=ref)
        elif action in ("read", "answer", "forward"):
            key = {"read": "feedback_read", "answer": "feedback_answered", "forward": "feedback_forwarded"}[action]
            await self._notify(
                filing.cadre_id, f"filing.notify.{key}", dedup, subject=filing, ref=ref, message=step.message
            )

    # ---- deadlines job -------------------------------------------------------------------------

    async def run_deadlines(self) -> DeadlineRun:
        """Remind supervisors before a limit and escalate to admins after it; safe to run any time."""
        now = self._now()
        run = DeadlineRun()
        for deadline in await self.deadlines.due_reminders(now):
            async with self.storage.transaction():
                if not await self.deadlines.mark_reminded(deadline, now):
                    continue
                filing = await self.repo.get(deadline.filing_ref)
                if filing is None:
                    continue
                await self._notify_supervisors(
                    filing,
                    "filing.notify.deadline_reminder",
                    f"dl{deadline.id}:remind:{deadline.due_at}",
                    purpose="reminder",
                    labels={"deadline": f"filing.deadline.{deadline.kind}", **self._provisional(deadline)},
                    ref=filing.ref,
                    due=self.format_time(deadline.due_at),
                    provisional="",
                )
            run.reminded.append(f"{deadline.filing_ref}:{deadline.kind}")
        for deadline in await self.deadlines.overdue(now):
            async with self.storage.transaction():
                if not await self.deadlines.mark_escalated(deadline, now):
                    continue
                filing = await self.repo.get(deadline.filing_ref)
                if filing is None:
                    continue
                await self.storage.audit.append(
                    None, "filing.overdue", filing.ref, {"deadline": deadline.kind, "due_at": deadline.due_at}
                )
                unit = await self.storage.units.by_id(filing.unit_id) if filing.unit_id else None
                for recipient in await self._escalation_recipients(filing):
                    await self._notify(
                        recipient.telegram_id,
                        "filing.notify.deadline_escalation",
                        f"dl{deadline.id}:escalate",
                        purpose="escalation",
                        subject=filing,
                        labels={"deadline": f"filing.deadline.{deadline.kind}", **self._provisional(deadline)},
                        ref=filing.ref,
                        unit=unit.name if unit else "",
                        due=self.format_time(deadline.due_at),
                        provisional="",
                    )
            run.escalated.append(f"{deadline.filing_ref}:{deadline.kind}")
        return run

    async def _handlers_of(self, unit_id: int | None) -> list[User]:
        """Who handles a unit's filings: its supervisors (or the nearest parent's), else the admins."""
        return await self.users.supervisors_of(unit_id) or await self.storage.users.with_role("admin")

    async def _escalation_recipients(self, filing: Filing) -> list[User]:
        admins = await self.storage.users.with_role("admin")
        if admins:
            return admins
        unit = await self.storage.units.by_id(filing.unit_id) if filing.unit_id else None
        return await self.users.supervisors_of(unit.parent_id) if unit and unit.parent_id else []

    # ---- helpers -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    def _provisional(self, deadline: Deadline) -> dict[str, str]:
        """The 暂定 label for a due date counted with weekends only (a year no calendar source covers);
        it replaces the ``provisional=""`` passed with the due date."""
        return {"provisional": "filing.deadline.provisional"} if self.deadlines.is_provisional(deadline) else {}

    def format_time(self, at: datetime | str) -> str:
        """A moment as the cadre reads it: local date and time of the calendar's zone."""
        moment = parse_iso(at) if isinstance(at, str) else at
        return moment.astimezone(self.calendar.tz).strftime("%Y-%m-%d %H:%M")

    def _validate(self, model: type[BaseModel], body: BaseModel | Mapping[str, Any]) -> BaseModel:
        data = body.model_dump() if isinstance(body, BaseModel) else dict(body)
        try:
            return model.model_validate(data, context=self.limits.context())
        except ValidationError as exc:
            key, values, where = error_key(exc)
            raise FilingError(key, field=where, **values) from None

    def _check_key(self, key: str) -> None:
        if not isinstance(key, str) or not key.strip() or len(key) > self.limits.idempotency_key_max:
            raise FilingError("filing.error.bad_key")

    async def _check_attachments(self, owner_id: int, ids: list[int]) -> None:
        for attachment_id in ids:
            attachment = await self.repo.attachment(attachment_id)
            if attachment is None or attachment.owner_id != owner_id or attachment.filing_ref is not None:
                raise FilingError("filing.error.bad_attachment")

    async def _filer(self, user_id: int) -> User:
        user = await self.users.active(user_id)
        if user is None:
            raise FilingError("common.not_registered")
        if user.unit_id is None:
            raise FilingError("filing.error.no_unit")
        return user

    async def _viewer(self, user_id: int) -> User:
        user = await self.users.active(user_id)
        if user is None:
            raise AccessError()
        return user

    async def _may_view(self, viewer: User, cadre_id: int, unit_id: int | None) -> bool:
        if viewer.telegram_id == cadre_id or viewer.role == "admin":
            return True
        if viewer.role != "supervisor":
            return False
        units = await self.users.visible_units(viewer)
        return units is None or (unit_id is not None and unit_id in units)

    async def _load(self, ref: str, viewer_id: int) -> tuple[Filing, User]:
        """The filing if this viewer may see it; AccessError for no access and no such ref alike."""
        viewer = await self._viewer(viewer_id)
        canonical = normalize_ref(ref)
        filing = await self.repo.get(canonical) if canonical else None
        if filing is None or not await self._may_view(viewer, filing.cadre_id, filing.unit_id):
            raise AccessError()
        return filing, viewer

    async def _locale(self, user_id: int) -> str:
        try:
            return await self.storage.prefs.locale(user_id) or self.default_locale
        except AttributeError:
            return self.default_locale

    async def _notify(
        self,
        user_id: int,
        key: str,
        dedup: str,
        *,
        purpose: str | None = None,
        subject: Any = None,
        labels: Mapping[str, str] | None = None,
        **values: Any,
    ) -> bool:
        """Queue one message in the recipient's language; ``labels`` are catalogue keys to translate."""
        locale = await self._locale(user_id)
        try:
            for name, label_key in (labels or {}).items():
                values[name] = self.texts(locale, label_key)
            text = self.texts(locale, key, **values)
        except (KeyError, IndexError, ValueError):
            # A missing or broken catalogue entry must not lose a filing: send the bare facts.
            log.exception("filing: catalogue key %s failed for locale %s", key, locale)
            text = html.escape(" ".join([key, *(str(values[k]) for k in ("ref", "message") if values.get(k))]))
        markup = self.markup(purpose, subject, user_id) if purpose and self.markup else None
        return await self.notifier.enqueue(user_id, text, markup, dedup_key=f"{dedup}:{user_id}")

    async def _notify_supervisors(self, filing: Filing, key: str, dedup: str, **kwargs: Any) -> None:
        kwargs.setdefault("subject", filing)
        for supervisor in await self._handlers_of(filing.unit_id):
            if supervisor.telegram_id != filing.cadre_id:
                await self._notify(supervisor.telegram_id, key, dedup, **kwargs)


def _draft_kind(kind: str) -> None:
    if kind not in DRAFT_KINDS:
        raise FilingError("filing.error.unknown_kind", kind=kind)


def submit_key(draft: Draft) -> str:
    """An idempotency key for submitting a draft: the same draft files once however often it is sent."""
    return f"{draft.telegram_id}:{draft.kind}:{draft.id}:{draft.created_at}"
