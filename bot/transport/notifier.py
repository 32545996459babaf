"""Durable outgoing notifications.

A filing must reach every supervisor even if the bot restarts right after it was saved, and a
throttled send must not block the handler that triggered it: notifications are written to the
outbox in the same transaction as the change, then delivered by a background worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.i18n import split_message
from storage.errors import StorageUnavailable
from storage.protocols import Storage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # for refusals that are neither final (403/400) nor the network's fault
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # between delivery rounds that got nothing through


class Notifier:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._wake = asyncio.Event()
        self._deliver_lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self.bot: Bot | None = None

    async def enqueue(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None, dedup_key: str | None = None
    ) -> bool:
        encoded = json.dumps(markup.to_dict(), ensure_ascii=False) if markup else None
        queued = await self.storage.outbox.enqueue(chat_id, text, encoded, dedup_key)
        # Enqueued inside a state change: deliverable once that commits, and never if it rolls back.
        self.storage.after_commit(self._wake.set)
        return queued

    def start(self, bot: Bot) -> None:
        self.bot = bot
        self._task = asyncio.create_task(self._run(), name="notifier")
        self._wake.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            if failures:
                # Something could not be sent: try again later (sooner if something new is queued),
                # backing off while the network stays down instead of spinning through the attempts.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), BACKOFF_S[min(failures, len(BACKOFF_S)) - 1])
            else:
                await self._wake.wait()
            self._wake.clear()
            try:
                await self.drain()
            except Exception:  # the worker must outlive any one bad message
                log.exception("notifier: delivery round failed")
                failures += 1
                continue
            failures = failures + 1 if await self.storage.outbox.pending(1) else 0

    async def drain(self) -> int:
        """Deliver everything pending once; returns the number delivered. What failed stays pending
        (unless refused for good) for the worker's next round."""
        assert self.bot is not None
        delivered = 0
        tried: set[int] = set()
        async with self._deliver_lock:
            while pending := [m for m in await self._committed_pending() if m.id not in tried]:
                for message in pending:
                    tried.add(message.id)
                    if await self._deliver(message.id, message.chat_id, message.text, message.markup, message.attempts):
                        delivered += 1
        return delivered

    async def _committed_pending(self) -> list:
        # Every task shares one connection, so a plain read could see the rows of a state change
        # still in flight in another task, and send a notification for something later rolled back.
        # Under the write lock, every other transaction has committed or rolled back.
        try:
            async with self.storage.transaction():
                return await self.storage.outbox.pending()
        except StorageUnavailable:
            return []  # the rows stay pending: the worker's next round, or the next drain, takes them

    async def _deliver(self, message_id: int, chat_id: int, text: str, markup: str | None, attempts: int) -> bool:
        assert self.bot is not None
        reply_markup = InlineKeyboardMarkup.de_json(json.loads(markup), self.bot) if markup else None
        parts = split_message(text)
        try:
            for index, part in enumerate(parts):
                await self.bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=reply_markup if index == len(parts) - 1 else None,
                )
        except RetryAfter as exc:
            await asyncio.sleep(float(exc.retry_after if isinstance(exc.retry_after, int | float) else 1))
            return False
        except (Forbidden, BadRequest) as exc:
            # Blocked bot or a refused text: retrying cannot help; record why and move on.
            await self.storage.outbox.mark_failed(message_id, str(exc), final=True)
            log.warning("notifier: message %s to %s refused: %s", message_id, chat_id, exc)
            return False
        except NetworkError as exc:
            # 5xx, timeouts, dropped connections: the network's fault, not the message's. Keep it
            # pending however long the outage lasts (a timed-out send may then arrive twice: a
            # notification is better twice than never).
            await self.storage.outbox.mark_failed(message_id, str(exc), final=False)
            log.warning("notifier: message %s to %s not sent yet: %s", message_id, chat_id, exc)
            return False
        except TelegramError as exc:
            await self.storage.outbox.mark_failed(message_id, str(exc), final=attempts + 1 >= MAX_ATTEMPTS)
            return False
        await self.storage.outbox.mark_sent(message_id)
        return True
