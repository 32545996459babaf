"""Who may see a filing, and who may file: the one access policy of every filing read and change.

A cadre sees only their own filings; a supervisor sees the filings of their units (and the units
below them); an admin sees all. Anything else — and a reference that does not exist — raises the
same :class:`AccessError`, so a guessed reference learns nothing.
"""

from __future__ import annotations

from bot.filing.context import FilingContext
from bot.filing.errors import AccessError, FilingError
from bot.filing.references import normalize_ref
from bot.users import FILERS, Role
from storage.records import User
from storage.records_filings import Filing


class FilingAccess:
    def __init__(self, ctx: FilingContext) -> None:
        self.ctx = ctx

    async def filer(self, user_id: int, kind: str = "request") -> User:
        """The active user filing ``kind``, or the reason they may not."""
        user = await self.ctx.users.active(user_id)
        if user is None:
            raise FilingError("common.not_registered")
        if user.role not in FILERS:
            raise AccessError("common.not_allowed")
        if user.unit_id is None:
            raise FilingError("filing.error.no_unit")
        if kind == "feedback" and self.ctx.limits.feedback_requires_secondment and not user.seconded:
            raise FilingError("filing.error.not_seconded")
        return user

    async def viewer(self, user_id: int) -> User:
        user = await self.ctx.users.active(user_id)
        if user is None:
            raise AccessError()
        return user

    async def may_view(self, viewer: User, cadre_id: int, unit_id: int | None) -> bool:
        if viewer.telegram_id == cadre_id or viewer.role == Role.ADMIN:
            return True
        if viewer.role != Role.SUPERVISOR:
            return False
        units = await self.ctx.users.visible_units(viewer)
        return units is None or (unit_id is not None and unit_id in units)

    async def load(self, ref: str, viewer_id: int) -> tuple[Filing, User]:
        """The filing if this viewer may see it; AccessError for no access and no such ref alike."""
        viewer = await self.viewer(viewer_id)
        canonical = normalize_ref(ref)
        filing = await self.ctx.storage.filings.get(canonical) if canonical else None
        if filing is None or not await self.may_view(viewer, filing.cadre_id, filing.unit_id):
            raise AccessError()
        return filing, viewer
