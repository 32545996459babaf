"""The desk's read-only knowledge-base pages, for admins only (as /kb is): versions and a diff of two."""

from __future__ import annotations

from bot.filing.errors import AccessError
from bot.kb.admin import SectionDiff, diff
from bot.services import Services
from storage.records import KbVersion, User


def _admin(user: User) -> None:
    if user.role != "admin":
        raise AccessError("web.admins_only")


async def versions(services: Services, user: User, limit: int = 50) -> list[KbVersion]:
    _admin(user)
    return await services.kb_admin.history(limit)


async def between(services: Services, user: User, old: int, new: int) -> list[SectionDiff]:
    """What changed from version ``old`` to version ``new``; KbStateError names a missing version."""
    _admin(user)
    return diff(await services.kb_admin.version_kb(old), await services.kb_admin.version_kb(new))
