"""The web desk's filing page and actions go through the chat's own services: the same refusals,
the same unit scope, and the cadre notified in the chat. Forms without the CSRF token do nothing."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import CADRE, FOREIGN, SUP, filed, texts
from tests.support.webdesk import client, csrf_of, link, sign_in


async def test_supervisor_decides_on_the_web_and_the_cadre_hears_in_the_chat(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with client() as http:
            assert (await sign_in(http, await link(chat, SUP))).status == 303
            async with http.get(f"{server.url}/queue") as queue:
                assert ref in await queue.text()
            async with http.get(f"{server.url}/filing/{ref}") as page:
                html = await page.text()
                assert page.status == 200 and "受理" in html
            csrf = csrf_of(html)
            async with http.post(f"{server.url}/filing/{ref}/accept", data={}) as forged:
                assert forged.status == 403
            async with http.post(
                f"{server.url}/filing/{ref}/accept", data={"csrf": csrf}, allow_redirects=False
            ) as accepted:
                assert accepted.status == 303
            # The chat's validation: a decision without a reason is refused, nothing changes.
            refused_form = {"csrf": csrf, "outcome": "tolerated", "reason": ""}
            async with http.post(f"{server.url}/filing/{ref}/decide", data=refused_form) as refused:
                assert refused.status == 400
                assert 'role="alert"' in await refused.text()
            form = {
                "csrf": csrf,
                "outcome": "tolerated",
                "boundary_law": "kept",
                "boundary_org_interest": "kept",
                "boundary_others_rights": "kept",
                "distinction": "1",
                "reason": "程序合规，出于公心，未谋取私利，符合先行先试情形，予以容错。",
            }
            async with http.post(f"{server.url}/filing/{ref}/decide", data=form, allow_redirects=False) as done:
                assert done.status == 303, await done.text()
        # The local Bot API records what the bot sent: the decision reached the cadre's chat.
        cadre_sees = texts(chat.api.messages.values(), CADRE)
        assert ref in cadre_sees and "予以容错" in cadre_sees
    finally:
        await server.stop()


async def test_another_units_supervisor_sees_nothing(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with client() as http:
            assert (await sign_in(http, await link(chat, FOREIGN))).status == 303
            async with http.get(f"{server.url}/queue") as queue:
                assert ref not in await queue.text()
            async with http.get(f"{server.url}/filing/{ref}") as page:
                assert page.status == 404
                assert not re.search("RC-\\d", await page.text())
            async with http.get(f"{server.url}/queue") as queue:
                csrf = csrf_of(await queue.text())
            async with http.post(f"{server.url}/filing/{ref}/accept", data={"csrf": csrf}) as refused:
                assert refused.status == 404
    finally:
        await server.stop()
