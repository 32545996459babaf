"""The real bot: long polling, or a webhook server behind HTTPS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)


async def run_telegram(settings: Settings, webhook_url: str | None = None, listen: str = "0.0.0.0:8443") -> None:
    services = await Services.open(settings)
    application = build_application(services, rate_limit_outgoing=True)
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
