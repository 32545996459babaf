"""Admins read the knowledge base's versions and the diff between two on the desk; nobody else does."""

from __future__ import annotations

from bot.kb import admin as kb_admin
from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import ADMIN, SUP, filed
from tests.support.webdesk import forged, signed_in


async def test_admin_reads_versions_and_a_diff(chat: LocalChat) -> None:
    await filed(chat)
    services = chat.services
    before = services.knowledge.current.version
    case = services.knowledge.current.kb.cases[0]
    edited = kb_admin.edit(services.knowledge.current.kb, case.id, "title", "一个新的案例标题")
    staged, _ = await services.kb_admin.stage(ADMIN, edited, f"edit {case.id}.title")
    after = (await services.kb_admin.apply(staged, ADMIN)).id
    server = await start_web(chat.application, services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, ADMIN) as desk:
            status, html = await desk.get("/kb")
            assert status == 200 and f'data-version="{after}"' in html and f'data-version="{before}"' in html
            assert f"edit {case.id}.title" not in html  # the bot's own comment, in words
            status, html = await desk.get(f"/kb?from={before}&to={after}")
            assert status == 200 and case.id in html and "修改 1" in html
            status, html = await desk.get(f"/kb?from={after}&to={after}")
            assert status == 200 and services.catalogue.t("zh", "web.kb_same") in html
            status, html = await desk.get(f"/kb?from={before}&to=999")
            assert status == 404 and services.catalogue.t("zh", "kbadmin.no_version", id=999) in html
        async with signed_in(chat, server, SUP) as desk:
            status, html = await desk.get(f"/kb?from={before}&to={after}")
            assert status == 403 and case.id not in html and 'href="/kb"' not in html
        async with forged(server) as desk:
            assert (await desk.get("/kb"))[0] == 401
    finally:
        await server.stop()
