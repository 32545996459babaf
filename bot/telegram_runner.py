"""The real bot: long polling, or a webhook server behind HTTPS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import deque
from typing import Any

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import ApplicationHandlerStop, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.app import build_application
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)


async def run_telegram(settings: Settings, webhook_url: str | None = None, listen: str = "0.0.0.0:8443") -> None:
    services = await Services.open(settings)
    application = build_application(services, request=RetryingRequest(), rate_limit_outgoing=True)
    application.add_handler(TypeHandler(Update, DuplicateFilter()), group=-1000)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with application:
            if application.post_init:
                await application.post_init(application)
            await application.start()
            assert application.updater is not None
            if webhook_url:
                host, _, port = listen.rpartition(":")
                await application.updater.start_webhook(
                    listen=host or "0.0.0.0", port=int(port), webhook_url=webhook_url,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.warning("cadrebot is running (%s); Ctrl+C stops it", "webhook" if webhook_url else "long polling")
            await stop.wait()
            await application.updater.stop()
            await application.stop()
            if application.post_shutdown:
                await application.post_shutdown(application)
    finally:
        await services.close()


# Answers that say Telegram did not carry the call out: sending again cannot duplicate anything.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
# Reads that change nothing may be repeated whatever went wrong.
_SAFE_METHODS = ("getMe", "getFile", "getChat", "getMyCommands", "getWebhookInfo")


class RetryingRequest(BaseRequest):
    """HTTP to the Bot API, retrying what is safe to retry.

    A 5xx answer or a connection that could not even be opened means the call was not carried out,
    so it is sent again (a few times, backing off). A timeout or a connection lost after the request
    went out is ambiguous — Telegram may have delivered the message — so it is not repeated (the
    handler's error path tells the user; the notifier's outbox decides for notifications).
    429 is left to the rate limiter, ``getUpdates`` to the updater's own retry loop. Long polling
    keeps its own connection pool, as python-telegram-bot's default setup does.
    """

    def __init__(self, delays: tuple[float, ...] = RETRY_DELAYS_S) -> None:
        self.polling = HTTPXRequest(connection_pool_size=1)
        self.calls = HTTPXRequest(connection_pool_size=256)
        self.delays = delays
        self._shut = False

    @property
    def read_timeout(self) -> float | None:
        return self.polling.read_timeout

    async def initialize(self) -> None:
        await asyncio.gather(self.polling.initialize(), self.calls.initialize())

    async def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        await asyncio.gather(self.polling.shutdown(), self.calls.shutdown())

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        timeouts = {"read_timeout": read_timeout, "write_timeout": write_timeout,
                    "connect_timeout": connect_timeout, "pool_timeout": pool_timeout}
        if api_method == "getUpdates":
            return await self.polling.do_request(url, method, request_data, **timeouts)
        safe = api_method in _SAFE_METHODS or "/file/bot" in url
        for delay in (*self.delays, None):
            try:
                status, body = await self.calls.do_request(url, method, request_data, **timeouts)
            except TimedOut:
                if not safe or delay is None:
                    raise
            except NetworkError as exc:
                if delay is None or not (safe or isinstance(exc.__cause__, httpx.ConnectError)):
                    raise
            else:
                if status not in RETRY_STATUSES or delay is None:
                    return status, body
            log.warning("bot api: %s failed, retrying in %.1f s", api_method, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class DuplicateFilter:
    """Drops an update this process has already handled: Telegram may hand one out twice, and an
    update delivered out of order makes the poller fetch the later one again. A repeated text
    answer would otherwise also fill the next step of a form."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: set[int] = set()
        self._order: deque[int] = deque()
        self._size = size

    async def __call__(self, update: Update, context: Any) -> None:
        if update.update_id in self._seen:
            log.warning("update %s delivered again: ignored", update.update_id)
            raise ApplicationHandlerStop
        self._seen.add(update.update_id)
        self._order.append(update.update_id)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
