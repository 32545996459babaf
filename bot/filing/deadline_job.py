"""The deadline job: remind the unit's supervisors before a limit, escalate once it has passed.

Safe to run any time and any number of times: marking a deadline reminded or escalated is a
compare-and-set, and each notice has a dedup key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.filing.context import FilingContext
from bot.filing.notify import FilingNotices
from storage.timestamps import stamp


@dataclass
class DeadlineRun:
    reminded: list[str] = field(default_factory=list)  # "RC-…:accept"
    escalated: list[str] = field(default_factory=list)


class DeadlineJob:
    def __init__(self, ctx: FilingContext, notices: FilingNotices) -> None:
        self.ctx = ctx
        self.notices = notices

    async def run(self) -> DeadlineRun:
        ctx, deadlines = self.ctx, self.ctx.deadlines
        now = ctx.now()
        run = DeadlineRun()
        for deadline in await deadlines.due_reminders(now):
            async with ctx.storage.transaction():
                if not await deadlines.mark_reminded(deadline, now):
                    continue
                filing = await ctx.storage.filings.get(deadline.filing_ref)
                if filing is None:
                    continue
                await self.notices.to_supervisors(
                    filing,
                    "filing.notify.deadline_reminder",
                    f"dl{deadline.id}:remind:{stamp(deadline.due_at)}",
                    purpose="reminder",
                    labels={"deadline": f"filing.deadline.{deadline.kind}", **self.notices.provisional(deadline)},
                    ref=filing.ref,
                    due=ctx.format_time(deadline.due_at),
                    provisional="",
                )
            run.reminded.append(f"{deadline.filing_ref}:{deadline.kind}")
        for deadline in await deadlines.overdue(now):
            async with ctx.storage.transaction():
                if not await deadlines.mark_escalated(deadline, now):
                    continue
                filing = await ctx.storage.filings.get(deadline.filing_ref)
                if filing is None:
                    continue
                await ctx.storage.audit.append(
                    None, "filing.overdue", filing.ref, {"deadline": deadline.kind, "due_at": stamp(deadline.due_at)}
                )
                unit = await ctx.storage.units.by_id(filing.unit_id) if filing.unit_id else None
                for recipient in await self.notices.escalation_recipients(filing):
                    await self.notices.send(
                        recipient.telegram_id,
                        "filing.notify.deadline_escalation",
                        f"dl{deadline.id}:escalate",
                        purpose="escalation",
                        subject=filing,
                        labels={"deadline": f"filing.deadline.{deadline.kind}", **self.notices.provisional(deadline)},
                        ref=filing.ref,
                        unit=unit.name if unit else "",
                        due=ctx.format_time(deadline.due_at),
                        provisional="",
                    )
            run.escalated.append(f"{deadline.filing_ref}:{deadline.kind}")
        return run
