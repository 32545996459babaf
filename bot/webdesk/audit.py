"""Who reads which part of the audit log on the desk.

Admins check the whole chain and read any entry. A supervisor reads only the trail of one filing,
named by reference, and only one the filing queries let them see: the same refusal as /view.
"""

from __future__ import annotations

from bot.filing.errors import AccessError
from bot.ops.audit import AuditProblem, verify_chain
from bot.services import Services
from storage.records import AuditEntry, User

# Without a filter an admin sees the newest entries, not the whole log.
NEWEST = 200


async def chain_status(services: Services, user: User) -> tuple[list[AuditProblem], int]:
    """What `cadrebot audit verify` finds (chain and seal), and how many entries it walked."""
    if user.role != "admin":
        raise AccessError("filing.error.not_allowed")
    entries = await services.storage.audit.all()
    return verify_chain(entries, seal=services.storage.audit.seal), len(entries)


async def trail(services: Services, user: User, ref: str) -> list[AuditEntry]:
    """The entries about ``ref`` (all newest ones for an admin without a reference), oldest first."""
    if user.role != "admin":
        if not ref:
            raise AccessError("web.audit_only_filing")
        await services.filings.queries.get(ref, user.telegram_id)
    entries = await services.storage.audit.all()
    if ref:
        return [e for e in entries if e.subject == ref]
    return entries[-NEWEST:]
