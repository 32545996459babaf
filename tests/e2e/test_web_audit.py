"""The audit page: admins see the chain's verify status and any trail; a supervisor reads only the trail
of a filing they may see, by its reference, and another unit's reference gets the chat's refusal."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import ADMIN, FOREIGN, SUP, filed
from tests.support.webdesk import forged, signed_in


async def test_admin_sees_the_chain_status_and_a_tampered_entry(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, ADMIN) as desk:
            status, html = await desk.get("/audit")
            assert status == 200 and 'data-audit="intact"' in html and "filing.submit" in html
            status, html = await desk.get(f"/audit?ref={ref}")
            assert status == 200 and "filing.submit" in html and "invite.create" not in html
            await chat.services.storage.db.execute("DROP TRIGGER audit_no_update")
            await chat.services.storage.db.execute("UPDATE audit_log SET actor = 999 WHERE id = 2")
            status, html = await desk.get("/audit")
            assert status == 200 and 'data-audit="broken"' in html and "entry 2: edited" in html
    finally:
        await server.stop()


async def test_supervisors_read_only_their_filings_trail(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP) as desk:
            status, html = await desk.get("/audit")
            assert status == 400 and "data-audit" not in html and "invite.create" not in html
            status, html = await desk.get(f"/audit?ref={ref}")
            assert status == 200 and "filing.submit" in html and "data-audit" not in html
        async with signed_in(chat, server, FOREIGN) as desk:
            status, html = await desk.get(f"/audit?ref={ref}")
            assert status == 404 and chat.services.catalogue.t("zh", "filing.error.not_found") in html
            assert ref not in html and "filing.submit" not in html
        async with forged(server) as desk:
            assert (await desk.get(f"/audit?ref={ref}"))[0] == 401
    finally:
        await server.stop()
