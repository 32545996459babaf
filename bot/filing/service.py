"""The filing service: one object per process holding the parts, each a concept of its own.

- ``drafts`` (:mod:`bot.filing.drafts`): what a cadre has typed so far, and evidence;
- ``submission`` (:mod:`bot.filing.submission`): filing requests, feedback and pre-registrations;
- ``workflow`` (:mod:`bot.filing.workflow`): every state change, with its effects;
- ``queries`` (:mod:`bot.filing.queries`): reading, the queue and search;
- ``deadline_job`` (:mod:`bot.filing.deadline_job`): reminders and escalations.

All of it is transport-free: Telegram, the console, the CLI and tests call the same methods with
plain values, and show the catalogue key of any :class:`~bot.filing.errors.FilingError`.
"""

from __future__ import annotations

from datetime import datetime

from bot.filing.access import FilingAccess
from bot.filing.context import FilingContext, FilingLimits, MarkupFn, Notifier, Texts
from bot.filing.deadline_job import DeadlineJob
from bot.filing.deadlines import DeadlinePolicy, Deadlines
from bot.filing.drafts import DraftService
from bot.filing.notify import FilingNotices
from bot.filing.queries import FilingQueries
from bot.filing.submission import SubmissionService
from bot.filing.workdays import Clock, SystemClock, WorkCalendar
from bot.filing.workflow import WorkflowService
from bot.users import UserService
from storage.protocols import Storage


class FilingService:
    def __init__(
        self,
        storage: Storage,
        users: UserService,
        notifier: Notifier,
        texts: Texts,
        *,
        clock: Clock | None = None,
        limits: FilingLimits | None = None,
        calendar: WorkCalendar | None = None,
        policy: DeadlinePolicy | None = None,
        markup: MarkupFn | None = None,
        default_locale: str = "zh",
    ) -> None:
        calendar = calendar or WorkCalendar.from_yaml()
        self.ctx = FilingContext(
            storage=storage,
            users=users,
            notifier=notifier,
            texts=texts,
            clock=clock or SystemClock(),
            limits=limits or FilingLimits(),
            calendar=calendar,
            deadlines=Deadlines(storage.deadlines, calendar, policy),
            default_locale=default_locale,
            markup=markup,
        )
        self.access = FilingAccess(self.ctx)
        self.notices = FilingNotices(self.ctx)
        self.drafts = DraftService(self.ctx, self.notices)
        self.submission = SubmissionService(self.ctx, self.access, self.notices)
        self.workflow = WorkflowService(self.ctx, self.access, self.notices)
        self.queries = FilingQueries(self.ctx, self.access)
        self.deadline_job = DeadlineJob(self.ctx, self.notices)

    def set_markup(self, markup: MarkupFn) -> None:
        """Buttons on notifications, supplied by the transport (this package never imports telegram)."""
        self.ctx.markup = markup

    # Shared by the parts and by the views that show times, limits and the calendar.
    @property
    def limits(self) -> FilingLimits:
        return self.ctx.limits

    @property
    def calendar(self) -> WorkCalendar:
        return self.ctx.calendar

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def deadlines(self) -> Deadlines:
        return self.ctx.deadlines

    def format_time(self, at: datetime | str) -> str:
        return self.ctx.format_time(at)
