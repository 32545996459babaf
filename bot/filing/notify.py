"""Who is told about a filing, in their own language, through the durable outbox.

Every notice is queued inside the transaction of the change it reports, with a dedup key, so it
is delivered once, after the change commits, and never for a change that rolled back.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any

from bot.filing.context import FilingContext
from storage.records import Role, User
from storage.records_filings import Deadline, Filing

log = logging.getLogger(__name__)


class FilingNotices:
    def __init__(self, ctx: FilingContext) -> None:
        self.ctx = ctx

    async def send(
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
        ctx = self.ctx
        locale = await self._locale(user_id)
        try:
            for name, label_key in (labels or {}).items():
                values[name] = ctx.texts(locale, label_key)
            text = ctx.texts(locale, key, **values)
        except (KeyError, IndexError, ValueError):
            # A missing or broken catalogue entry must not lose a filing: send the bare facts.
            log.exception("filing: catalogue key %s failed for locale %s", key, locale)
            text = html.escape(" ".join([key, *(str(values[k]) for k in ("ref", "message") if values.get(k))]))
        markup = ctx.markup(purpose, subject, user_id) if purpose and ctx.markup else None
        return await ctx.notifier.enqueue(user_id, text, markup, dedup_key=f"{dedup}:{user_id}")

    async def to_supervisors(self, filing: Filing, key: str, dedup: str, **kwargs: Any) -> None:
        kwargs.setdefault("subject", filing)
        for supervisor in await self.handlers_of(filing.unit_id):
            if supervisor.telegram_id != filing.cadre_id:
                await self.send(supervisor.telegram_id, key, dedup, **kwargs)

    async def handlers_of(self, unit_id: int | None) -> list[User]:
        """Who handles a unit's filings: its supervisors (or the nearest parent's), else the admins."""
        return await self.ctx.users.supervisors_of(unit_id) or await self.ctx.storage.users.with_role(Role.ADMIN)

    async def escalation_recipients(self, filing: Filing) -> list[User]:
        storage = self.ctx.storage
        admins = await storage.users.with_role(Role.ADMIN)
        if admins:
            return admins
        unit = await storage.units.by_id(filing.unit_id) if filing.unit_id else None
        return await self.ctx.users.supervisors_of(unit.parent_id) if unit and unit.parent_id else []

    def provisional(self, deadline: Deadline) -> dict[str, str]:
        """The 暂定 label for a due date counted with weekends only (a year no calendar source covers);
        it replaces the ``provisional=""`` passed with the due date."""
        return {"provisional": "filing.deadline.provisional"} if self.ctx.deadlines.is_provisional(deadline) else {}

    async def _locale(self, user_id: int) -> str:
        return await self.ctx.storage.prefs.locale(user_id) or self.ctx.default_locale
