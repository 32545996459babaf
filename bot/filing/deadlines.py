"""Time limits in working days, kept in the database so the job queue can be rebuilt at start.

Defaults (configurable per deployment): accept within 1 working day of submission, decide within
15 working days of acceptance; the decide clock is paused while the cadre is asked for more
information and resumes with the working time that was left. ``due_reminders`` and ``overdue``
are plain queries; marking a deadline reminded / escalated is a compare-and-set, so running the
job twice (or after a restart) never sends a reminder twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.filing.workdays import DAY, WorkCalendar
from storage.protocols import DeadlineRepository
from storage.records_filings import Deadline

DeadlineState = Literal["open", "paused", "done", "overdue"]


@dataclass(frozen=True)
class DeadlinePolicy:
    accept_days: float = 1
    decide_days: float = 15
    # Remind when no more than this much working time is left (in working days).
    remind_before_days: dict[str, float] = field(default_factory=lambda: {"accept": 0.5, "decide": 3})

    def days(self, kind: str) -> float:
        return {"accept": self.accept_days, "decide": self.decide_days}[kind]


@dataclass(frozen=True)
class DeadlineStatus:
    deadline: Deadline
    state: DeadlineState
    due_at: datetime
    working_seconds_left: int  # negative when overdue; frozen while paused
    # Counted with weekends only somewhere (a year no calendar source covers): shown as 暂定.
    provisional: bool = False

    @property
    def kind(self) -> str:
        return self.deadline.kind


class Deadlines:
    def __init__(self, repo: DeadlineRepository, calendar: WorkCalendar, policy: DeadlinePolicy | None = None) -> None:
        self.repo = repo
        self.calendar = calendar
        self.policy = policy or DeadlinePolicy()

    async def start(self, ref: str, kind: str, at: datetime) -> Deadline:
        due = self.calendar.add_working_days(at, self.policy.days(kind))
        return await self.repo.start(ref, kind, at, due)

    async def complete(self, ref: str, kind: str, at: datetime) -> None:
        deadline = await self.repo.get(ref, kind)
        if deadline and deadline.done_at is None:
            await self.repo.update(deadline.id, done_at=at)

    async def complete_all(self, ref: str, at: datetime) -> None:
        for deadline in await self.repo.of_filing(ref):
            if deadline.done_at is None:
                await self.repo.update(deadline.id, done_at=at)

    async def pause(self, ref: str, kind: str, at: datetime) -> int | None:
        """Stop the clock; returns the working seconds left (negative if already overdue)."""
        deadline = await self.repo.get(ref, kind)
        if deadline is None or deadline.done_at or deadline.paused_at:
            return None
        left = self.calendar.working_seconds_between(at, deadline.due_at)
        await self.repo.update(deadline.id, paused_at=at, remaining_seconds=left)
        return left

    async def resume(self, ref: str, kind: str, at: datetime) -> Deadline | None:
        """Restart the clock with the working time that was left when it was paused."""
        deadline = await self.repo.get(ref, kind)
        if deadline is None or deadline.done_at or not deadline.paused_at:
            return deadline
        left = deadline.remaining_seconds or 0
        due = self.calendar.add_working_seconds(at, left) if left > 0 else at
        # A new due date deserves a new reminder if the old one was already sent.
        await self.repo.update(deadline.id, paused_at=None, remaining_seconds=None, due_at=due, reminded_at=None)
        return await self.repo.get(ref, kind)

    def status(self, deadline: Deadline, now: datetime) -> DeadlineStatus:
        due = deadline.due_at
        if deadline.done_at:
            return DeadlineStatus(deadline, "done", due, 0)
        provisional = self.is_provisional(deadline)
        if deadline.paused_at:
            return DeadlineStatus(deadline, "paused", due, deadline.remaining_seconds or 0, provisional)
        left = self.calendar.working_seconds_between(now, due)
        return DeadlineStatus(deadline, "overdue" if now >= due else "open", due, left, provisional)

    def is_provisional(self, deadline: Deadline) -> bool:
        """Its due date was counted with weekends only somewhere (a year no calendar source covers)."""
        return self.calendar.is_provisional(deadline.started_at, deadline.due_at)

    async def of(self, ref: str, now: datetime) -> list[DeadlineStatus]:
        """Every deadline of a filing (not only the nearest), in the order they were set."""
        return [self.status(d, now) for d in await self.repo.of_filing(ref)]

    async def due_reminders(self, now: datetime) -> list[Deadline]:
        """Open deadlines close to their limit that nobody was reminded of yet."""
        found = []
        for deadline in await self.repo.open():
            if deadline.reminded_at or deadline.escalated_at:
                continue
            due = deadline.due_at
            if now >= due:
                continue
            window = self.policy.remind_before_days.get(deadline.kind, 1) * DAY
            if self.calendar.working_seconds_between(now, due) <= window:
                found.append(deadline)
        return found

    async def overdue(self, now: datetime) -> list[Deadline]:
        """Open deadlines past their limit that were not escalated yet."""
        return [d for d in await self.repo.open() if not d.escalated_at and now >= d.due_at]

    async def mark_reminded(self, deadline: Deadline, now: datetime) -> bool:
        return await self.repo.mark(deadline.id, "reminded_at", now)

    async def mark_escalated(self, deadline: Deadline, now: datetime) -> bool:
        return await self.repo.mark(deadline.id, "escalated_at", now)

    async def next_due(self) -> datetime | None:
        """The earliest open due date, to (re)schedule the job queue at start."""
        open_ = await self.repo.open()
        return open_[0].due_at if open_ else None
