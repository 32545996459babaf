"""Signing in to the web desk as one user, for the page tests: a client, the desk's address, a CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import WebDeskServer
from tests.test_web_signin import client, csrf_of, link, sign_in


@dataclass
class Desk:
    http: aiohttp.ClientSession
    url: str
    csrf: str

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"{self.url}{path}") as response:
            return response.status, await response.text()

    async def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True) -> tuple[int, str, str]:
        form = dict(data or {})
        if csrf:
            form["csrf"] = self.csrf
        async with self.http.post(f"{self.url}{path}", data=form, allow_redirects=False) as response:
            return response.status, await response.text(), response.headers.get("Location", "")


@asynccontextmanager
async def signed_in(chat: LocalChat, server: WebDeskServer, user_id: int) -> AsyncIterator[Desk]:
    async with client() as http:
        assert (await sign_in(http, await link(chat, user_id))).status == 303
        async with http.get(f"{server.url}/queue") as queue:
            csrf = csrf_of(await queue.text())
        yield Desk(http, server.url, csrf)


@asynccontextmanager
async def forged(server: WebDeskServer) -> AsyncIterator[Desk]:
    """A client with a cookie the desk never signed."""
    async with client(cookies={"cadrebot_desk": "made-up.0123456789abcdef"}) as http:
        yield Desk(http, server.url, "made-up")
