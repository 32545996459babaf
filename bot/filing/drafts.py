"""Drafts: everything a cadre has typed so far, saved at every step, and the evidence sent meanwhile."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.filing import forms, relative_time
from bot.filing.context import FilingContext
from bot.filing.errors import FilingError
from bot.filing.evidence import check_file
from bot.filing.forms import Step
from bot.filing.notify import FilingNotices
from storage.records_filings import Attachment, Draft
from storage.timestamps import stamp

DRAFT_KINDS = ("request", "feedback", "prereg")


class DraftService:
    def __init__(self, ctx: FilingContext, notices: FilingNotices) -> None:
        self.ctx = ctx
        self.notices = notices

    async def save(self, user_id: int, kind: str, step: str, data: Mapping[str, Any]) -> Draft:
        """Save the conversation so far; called at every step, so nothing typed is ever lost."""
        _check_kind(kind)
        if not step or len(step) > 64:
            raise FilingError("filing.error.invalid")
        encoded = json.dumps(dict(data), ensure_ascii=False, default=str)
        if len(encoded.encode("utf-8")) > self.ctx.limits.max_draft_bytes:
            raise FilingError("filing.error.draft_too_large")
        return await self.ctx.storage.drafts.save(user_id, kind, step, json.loads(encoded), self.ctx.now())

    def typed(self, step: Step, text: str | None) -> str:
        """One typed answer, cleaned, with relative times ("昨天下午4点") resolved beside the words.

        "Now" is the injected clock and the day is the deployment's (``CADREBOT_TIMEZONE``). If the
        resolution would not fit the step's limit the words stand alone: they are the answer.
        """
        limits = self.ctx.limits
        value = forms.check_text(step, text, limits.text_max, limits.short_max)
        resolved = relative_time.annotate(value, self.ctx.now(), self.ctx.calendar.tz)
        return resolved if len(resolved) <= (limits.text_max if step.kind == "long" else limits.short_max) else value

    async def load(self, user_id: int, kind: str) -> Draft | None:
        _check_kind(kind)
        return await self.ctx.storage.drafts.load(user_id, kind)

    async def of_user(self, user_id: int) -> list[Draft]:
        """Every unfinished draft of a user (for /resume)."""
        return await self.ctx.storage.drafts.of_user(user_id)

    async def discard(self, user_id: int, kind: str) -> bool:
        _check_kind(kind)
        return await self.ctx.storage.drafts.delete(user_id, kind)

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
        _check_kind(kind)
        limits, storage = self.ctx.limits, self.ctx.storage
        check_file(limits, file_id=file_id, mime=mime, size=size, already=0)
        async with storage.transaction():
            draft = await storage.drafts.load(user_id, kind)
            if draft is None:
                draft = await storage.drafts.save(user_id, kind, "evidence", {}, self.ctx.now())
            existing = await storage.attachments.of_draft(draft.id)
            mime = check_file(limits, file_id=file_id, mime=mime, size=size, already=len(existing))
            return await storage.attachments.add(
                owner_id=user_id,
                file_id=file_id,
                name=(name or "")[:200],
                mime=mime,
                size=size,
                at=self.ctx.now(),
                draft_id=draft.id,
                file_unique_id=file_unique_id,
            )

    async def attachments(self, user_id: int, kind: str) -> list[Attachment]:
        draft = await self.load(user_id, kind)
        return await self.ctx.storage.attachments.of_draft(draft.id) if draft else []

    async def remind_idle(self) -> list[Draft]:
        """Nudge users whose draft was left untouched for ``draft_reminder_after`` (once per pause)."""
        now = self.ctx.now()
        reminded = []
        for draft in await self.ctx.storage.drafts.idle(now - self.ctx.limits.draft_reminder_after):
            async with self.ctx.storage.transaction():
                await self.ctx.storage.drafts.mark_reminded(draft.id, now)
                await self.notices.send(
                    draft.telegram_id,
                    "filing.notify.draft_reminder",
                    f"draft:{draft.id}:{stamp(draft.updated_at)}",
                    labels={"kind": f"filing.kind.{draft.kind}"},
                )
            reminded.append(draft)
        return reminded


def _check_kind(kind: str) -> None:
    if kind not in DRAFT_KINDS:
        raise FilingError("filing.error.unknown_kind", kind=kind)


def submit_key(draft: Draft) -> str:
    """An idempotency key for submitting a draft: the same draft files once however often it is sent."""
    return f"{draft.telegram_id}:{draft.kind}:{draft.id}:{stamp(draft.created_at)}"
