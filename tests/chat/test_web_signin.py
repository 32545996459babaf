"""The web desk's sign-in: /web in the chat gives a supervisor a one-time link, the link opens a
signed HttpOnly SameSite=Strict session; cadres are refused; forged cookies, spent or expired links,
missing CSRF tokens and deactivated users get nothing; sign-in is rate limited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import WebDeskServer, start_web
from tests.support.clock import ManualClock
from tests.support.flows import ADMIN, register, texts
from tests.support.webdesk import client, csrf_of, link, sign_in

SUP, CADRE = 3, 2


@pytest.fixture
async def desk(chat: LocalChat) -> AsyncIterator[WebDeskServer]:
    await register(chat, SUP, "supervisor", "东湖社区")
    await register(chat, CADRE, "cadre", "东湖社区")
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        yield server
    finally:
        await server.stop()


async def test_supervisor_signs_in_by_link_and_out_again(chat: LocalChat, desk: WebDeskServer) -> None:
    url = await link(chat, SUP)
    async with client() as http:
        signed = await sign_in(http, url)
        assert signed.status == 303 and signed.headers["Location"] == "/queue"
        cookie = signed.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        async with http.get(f"{desk.url}/queue") as queue:
            assert queue.status == 200
            html = await queue.text()
            assert "待办" in html
            assert "script-src 'self'" in queue.headers["Content-Security-Policy"]
            assert "'unsafe-inline'" not in queue.headers["Content-Security-Policy"]
        # Without the CSRF token a form does nothing: the session survives.
        async with http.post(f"{desk.url}/logout", data={}) as refused:
            assert refused.status == 403
        async with http.post(f"{desk.url}/logout", data={"csrf": csrf_of(html)}) as out:
            assert out.status == 200
        async with http.get(f"{desk.url}/queue") as after:
            assert after.status == 401


async def test_link_is_one_time(chat: LocalChat, desk: WebDeskServer) -> None:
    url = await link(chat, SUP)
    async with client() as http:
        assert (await sign_in(http, url)).status == 303
    async with client() as other:
        again = await sign_in(other, url)
        assert again.status == 403
        assert "重新发送 /web" in await again.text()


async def test_cadre_is_refused_politely(chat: LocalChat, desk: WebDeskServer) -> None:
    sent = texts(await chat.send(CADRE, "/web"))
    assert "/signin/" not in sent
    assert "监督审核人和管理员" in sent


async def test_admin_gets_a_link(chat: LocalChat, desk: WebDeskServer) -> None:
    assert "/signin/" in await link(chat, ADMIN)


async def test_forged_cookie_gets_nothing(chat: LocalChat, desk: WebDeskServer) -> None:
    url = await link(chat, SUP)
    async with client() as http:
        signed = await sign_in(http, url)
        real = signed.cookies["cadrebot_desk"].value
    session_id, _, mac = real.rpartition(".")
    forged = [f"{session_id}.{'0' * len(mac)}", f"x{session_id}.{mac}", "", "nonsense"]
    for value in forged:
        async with client(cookies={"cadrebot_desk": value}) as http, http.get(f"{desk.url}/queue") as page:
            assert page.status == 401, value


async def test_deactivation_ends_every_session(chat: LocalChat, desk: WebDeskServer) -> None:
    sessions = []
    for _ in range(2):
        http = client()
        assert (await sign_in(http, await link(chat, SUP))).status == 303
        sessions.append(http)
    try:
        await chat.services.users.deactivate(SUP, actor=ADMIN)
        for http in sessions:
            async with http.get(f"{desk.url}/queue") as page:
                assert page.status == 401
        assert desk.desk.revoke_user(SUP) == 0  # already dropped at the first refused request
    finally:
        for http in sessions:
            await http.close()


async def test_links_expire_after_five_minutes_and_sessions_after_their_lifetime(chat: LocalChat) -> None:
    await register(chat, SUP, "supervisor", "东湖社区")
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    server = await start_web(chat.application, chat.services, "127.0.0.1:0", clock=clock)
    try:
        stale = await link(chat, SUP)
        clock.advance(timedelta(minutes=5, seconds=1))
        async with client() as http:
            assert (await sign_in(http, stale)).status == 403
        async with client() as http:
            assert (await sign_in(http, await link(chat, SUP))).status == 303
            clock.advance(timedelta(minutes=chat.services.settings.web_session_minutes, seconds=1))
            async with http.get(f"{server.url}/queue") as page:
                assert page.status == 401
    finally:
        await server.stop()


async def test_sign_in_is_rate_limited(chat: LocalChat, desk: WebDeskServer) -> None:
    async with client() as http:
        statuses = []
        for n in range(desk.desk.limiter.attempts + 2):
            async with http.post(f"{desk.url}/signin", data={"token": f"guess{n}"}) as answer:
                statuses.append(answer.status)
    assert statuses[: desk.desk.limiter.attempts] == [403] * desk.desk.limiter.attempts
    assert statuses[-1] == 429


async def test_without_a_desk_web_says_so(chat: LocalChat) -> None:
    await register(chat, SUP, "supervisor", "东湖社区")
    assert "没有开启" in texts(await chat.send(SUP, "/web"))


async def test_console_serves_the_desk_when_asked(settings, knowledge) -> None:  # type: ignore[no-untyped-def]
    import io

    from bot.runtime.console import _chat

    out = io.StringIO()
    stdin = io.StringIO("/web\n")
    await _chat(
        settings.model_copy(update={"web_listen": "127.0.0.1:0"}), ADMIN, stdin, out, demo=False, files_dir=None
    )
    printed = out.getvalue()
    assert "web desk at http://127.0.0.1:" in printed
    assert "/signin/" in printed
