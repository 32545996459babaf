"""What every part of the filing service shares: storage, users, the notifier, text, time and limits.

One object, built once by :class:`~bot.filing.service.FilingService`, so the drafts, submission,
workflow, queries and deadline parts read the same clock, calendar and limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from bot.filing.deadlines import Deadlines
from bot.filing.errors import FilingError
from bot.filing.models import error_key
from bot.filing.workdays import Clock, WorkCalendar, parse_iso
from bot.users import UserService
from storage.protocols import Storage

Texts = Callable[..., str]  # texts(locale, key, **values) -> str
# markup(purpose, subject, recipient_id) -> reply markup for the outbox (or None); lets the
# handler layer put buttons on notifications without this package importing telegram.
MarkupFn = Callable[[str, Any, int], Any]

DEFAULT_MIME = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/plain",
)


class Notifier(Protocol):
    async def enqueue(self, chat_id: int, text: str, markup: Any = None, dedup_key: str | None = None) -> bool: ...


@dataclass(frozen=True)
class FilingLimits:
    text_max: int = 2000
    short_max: int = 300
    reason_min: int = 15
    max_attachments: int = 10
    max_file_bytes: int = 20 * 1024 * 1024  # what a bot can download from Telegram
    allowed_mime: tuple[str, ...] = DEFAULT_MIME
    max_draft_bytes: int = 64 * 1024
    feedback_requires_secondment: bool = True
    draft_reminder_after: timedelta = timedelta(hours=2)
    idempotency_key_max: int = 128

    def context(self) -> dict[str, int]:
        return {"text_max": self.text_max, "short_max": self.short_max, "max_evidence": self.max_attachments}


@dataclass
class FilingContext:
    storage: Storage
    users: UserService
    notifier: Notifier
    texts: Texts
    clock: Clock
    limits: FilingLimits
    calendar: WorkCalendar
    deadlines: Deadlines
    default_locale: str = "zh"
    markup: MarkupFn | None = None

    def now(self) -> datetime:
        return self.clock.now()

    def format_time(self, at: datetime | str) -> str:
        """A moment as the cadre reads it: local date and time of the calendar's zone."""
        moment = parse_iso(at) if isinstance(at, str) else at
        return moment.astimezone(self.calendar.tz).strftime("%Y-%m-%d %H:%M")

    def validate(self, model: type[BaseModel], body: BaseModel | Mapping[str, Any]) -> BaseModel:
        data = body.model_dump() if isinstance(body, BaseModel) else dict(body)
        try:
            return model.model_validate(data, context=self.limits.context())
        except ValidationError as exc:
            key, values, where = error_key(exc)
            raise FilingError(key, field=where, **values) from None
