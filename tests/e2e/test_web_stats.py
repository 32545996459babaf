"""The statistics page: the figures for the viewer's own units, the weekly chart as a PNG, and CSV and
XLSX downloads that leave an audit entry; another unit's supervisor sees none of it."""

from __future__ import annotations

import io

import openpyxl

from bot.runtime.local_chat import LocalChat
from bot.runtime.web import start_web
from tests.support.flows import ADMIN, FOREIGN, SUP, filed
from tests.support.webdesk import forged, signed_in

REASON = "程序合规，出于公心，未谋取私利，符合先行先试情形，予以容错。"
KEPT = {"law": True, "org_interest": True, "others_rights": True}


async def _decided(chat: LocalChat) -> str:
    ref, _ = await filed(chat)
    await chat.services.filings.workflow.accept(ref, SUP)
    await chat.services.filings.workflow.decide(ref, SUP, "tolerated", REASON, KEPT, [1])
    return ref


async def test_supervisor_reads_figures_chart_and_downloads(chat: LocalChat) -> None:
    ref = await _decided(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, SUP) as desk:
            status, html = await desk.get("/stats")
            assert status == 200 and "甲社区" in html and "予以容错 1" in html and "乙社区" not in html
            assert '<img class="chart" src="/stats/chart.png' in html
            async with desk.http.get(f"{desk.url}/stats/chart.png?start=&end=") as png:
                assert png.status == 200 and png.content_type == "image/png"
                assert (await png.read()).startswith(b"\x89PNG")
            async with desk.http.get(f"{desk.url}/stats/export.csv") as csv:
                assert csv.status == 200 and "attachment" in csv.headers["Content-Disposition"]
                assert ref in (await csv.read()).decode("utf-8-sig")
            async with desk.http.get(f"{desk.url}/stats/export.xlsx") as xlsx:
                assert xlsx.status == 200
                book = openpyxl.load_workbook(io.BytesIO(await xlsx.read()))
                assert any(ref in str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
            assert (await desk.get("/stats?start=2026-03-10&end=2026-03-01"))[0] == 400
            assert (await desk.get("/stats?start=someday"))[0] == 400
        actions = [(e.actor, e.action) for e in await chat.services.storage.audit.all()]
        assert (SUP, "export.xlsx") in actions and (SUP, "export.csv") in actions
    finally:
        await server.stop()


async def test_other_units_and_forgeries_see_no_figures(chat: LocalChat) -> None:
    ref = await _decided(chat)
    server = await start_web(chat.application, chat.services, "127.0.0.1:0")
    try:
        async with signed_in(chat, server, FOREIGN) as desk:
            status, html = await desk.get("/stats")
            assert status == 200 and "甲社区" not in html and "予以容错 1" not in html
            async with desk.http.get(f"{desk.url}/stats/export.csv") as csv:
                assert ref not in (await csv.read()).decode("utf-8-sig")
        async with signed_in(chat, server, ADMIN) as desk:
            status, html = await desk.get("/stats")
            assert status == 200 and "甲社区" in html
        async with forged(server) as desk:
            for path in ("/stats", "/stats/chart.png", "/stats/export.csv", "/stats/export.xlsx"):
                assert (await desk.get(path))[0] == 401, path
    finally:
        await server.stop()
