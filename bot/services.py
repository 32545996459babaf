"""Everything the handlers, the console and the CLI share, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import calendar as work_calendar
from bot.config import Settings
from bot.filing.clearing import ClearingService
from bot.filing.context import FilingLimits
from bot.filing.deadlines import DeadlinePolicy
from bot.filing.lookback import LookbackPolicy, LookbackService
from bot.filing.service import FilingService
from bot.filing.workdays import Clock
from bot.i18n import Catalogue
from bot.kb.admin import KbAdmin
from bot.kb.service import KnowledgeService
from bot.ops.rate_limit import RateLimiter
from bot.storage_access import open_storage
from bot.transport.notifier import Notifier
from bot.users import UserService
from storage.protocols import Storage


@dataclass
class Services:
    settings: Settings
    storage: Storage
    catalogue: Catalogue
    users: UserService
    notifier: Notifier
    knowledge: KnowledgeService
    limiter: RateLimiter
    kb_admin: KbAdmin
    filings: FilingService
    lookback: LookbackService
    clearing: ClearingService
    # Years without a working-day calendar already warned about in this process (bot/filing/calendar_watch.py).
    calendar_warned: set[int] = field(default_factory=set)
    _locales: dict[int, str] = field(default_factory=dict)

    @classmethod
    async def open(
        cls, settings: Settings, knowledge: KnowledgeService | None = None, clock: Clock | None = None
    ) -> Services:
        storage = await open_storage(settings)
        users = UserService(storage)
        await users.ensure_admins(settings.admin_ids)
        knowledge = knowledge or KnowledgeService.bundled()
        kb_admin = KbAdmin(storage, knowledge, settings.max_kb_file_mb * 1_000_000)
        await kb_admin.load_current()
        catalogue = Catalogue(settings.locale)
        notifier = Notifier(storage)
        limits = FilingLimits(
            text_max=settings.max_text_chars,
            max_file_bytes=settings.max_attachment_mb * 1024 * 1024,
            draft_reminder_after=timedelta(minutes=settings.draft_reminder_minutes),
        )
        filings = FilingService(
            storage,
            users,
            notifier,
            catalogue.t,
            clock=clock,
            limits=limits,
            calendar=work_calendar(settings),
            policy=DeadlinePolicy(accept_days=settings.accept_working_days, decide_days=settings.decide_working_days),
            default_locale=settings.locale,
        )
        return cls(
            settings=settings,
            storage=storage,
            catalogue=catalogue,
            users=users,
            notifier=notifier,
            filings=filings,
            lookback=LookbackService(filings, LookbackPolicy(share=settings.lookback_share)),
            clearing=ClearingService(storage, users, notifier, catalogue.t),
            knowledge=knowledge,
            limiter=RateLimiter(settings.rate_limit_per_minute),
            kb_admin=kb_admin,
        )

    async def close(self) -> None:
        await self.notifier.stop()
        await self.storage.close()

    async def locale_for(self, telegram_id: int) -> str:
        cached = self._locales.get(telegram_id)
        if cached:
            return cached
        locale = await self.storage.prefs.locale(telegram_id) or self.settings.locale
        self._locales[telegram_id] = locale
        return locale

    def cached_locale(self, telegram_id: int) -> str:
        """The locale last seen for a user, without a database read (for synchronous callers)."""
        return self._locales.get(telegram_id, self.settings.locale)

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        await self.storage.prefs.set_locale(telegram_id, locale)
        self._locales[telegram_id] = locale
