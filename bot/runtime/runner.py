"""The real bot: long polling, or a webhook server behind HTTPS."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections import deque
from typing import Any

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import ApplicationHandlerStop, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.config import Settings
from bot.runtime.app import build_application
from bot.services import Services
from storage.process_lock import ServingLock

log = logging.getLogger(__name__)


def webhook_secret(token: str | None) -> str:
    """What Telegram sends back in X-Telegram-Bot-Api-Secret-Token with every webhook call.

    Without it, anyone who finds the webhook's address could post updates as any user (an admin's
    id is enough to issue invites). Derived from the bot token, so it needs no setting of its own
    and changes when the token is revoked; never the token itself.
    """
    return hashlib.sha256(f"cadrebot-webhook:{token or ''}".encode()).hexdigest()


async def run_telegram(settings: Settings, webhook_url: str | None = None, listen: str = "127.0.0.1:8443") -> None:
    with ServingLock(settings.db_path):
        await _serve(settings, webhook_url, listen)


async def _serve(settings: Settings, webhook_url: str | None, listen: str) -> None:
    services = await Services.open(settings)
    application = build_application(services, request=RetryingRequest(), rate_limit_outgoing=True)
    ledger = UpdateLedger(services.storage.ptb)
    await ledger.load()
    application.add_handler(TypeHandler(Update, ledger.drop_repeated), group=-1000)
    application.add_handler(TypeHandler(Update, ledger.handled), group=1000)
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
                    listen=host or "127.0.0.1",  # loopback: TLS ends at a reverse proxy in front
                    port=int(port),
                    webhook_url=webhook_url,
                    allowed_updates=Update.ALL_TYPES,
                    secret_token=webhook_secret(settings.token),
                )
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.warning("cadrebot is running (%s); Ctrl+C stops it", "webhook" if webhook_url else "long polling")
            desk = None
            if settings.web_listen:
                from bot.runtime.web import start_web

                desk = await start_web(application, services, settings.web_listen)
                log.warning("web desk at %s", desk.url)
            await stop.wait()
            if desk is not None:
                await desk.stop()
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
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }
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


class UpdateLedger:
    """The ids of the updates handled last, kept in the database, so an update is handled once.

    Telegram may hand an update out twice, hands out again everything a crashed bot took but had not
    confirmed (the next ``getUpdates`` confirms), and an update delivered out of order makes the
    poller fetch the later one again. A repeated text answer would fill the next step of a form too.

    An id is recorded *before* its update is handled: a bot killed while handling it will not
    handle it again (at most once, like Telegram's own confirmation; handlers save before they
    answer, so what was answered is kept, and what was not answered the user sends again).
    After each update the conversation states and user data are flushed at once (PTB would wait up
    to ``persistence_interval_s``): a bot killed right after answering a step still knows, when it
    comes back, that the user is in the middle of a form.
    """

    KEEP = 500  # more than one getUpdates batch (at most 100)

    def __init__(self, state: Any) -> None:
        self.state = state  # a storage.protocols.PersistenceRepository; the unused "bot" slot holds the ids
        self._seen: set[int] = set()
        self._order: deque[int] = deque()

    async def load(self) -> None:
        saved = (await self.state.load("bot")).get(0) or {}
        for update_id in saved.get("handled_updates", []):
            self._remember(int(update_id))

    async def drop_repeated(self, update: Update, context: Any) -> None:
        if update.update_id in self._seen:
            log.warning("update %s handed out again: already handled, ignored", update.update_id)
            raise ApplicationHandlerStop
        self._remember(update.update_id)
        await self.state.save("bot", 0, {"handled_updates": list(self._order)})

    async def handled(self, update: Update, context: Any) -> None:
        await context.application.update_persistence()

    def _remember(self, update_id: int) -> None:
        self._seen.add(update_id)
        self._order.append(update_id)
        while len(self._order) > self.KEEP:
            self._seen.discard(self._order.popleft())
