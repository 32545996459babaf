"""Signing in to the web desk from a test: the /web link, a cookie-keeping client, the CSRF token."""

from __future__ import annotations

import re

import aiohttp

from bot.runtime.local_chat import LocalChat
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
