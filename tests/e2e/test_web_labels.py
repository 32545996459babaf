"""The filing page and the queue speak the catalogue: field names, timeline actions, deadline kinds,
states and outcomes in words, the applicant and the unit by name; zh first, en on request (kept for
the session, defaulting to the user's chat language). Forged sessions and forms without the CSRF
token get nothing, another unit's supervisor gets the chat's refusal."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import ADMIN, CADRE, FOREIGN, SUP, filed
from tests.support.webdesk import forged, signed_in


async def test_filing_page_names_everything_from_the_catalogue(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    await chat.services.filings.workflow.accept(ref, SUP)
    await chat.services.filings.workflow.add_internal_note(ref, SUP, "内部意见：核实会议纪要")
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP) as desk:
            status, html = await desk.get(f"/filing/{ref}")
            assert status == 200
            shown = ("发生了什么", "申请人", "甲社区", "社区干部", "认定时限", "受理", "内部备注", "已受理，审查中")
            for words in shown:
                assert words in html, words
            # No bare keys or codes where a word belongs.
            for code in ("what_happened", "decided_tolerated", ">decide ·", ">accept ·"):
                assert code not in html, code
            assert f"({CADRE})" in html
            status, queue = await desk.get("/queue")
            assert status == 200 and '<option value="' in queue and "甲社区</option>" in queue
    finally:
        await server.stop()


async def test_language_switch_is_a_form_and_stays_for_the_session(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP) as desk:
            assert "申请人" in (await desk.get(f"/filing/{ref}"))[1]
            # Without the token the switch does nothing.
            assert (await desk.post("/locale", {"locale": "en", "back": f"/filing/{ref}"}, csrf=False))[0] == 403
            status, _, where = await desk.post("/locale", {"locale": "en", "back": f"/filing/{ref}"})
            assert status == 303 and where == f"/filing/{ref}"
            status, html = await desk.get(f"/filing/{ref}")
            assert status == 200 and "Applicant" in html and 'lang="en"' in html and "申请人" not in html
            # Elsewhere is not a place to be sent back to.
            assert (await desk.post("/locale", {"locale": "zh", "back": "//evil.example/"}))[2] == "/queue"
            assert "申请人" in (await desk.get(f"/filing/{ref}"))[1]
        # The chat's language is the default: an English chat user opens the desk in English.
        await chat.services.set_locale(SUP, "en")
        async with signed_in(chat, server, SUP) as desk:
            assert "Applicant" in (await desk.get(f"/filing/{ref}"))[1]
    finally:
        await server.stop()


async def test_roles_forgeries_and_other_units(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, ADMIN) as desk:
            status, html = await desk.get(f"/filing/{ref}")
            assert status == 200 and "申请人" in html
        async with signed_in(chat, server, FOREIGN) as desk:
            status, html = await desk.get(f"/filing/{ref}")
            # The chat's own refusal, word for word.
            assert status == 404 and chat.services.catalogue.t("zh", "filing.error.not_found") in html
            assert "甲社区" not in html
        async with forged(server) as desk:
            assert (await desk.get(f"/filing/{ref}"))[0] == 401
            assert (await desk.get("/queue"))[0] == 401
            assert (await desk.post("/locale", {"locale": "en"}))[0] == 401
        refused = await chat.send(CADRE, "/web")
        assert "/signin/" not in " ".join(m.plain for m in refused)
    finally:
        await server.stop()


async def test_a_decided_and_corrected_filing_shows_its_decision_in_words(chat: LocalChat) -> None:
    ref, _ = await filed(chat)
    workflow = chat.services.filings.workflow
    await workflow.accept(ref, SUP)
    kept = {"law": True, "org_interest": True, "others_rights": True}
    await workflow.decide(ref, SUP, "partially_tolerated", "部分程序欠规范，但出于公心，部分容错。", kept, [1])
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP) as desk:
            status, html = await desk.get(f"/filing/{ref}")
            assert status == 200 and "部分容错" in html and "部分程序欠规范" in html
            assert "partially_tolerated" not in html.replace('value="partially_tolerated"', "")
    finally:
        await server.stop()
