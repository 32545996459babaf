"""Reading filings: one's own, one filing with its history and deadlines, the queue, search.

Every read goes through :class:`~bot.filing.access.FilingAccess`: a filing out of reach and one
that does not exist look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.filing import evidence, states
from bot.filing.access import FilingAccess
from bot.filing.context import FilingContext
from bot.filing.deadlines import DeadlineStatus
from bot.filing.errors import AccessError
from bot.filing.references import normalize_ref
from bot.users import SUPERVISING
from storage.records import User
from storage.records_filings import Attachment, Filing, FilingEvent, FilingKind, FilingState, PreRegistration


@dataclass(frozen=True)
class QueueItem:
    filing: Filing
    deadlines: list[DeadlineStatus]

    @property
    def overdue(self) -> bool:
        return any(d.state == "overdue" for d in self.deadlines)


@dataclass(frozen=True)
class PreRegView:
    """A pre-registration with who filed it, who acknowledged it, and whether this viewer may."""

    prereg: PreRegistration
    applicant: User | None
    acknowledger: User | None
    may_acknowledge: bool


class FilingQueries:
    def __init__(self, ctx: FilingContext, access: FilingAccess) -> None:
        self.ctx = ctx
        self.access = access

    async def mine(self, cadre_id: int, kind: str | None = None) -> list[Filing]:
        """The user's own requests and feedback, newest first."""
        return await self.ctx.storage.filings.by_cadre(cadre_id, kind)

    async def my_preregistrations(self, cadre_id: int) -> list[PreRegistration]:
        return await self.ctx.storage.preregs.by_cadre(cadre_id)

    async def preregistration(self, ref: str, viewer_id: int) -> PreRegistration:
        """One pre-registration if this viewer may see it; AccessError for no access and no such ref alike."""
        viewer = await self.access.viewer(viewer_id)
        canonical = normalize_ref(ref)
        prereg = await self.ctx.storage.preregs.get(canonical) if canonical else None
        if prereg is None or not await self.access.may_view(viewer, prereg.cadre_id, prereg.unit_id):
            raise AccessError()
        return prereg

    async def preregistration_view(self, ref: str, viewer_id: int) -> PreRegView:
        """What /view shows of a pre-registration; the acknowledgement is checked again on the press."""
        prereg = await self.preregistration(ref, viewer_id)
        viewer = await self.access.viewer(viewer_id)
        users = self.ctx.storage.users
        return PreRegView(
            prereg,
            await users.get(prereg.cadre_id),
            await users.get(prereg.acknowledged_by) if prereg.acknowledged_by is not None else None,
            prereg.acknowledged_at is None and viewer.role in SUPERVISING and prereg.cadre_id != viewer_id,
        )

    async def applicant(self, ref: str, viewer_id: int) -> User | None:
        """Who filed it (name, unit, role, seconded), for whoever may see the filing."""
        filing, _ = await self.access.load(ref, viewer_id)
        return await self.ctx.storage.users.get(filing.cadre_id)

    async def get(self, ref: str, viewer_id: int) -> Filing:
        filing, _ = await self.access.load(ref, viewer_id)
        return filing

    async def history(self, ref: str, viewer_id: int) -> list[FilingEvent]:
        """Every change with time and reason; the filer never sees internal notes."""
        filing, viewer = await self.access.load(ref, viewer_id)
        if filing.cadre_id == viewer.telegram_id:
            return await self.ctx.storage.filings.events(filing.ref, "cadre")
        return await self.ctx.storage.filings.events(filing.ref)

    async def attachments(self, ref: str, viewer_id: int) -> list[Attachment]:
        filing, _ = await self.access.load(ref, viewer_id)
        return await self.ctx.storage.attachments.of_filing(filing.ref)

    async def deadlines(self, ref: str, viewer_id: int) -> list[DeadlineStatus]:
        """Every deadline of the filing, met, paused, open or overdue."""
        filing, _ = await self.access.load(ref, viewer_id)
        return await self.ctx.deadlines.of(filing.ref, self.ctx.now())

    async def may_add_evidence(self, ref: str, viewer_id: int) -> bool:
        """Whether to offer adding evidence (bot.filing.evidence; checked again on every file)."""
        filing, _ = await self.access.load(ref, viewer_id)
        return evidence.may_add(filing, viewer_id)

    async def actions(self, ref: str, viewer_id: int) -> list[states.Action]:
        """What this viewer may do now (to build buttons); every press is checked again."""
        filing, viewer = await self.access.load(ref, viewer_id)
        return states.allowed_actions(filing, viewer.role, viewer.telegram_id)

    async def queue(self, viewer_id: int) -> list[QueueItem]:
        """Open filings of the viewer's units, oldest first (supervisors and admins only)."""
        viewer = await self.access.viewer(viewer_id)
        if viewer.role not in SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        units = await self.ctx.users.visible_units(viewer)
        now = self.ctx.now()
        open_states = sorted(set(states.OPEN_REQUEST_STATES) | set(states.OPEN_FEEDBACK_STATES))
        items = []
        for filing in await self.ctx.storage.filings.by_units(units, open_states):
            if filing.cadre_id == viewer_id:
                continue
            items.append(QueueItem(filing, await self.ctx.deadlines.of(filing.ref, now)))
        return items

    async def open_preregistrations(self, viewer_id: int) -> list[PreRegistration]:
        """Pre-registrations of the viewer's units still waiting for an acknowledgement, oldest first."""
        viewer = await self.access.viewer(viewer_id)
        if viewer.role not in SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        units = await self.ctx.users.visible_units(viewer)
        waiting = await self.ctx.storage.preregs.by_units(units, acknowledged=False)
        return [p for p in waiting if p.cadre_id != viewer_id]

    async def search_preregistrations(
        self,
        viewer_id: int,
        *,
        ref: str | None = None,
        cadre_id: int | None = None,
        unit_id: int | None = None,
        state: FilingState | None = None,
        kind: FilingKind | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> list[PreRegistration]:
        """Pre-registrations matching the criteria of :meth:`search`; they have no state and no
        filing kind, so a search by either finds none."""
        units = await self._search_scope(viewer_id, unit_id)
        if state is not None or kind is not None:
            return []
        if ref is not None:
            canonical = normalize_ref(ref)
            prereg = await self.ctx.storage.preregs.get(canonical) if canonical else None
            found = [prereg] if prereg and (units is None or prereg.unit_id in units) else []
        else:
            found = await self.ctx.storage.preregs.by_units(units)
        return [
            p
            for p in found
            if (cadre_id is None or p.cadre_id == cadre_id)
            and (date_from is None or p.created_at >= date_from)
            and (date_to is None or p.created_at < date_to)
        ]

    async def search(
        self,
        viewer_id: int,
        *,
        ref: str | None = None,
        cadre_id: int | None = None,
        unit_id: int | None = None,
        state: FilingState | None = None,
        kind: FilingKind | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> list[Filing]:
        """Filings of the viewer's units matching every given criterion, oldest first.

        Supervisors and admins only; criteria outside the viewer's units simply match nothing.
        ``date_from``/``date_to`` bound the filing time, [from, to).
        """
        units = await self._search_scope(viewer_id, unit_id)
        if ref is not None:
            canonical = normalize_ref(ref)
            filing = await self.ctx.storage.filings.get(canonical) if canonical else None
            found = [filing] if filing and (units is None or filing.unit_id in units) else []
        else:
            found = await self.ctx.storage.filings.by_units(units, [state] if state else None, kind)
        return [
            f
            for f in found
            if (cadre_id is None or f.cadre_id == cadre_id)
            and (state is None or f.state == state)
            and (kind is None or f.kind == kind)
            and (date_from is None or f.created_at >= date_from)
            and (date_to is None or f.created_at < date_to)
        ]

    async def _search_scope(self, viewer_id: int, unit_id: int | None) -> list[int] | None:
        """The units a search covers: the viewer's (None: every unit), or the one asked for if it is
        theirs ([]: it is not, so nothing matches). Supervisors and admins only."""
        viewer = await self.access.viewer(viewer_id)
        if viewer.role not in SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        units = await self.ctx.users.visible_units(viewer)
        if unit_id is None:
            return units
        return [] if units is not None and unit_id not in units else [unit_id]
