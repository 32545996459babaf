"""Signing in to the web desk from a test: the /web link, a cookie-keeping client, the CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import WebDeskServer
from tests.support.flows import texts


def client(**kwargs: object) -> aiohttp.ClientSession:
    # The desk listens on 127.0.0.1; aiohttp's jar keeps cookies of an IP address only when unsafe.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs)  # type: ignore[arg-type]


async def link(chat: LocalChat, user_id: int) -> str:
    sent = texts(await chat.send(user_id, "/web"))
    found = re.search(r"http://\S+/signin/\S+", sent)
    assert found, sent
    return found.group(0)


async def sign_in(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientResponse:
    async with http.get(url) as page:
        assert page.status == 200
        html = await page.text()
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token
    base = url.split("/signin/")[0]
    return await http.post(f"{base}/signin", data={"token": token.group(1)}, allow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


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
