"""Everything the handlers, the console and the CLI share, opened once per process."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.i18n import Catalogue
from bot.kb_admin import KbAdmin
from bot.knowledge_service import KnowledgeService
from bot.notifier import Notifier
from bot.rate_limit import RateLimiter
from bot.users import UserService
from storage.sqlite.storage import SqliteStorage


@dataclass
class Services:
    settings: Settings
    storage: SqliteStorage
    catalogue: Catalogue
    users: UserService
    notifier: Notifier
    knowledge: KnowledgeService
    limiter: RateLimiter
    kb_admin: KbAdmin
    _locales: dict[int, str] = field(default_factory=dict)

    @classmethod
    async def open(cls, settings: Settings, knowledge: KnowledgeService | None = None) -> Services:
        storage = await SqliteStorage.open(settings.db_path)
        users = UserService(storage)
        await users.ensure_admins(settings.admin_ids)
        knowledge = knowledge or KnowledgeService.bundled()
        kb_admin = KbAdmin(storage, knowledge, settings.max_kb_file_mb * 1_000_000)
        await kb_admin.load_current()
        return cls(
            settings=settings,
            storage=storage,
            catalogue=Catalogue(settings.locale),
            users=users,
            notifier=Notifier(storage),
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

    async def set_locale(self, telegram_id: int, locale: str) -> None:
        await self.storage.prefs.set_locale(telegram_id, locale)
        self._locales[telegram_id] = locale

    async def text_for(self, telegram_id: int, key: str, **values: object) -> str:
        return self.catalogue.t(await self.locale_for(telegram_id), key, **values)
