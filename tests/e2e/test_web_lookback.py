"""The look-back page: the runs and the items assigned to the viewer, and the review form, through the
very LookbackService calls of the chat — the same refusals, the cadre told in the chat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import ADMIN, CADRE, FOREIGN, SUP, SUP2, filed, texts
from tests.support.webdesk import forged, signed_in

REASON = "复核认为价格差异在应急合理范围内，出于公心，应予容错。"
CLEARING = "经复核，该同志应急采购行为符合容错条件，特此澄清，消除影响。"


async def _drawn(chat: LocalChat) -> str:
    ref, _ = await filed(chat)
    workflow = chat.services.filings.workflow
    await workflow.accept(ref, SUP)
    await workflow.decide(
        ref,
        SUP,
        "not_tolerated",
        "未履行采购程序，价格偏高，不予容错。",
        {"law": False, "org_interest": True, "others_rights": True},
        [],
    )
    now = datetime.now(UTC)
    _, items = await chat.services.lookback.draw(ADMIN, now - timedelta(days=2), now + timedelta(days=1), seed=1)
    assert [i.reviewer_id for i in items] == [SUP2]
    return ref


def _item(html: str) -> str:
    found = re.search(r'action="/lookback/(\d+)/confirm"', html)
    assert found, html
    return found.group(1)


async def test_reviewer_corrects_on_the_web_and_the_cadre_is_told(chat: LocalChat) -> None:
    ref = await _drawn(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP2) as desk:
            status, html = await desk.get("/lookback")
            assert status == 200 and ref in html and "不予容错" in html
            item = _item(html)
            form = {"outcome": "tolerated", "reason": REASON, "clearing_note": CLEARING}
            for name in ("law", "org_interest", "others_rights"):
                form[f"boundary_{name}"] = "kept"
            assert (await desk.post(f"/lookback/{item}/correct", form, csrf=False))[0] == 403
            # The chat's checks: a short reason, then a missing clearing note, are refused and change nothing.
            status, html, _ = await desk.post(f"/lookback/{item}/correct", {**form, "reason": "太短"})
            assert status == 400 and 'role="alert"' in html
            status, html, _ = await desk.post(f"/lookback/{item}/correct", {**form, "clearing_note": ""})
            assert status == 400 and chat.services.catalogue.t("zh", "filing.error.clearing_note_required") in html
            status, _, where = await desk.post(f"/lookback/{item}/correct", form)
            assert status == 303 and where == "/lookback"
            status, html = await desk.get("/lookback")
            assert "回头看：已纠正" in html and f'action="/lookback/{item}/confirm"' not in html
            # Reviewed once: a second try is the chat's refusal.
            status, html, _ = await desk.post(f"/lookback/{item}/confirm")
            assert status == 400 and chat.services.catalogue.t("zh", "lookback.error.already_reviewed") in html
        told = texts(chat.api.messages.values(), CADRE)
        assert "特此澄清" in told and "予以容错" in told
    finally:
        await server.stop()


async def test_only_the_assigned_reviewer_may_review(chat: LocalChat) -> None:
    ref = await _drawn(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP2) as desk:
            item = _item((await desk.get("/lookback"))[1])
        for other in (SUP, FOREIGN):
            async with signed_in(chat, server, other) as desk:
                status, html = await desk.get("/lookback")
                assert status == 200 and ref not in html
                status, html, _ = await desk.post(f"/lookback/{item}/confirm")
                assert status == 400
                refusal = "lookback.error.same_reviewer" if other == SUP else "lookback.error.not_assigned"
                assert chat.services.catalogue.t("zh", refusal) in html
        async with signed_in(chat, server, ADMIN) as desk:
            status, html = await desk.get("/lookback")
            assert status == 200 and 'data-run="' in html
        async with forged(server) as desk:
            assert (await desk.get("/lookback"))[0] == 401
            assert (await desk.post(f"/lookback/{item}/confirm"))[0] == 401
        async with signed_in(chat, server, SUP2) as desk:
            assert (await desk.post(f"/lookback/{item}/confirm"))[0] == 303
            assert "回头看：维持原认定" in (await desk.get("/lookback"))[1]
        filing = await chat.services.storage.filings.get(ref)
        assert filing is not None and filing.state == "confirmed"
    finally:
        await server.stop()
