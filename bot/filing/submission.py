"""Filing: a tolerance request, secondment feedback or an emergency pre-registration (报备), once per key.

A submission is idempotent: the key is derived from the draft, so a double tap or a re-delivered
update files once. Filing, history event, audit entry, first deadline and notices commit together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.filing.access import FilingAccess
from bot.filing.context import FilingContext
from bot.filing.errors import AccessError, FilingError, TransitionError
from bot.filing.models import FeedbackBody, PreRegistrationBody, ToleranceRequestBody
from bot.filing.notify import FilingNotices
from bot.filing.references import KIND_PREFIX, allocate, normalize_ref
from bot.users import SUPERVISING
from storage.records_filings import Filing, FilingState, PreRegistration


@dataclass(frozen=True)
class SubmitResult:
    filing: Filing
    created: bool  # False: the same idempotency key was already used (double tap, retried update)


@dataclass(frozen=True)
class PreRegResult:
    preregistration: PreRegistration
    created: bool


class SubmissionService:
    def __init__(self, ctx: FilingContext, access: FilingAccess, notices: FilingNotices) -> None:
        self.ctx = ctx
        self.access = access
        self.notices = notices

    async def may_file(self, user_id: int, kind: str) -> None:
        """Raises the reason this user may not file ``kind`` (checked again on submit)."""
        await self.access.filer(user_id, kind)

    async def request(
        self, cadre_id: int, body: ToleranceRequestBody | Mapping[str, Any], idempotency_key: str
    ) -> SubmitResult:
        """File a tolerance request once per key and notify every supervisor of the cadre's unit."""
        checked = self.ctx.validate(ToleranceRequestBody, body)
        return await self._submit("request", cadre_id, checked, idempotency_key)

    async def feedback(
        self, cadre_id: int, body: FeedbackBody | Mapping[str, Any], idempotency_key: str
    ) -> SubmitResult:
        checked = self.ctx.validate(FeedbackBody, body)
        return await self._submit("feedback", cadre_id, checked, idempotency_key)

    async def _submit(self, kind: str, cadre_id: int, body: BaseModel, key: str) -> SubmitResult:
        ctx, storage = self.ctx, self.ctx.storage
        self._check_key(key)
        user = await self.access.filer(cadre_id, kind)
        attachment_ids: list[int] = list(getattr(body, "evidence", None) or getattr(body, "attachments", None) or [])
        async with storage.transaction():
            existing = await storage.filings.by_key(key)
            if existing is not None:
                if existing.cadre_id != cadre_id:
                    raise FilingError("filing.error.bad_key")
                return SubmitResult(existing, False)
            await self._check_attachments(cadre_id, attachment_ids)
            if isinstance(body, ToleranceRequestBody):
                for pr_ref in body.preregistrations:
                    prereg = await storage.preregs.get(pr_ref)
                    if prereg is None or prereg.cadre_id != cadre_id:
                        raise FilingError("filing.error.bad_prereg")
            now = ctx.now()
            ref = await allocate(storage.counters, KIND_PREFIX[kind], ctx.calendar.local_date(now).year)
            data = body.model_dump(mode="json")
            filing, _ = await storage.filings.create(
                kind=kind,
                ref=ref,
                cadre_id=cadre_id,
                unit_id=user.unit_id,
                state=FilingState.SUBMITTED,
                body=data,
                consent_public=bool(data.get("consent_public")),
                idempotency_key=key,
                at=now,
            )
            await storage.attachments.link(attachment_ids, cadre_id, ref)
            event = await storage.filings.append_event(
                ref,
                at=now,
                actor=cadre_id,
                actor_role=user.role,
                action="submit",
                visibility="cadre",
                to_state=FilingState.SUBMITTED,
                payload={"attachments": len(attachment_ids)},
            )
            await storage.audit.append(
                cadre_id, "filing.submit", ref, {"kind": kind, "unit_id": user.unit_id, "event": event.id}
            )
            if kind == "request":
                await ctx.deadlines.start(ref, "accept", now)
            await storage.drafts.delete(cadre_id, kind)
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
            for supervisor in await self.notices.handlers_of(user.unit_id):
                if supervisor.telegram_id == cadre_id:
                    continue
                await self.notices.send(
                    supervisor.telegram_id,
                    f"filing.notify.new_{kind}",
                    f"{ref}:ev{event.id}",
                    purpose=f"new_{kind}",
                    subject=filing,
                    labels=labels,
                    **values,
                )
            # The one confirmation of the submission (the chat adds none): durable, like every notice.
            key = "filing.notify.submitted" if kind == "request" else "filing.notify.feedback_submitted"
            await self.notices.send(cadre_id, key, f"{ref}:ev{event.id}", purpose="submitted", subject=filing, ref=ref)
        return SubmitResult(filing, True)

    # ---- pre-registration (事前/事中报备) ----------------------------------------------------

    async def preregister(
        self, cadre_id: int, body: PreRegistrationBody | Mapping[str, Any], idempotency_key: str
    ) -> PreRegResult:
        ctx, storage = self.ctx, self.ctx.storage
        checked = ctx.validate(PreRegistrationBody, body)
        self._check_key(idempotency_key)
        user = await self.access.filer(cadre_id, "prereg")
        async with storage.transaction():
            existing = await storage.preregs.by_key(idempotency_key)
            if existing is not None:
                if existing.cadre_id != cadre_id:
                    raise FilingError("filing.error.bad_key")
                return PreRegResult(existing, False)
            now = ctx.now()
            ref = await allocate(storage.counters, "PR", ctx.calendar.local_date(now).year)
            prereg, _ = await storage.preregs.create(
                ref=ref,
                cadre_id=cadre_id,
                unit_id=user.unit_id,
                what=checked.what,
                why_urgent=checked.why_urgent,
                expected_cost=checked.expected_cost,
                idempotency_key=idempotency_key,
                at=now,
            )
            await storage.audit.append(cadre_id, "prereg.create", ref, {"unit_id": user.unit_id})
            await storage.drafts.delete(cadre_id, "prereg")
            for supervisor in await self.notices.handlers_of(user.unit_id):
                if supervisor.telegram_id == cadre_id:
                    continue
                await self.notices.send(
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
                    at=ctx.format_time(now),
                )
            await self.notices.send(
                cadre_id, "filing.notify.prereg_saved", f"{ref}:saved", ref=ref, at=ctx.format_time(now)
            )
        return PreRegResult(prereg, True)

    async def acknowledge_preregistration(self, ref: str, actor_id: int) -> PreRegistration:
        """A supervisor of the unit (or an admin) acknowledges; the first acknowledgement stands."""
        ctx, storage = self.ctx, self.ctx.storage
        canonical = normalize_ref(ref)
        async with storage.transaction():
            actor = await self.access.viewer(actor_id)
            prereg = await storage.preregs.get(canonical) if canonical else None
            if prereg is None or not await self.access.may_view(actor, prereg.cadre_id, prereg.unit_id):
                raise AccessError()
            if actor.role not in SUPERVISING:
                raise TransitionError("filing.error.not_allowed", action="acknowledge")
            if prereg.cadre_id == actor_id:
                raise TransitionError("filing.error.own_filing", action="acknowledge")
            now = ctx.now()
            if not await storage.preregs.acknowledge(prereg.ref, actor_id, now):
                raise TransitionError("filing.error.already_acknowledged")
            await storage.audit.append(actor_id, "prereg.acknowledge", prereg.ref, {})
            await self.notices.send(
                prereg.cadre_id,
                "filing.notify.prereg_acknowledged",
                f"{prereg.ref}:ack",
                ref=prereg.ref,
                name=actor.display_name or str(actor_id),
            )
            updated = await storage.preregs.get(prereg.ref)
        assert updated is not None
        return updated

    def _check_key(self, key: str) -> None:
        if not isinstance(key, str) or not key.strip() or len(key) > self.ctx.limits.idempotency_key_max:
            raise FilingError("filing.error.bad_key")

    async def _check_attachments(self, owner_id: int, ids: list[int]) -> None:
        for attachment_id in ids:
            attachment = await self.ctx.storage.attachments.get(attachment_id)
            if attachment is None or attachment.owner_id != owner_id or attachment.filing_ref is not None:
                raise FilingError("filing.error.bad_attachment")
