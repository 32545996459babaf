"""The web desk's server: aiohttp on the bot's own event loop, over the very services the chat uses."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from telegram.ext import Application

from bot.filing.workdays import Clock
from bot.services import Services
from bot.webdesk.signin import WebDesk
from handlers.web import pages, routes


@dataclass
class WebDeskServer:
    runner: web.AppRunner
    url: str
    desk: WebDesk

    async def stop(self) -> None:
        await self.runner.cleanup()


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host or "127.0.0.1", int(port)


async def start_web(
    application: Application, services: Services, listen: str, *, clock: Clock | None = None
) -> WebDeskServer:
    """Serve the desk on ``listen`` (host:port, port 0 picks a free one) and hand /web its desk."""
    # Sessions live in this process, so a key made at start is enough: a restart signs everyone out.
    desk = WebDesk(
        services.users,
        secrets.token_bytes(32),
        session_lifetime=timedelta(minutes=services.settings.web_session_minutes),
        clock=clock or services.filings.ctx.clock,
    )
    app = web.Application(middlewares=[routes.headers, routes.signed_in], client_max_size=1024 * 1024)
    app[routes.SERVICES] = services
    app[routes.DESK] = desk
    app[routes.TEMPLATES] = routes.templates()
    pages.add_all(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = split_listen(listen)
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]  # the port actually bound, when asked for port 0
    url = f"http://{host}:{bound}"
    application.bot_data["webdesk"] = desk
    application.bot_data["webdesk_url"] = url
    return WebDeskServer(runner, url, desk)
