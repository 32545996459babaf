"""Where a filing changes state, and everything that goes with the change.

:meth:`WorkflowService.change` asks :func:`bot.filing.states.transition` whether the change is
allowed, writes it (compare-and-set on the state it was computed from), its history event and
audit entry, then carries out the action's effects from :data:`bot.filing.states.EFFECTS` —
deadlines and notices — all in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.filing import evidence, states
from bot.filing.access import FilingAccess
from bot.filing.context import FilingContext
from bot.filing.errors import TransitionError
from bot.filing.notify import FilingNotices
from bot.filing.states import Action
from bot.users import SUPERVISING
from storage.records import User
from storage.records_filings import Attachment, Deadline, Filing, FilingEvent, FilingKind, FilingState, Visibility


class WorkflowService:
    def __init__(self, ctx: FilingContext, access: FilingAccess, notices: FilingNotices) -> None:
        self.ctx = ctx
        self.access = access
        self.notices = notices

    async def accept(self, ref: str, actor_id: int) -> Filing:
        return await self.change(ref, actor_id, Action.ACCEPT)

    async def request_info(self, ref: str, actor_id: int, message: str) -> Filing:
        return await self.change(ref, actor_id, Action.REQUEST_INFO, message=message)

    async def answer_info(self, ref: str, cadre_id: int, message: str) -> Filing:
        return await self.change(ref, cadre_id, Action.ANSWER_INFO, message=message)

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
            ref,
            actor_id,
            Action.DECIDE,
            outcome=outcome,
            reason=reason,
            boundaries=boundaries,
            distinctions=distinctions,
        )

    def check_reason(self, reason: str | None) -> str:
        """A decision's reason on its own, for a front end that asks for more after it (a
        correction asks for the clearing note): the rule :meth:`change` applies again."""
        limits = self.ctx.limits
        text = states.clean_message(reason, limits.text_max, "filing.error.reason_required")
        if len(text) < limits.reason_min:
            raise TransitionError("filing.error.reason_too_short", limit=limits.reason_min)
        return text

    async def withdraw(self, ref: str, cadre_id: int, reason: str | None = None) -> Filing:
        return await self.change(ref, cadre_id, Action.WITHDRAW, message=reason)

    async def mark_feedback_read(self, ref: str, actor_id: int) -> Filing:
        return await self.change(ref, actor_id, Action.READ)

    async def answer_feedback(self, ref: str, actor_id: int, message: str) -> Filing:
        """Answer feedback (marking it read first if nobody had)."""
        async with self.ctx.storage.transaction():
            await self._read_first(ref, actor_id)
            return await self.change(ref, actor_id, Action.ANSWER, message=message)

    async def forward_feedback(self, ref: str, actor_id: int, note: str) -> Filing:
        """Record that feedback was passed on (to whom and why, in ``note``)."""
        async with self.ctx.storage.transaction():
            await self._read_first(ref, actor_id)
            return await self.change(ref, actor_id, Action.FORWARD, message=note)

    async def _read_first(self, ref: str, actor_id: int) -> None:
        filing, _ = await self.access.load(ref, actor_id)
        if filing.kind == FilingKind.FEEDBACK and filing.state == FilingState.SUBMITTED:
            await self.change(ref, actor_id, Action.READ)

    async def add_internal_note(self, ref: str, actor_id: int, text: str) -> FilingEvent:
        """A note for supervisors and admins only; the cadre never sees it and is not notified."""
        return await self._event(ref, actor_id, "note", text, "internal", notify_key=None)

    async def message_cadre(self, ref: str, actor_id: int, text: str) -> FilingEvent:
        """A message to the cadre that changes no state (kept in the history the cadre sees)."""
        return await self._event(ref, actor_id, "message", text, "cadre", notify_key="filing.notify.message")

    async def add_evidence(
        self,
        ref: str,
        cadre_id: int,
        *,
        file_id: str,
        name: str,
        mime: str,
        size: int,
        file_unique_id: str | None = None,
    ) -> Attachment:
        """One photo or document added by the filer to their undecided request (bot.filing.evidence):
        on file with the others, in the history and the audit log, and the supervisors are told."""
        ctx, storage = self.ctx, self.ctx.storage
        async with storage.transaction():
            filing, actor = await self.access.load(ref, cadre_id)
            evidence.check_addition(filing, cadre_id)
            already = await storage.attachments.of_filing(filing.ref)
            checked = evidence.check_file(ctx.limits, file_id=file_id, mime=mime, size=size, already=len(already))
            now = ctx.now()
            attachment = await storage.attachments.add(
                owner_id=cadre_id,
                file_id=file_id,
                name=(name or "")[:200],
                mime=checked,
                size=size,
                at=now,
                filing_ref=filing.ref,
                file_unique_id=file_unique_id,
            )
            payload = {"attachment": attachment.id, "mime": checked}
            event = await self._record(filing, actor, evidence.ACTION, filing.state, "", "cadre", payload, now)
            await self.notices.to_supervisors(
                filing, "filing.notify.evidence_added", f"{filing.ref}:ev{event.id}", purpose="evidence", ref=filing.ref
            )
        return attachment

    async def _event(
        self, ref: str, actor_id: int, action: str, text: str, visibility: Visibility, notify_key: str | None
    ) -> FilingEvent:
        ctx = self.ctx
        async with ctx.storage.transaction():
            filing, actor = await self.access.load(ref, actor_id)
            if actor.role not in SUPERVISING:
                raise TransitionError("filing.error.not_allowed", action=action)
            if filing.cadre_id == actor_id:
                raise TransitionError("filing.error.own_filing", action=action)
            message = states.clean_message(text, ctx.limits.text_max, "filing.error.message_required")
            event = await self._record(filing, actor, action, filing.state, message, visibility, {}, ctx.now())
            if notify_key:
                await self.notices.send(
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
        ctx = self.ctx
        async with ctx.storage.transaction():
            filing, actor = await self.access.load(ref, actor_id)
            step = states.transition(
                filing,
                action,
                actor.role,
                actor_id=actor_id,
                reason_min=ctx.limits.reason_min,
                message_max=ctx.limits.text_max,
                **details,
            )
            now = ctx.now()
            changed = await ctx.storage.filings.update_state(
                filing.ref,
                step.from_state,
                step.to_state,
                now,
                decision=step.decision,
                decided_by=actor_id if step.decision else None,
            )
            if not changed:  # cannot happen inside the write lock, but never write a lost update
                raise TransitionError("filing.error.illegal_transition", state=filing.state, action=action)
            event = await self._record(
                filing, actor, step.action, step.to_state, step.message, step.visibility, step.payload, now
            )
            updated = await ctx.storage.filings.get(filing.ref)
            assert updated is not None
            await self._carry_out(states.EFFECTS[step.action], updated, step, f"{filing.ref}:ev{event.id}", now)
        return updated

    async def _record(
        self,
        filing: Filing,
        actor: User,
        action: str,
        to_state: FilingState,
        message: str,
        visibility: Visibility,
        payload: dict[str, Any],
        now: datetime,
    ) -> FilingEvent:
        """The history event and the audit entry of one thing done to a filing, state changed or not."""
        storage = self.ctx.storage
        event = await storage.filings.append_event(
            filing.ref,
            at=now,
            actor=actor.telegram_id,
            actor_role=actor.role,
            action=action,
            visibility=visibility,
            from_state=filing.state,
            to_state=to_state,
            message=message,
            payload=payload,
        )
        details = {"from": filing.state, "to": to_state, "event": event.id, **payload}
        await storage.audit.append(actor.telegram_id, f"filing.{action}", filing.ref, details)
        return event

    async def _carry_out(
        self, effect: states.Effect, filing: Filing, step: states.Transition, dedup: str, now: datetime
    ) -> None:
        deadlines = self.ctx.deadlines
        started: dict[str, Deadline] = {}
        for operation, kind in effect.deadlines:
            if operation == "complete_all":
                await deadlines.complete_all(filing.ref, now)
                continue
            assert kind is not None
            if operation == "start":
                started[kind] = await deadlines.start(filing.ref, kind, now)
            elif operation == "complete":
                await deadlines.complete(filing.ref, kind, now)
            elif operation == "pause":
                await deadlines.pause(filing.ref, kind, now)
            else:
                await deadlines.resume(filing.ref, kind, now)
        for notice in effect.notices:
            values: dict[str, Any] = {"ref": filing.ref}
            labels: dict[str, str] = {}
            if "message" in notice.carries:
                values["message"] = step.message
            if "decision" in notice.carries:
                assert step.decision is not None
                labels["outcome"] = f"filing.outcome.{step.decision['outcome']}"
                values["reason"] = step.decision["reason"]
                values["clearing_note"] = step.decision.get("clearing_note", "")
            if "due" in notice.carries:
                due = started["decide"]
                labels.update(self.notices.provisional(due))
                values.update(due=self.ctx.format_time(due.due_at), provisional="")
            if notice.to == "cadre":
                await self.notices.send(
                    filing.cadre_id, notice.key, dedup, purpose=notice.purpose, subject=filing, labels=labels, **values
                )
            else:
                await self.notices.to_supervisors(
                    filing, notice.key, dedup, purpose=notice.purpose, labels=labels, **values
                )
