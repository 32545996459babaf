"""The statistics page: the figures of `cadrebot report` for the viewer's units, the weekly chart as a
PNG, and CSV/XLSX downloads (each download writes its audit entry, as /stats's XLSX does)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path

from aiohttp import web

from bot.supervision.chart import decisions_chart
from bot.supervision.exports import export_csv, export_xlsx
from bot.supervision.stats import Stats, compute_stats
from handlers.web.routes import LOCALE, SERVICES, USER, render

# matplotlib's pyplot is not for two threads at once; the chart is drawn off the bot's loop, one at a time.
_DRAWING = asyncio.Lock()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: web.Request) -> tuple[date | None, date | None]:
    """The period from the form; ValueError when a date is malformed or the end comes first."""
    start, end = (request.query.get(name, "").strip() for name in ("start", "end"))
    first = date.fromisoformat(start) if start else None
    last = date.fromisoformat(end) if end else None
    if first and last and last < first:
        raise ValueError("end before start")
    return first, last


async def _figures(request: web.Request, start: date | None, end: date | None) -> Stats:
    services = request.app[SERVICES]
    return await compute_stats(
        services.storage,
        start=start,
        end=end,
        unit_ids=await services.users.visible_units(request[USER]),
        calendar=services.filings.calendar,
        now=services.filings.clock.now(),
    )


def _query(start: date | None, end: date | None) -> str:
    return f"?start={start or ''}&end={end or ''}"


async def stats_page(request: web.Request) -> web.Response:
    try:
        start, end = _period(request)
    except ValueError:
        return render(request, "stats.html", status=400, error="web.bad_period", figures=None, start="", end="")
    figures = await _figures(request, start, end)
    return render(
        request,
        "stats.html",
        error=None,
        figures=figures,
        start=str(start or ""),
        end=str(end or ""),
        query=_query(start, end),
    )


async def chart(request: web.Request) -> web.StreamResponse:
    try:
        start, end = _period(request)
    except ValueError:
        raise web.HTTPBadRequest() from None
    figures = await _figures(request, start, end)
    locale = request[LOCALE]
    with tempfile.TemporaryDirectory() as tmp:
        async with _DRAWING:
            path = await asyncio.to_thread(decisions_chart, figures, Path(tmp) / "decisions.png", locale=locale)
        body = path.read_bytes()
    return web.Response(body=body, content_type="image/png")


async def download(request: web.Request) -> web.StreamResponse:
    try:
        start, end = _period(request)
    except ValueError:
        raise web.HTTPBadRequest() from None
    services = request.app[SERVICES]
    user = request[USER]
    now = services.filings.clock.now()
    kind = request.match_info["kind"]
    scope = {
        "start": start,
        "end": end,
        "unit_ids": await services.users.visible_units(user),
        "calendar": services.filings.calendar,
        "now": now,
    }
    name = f"cadrebot-{now:%Y%m%d}.{kind}"
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "xlsx":
            path = await export_xlsx(
                services.storage, user.telegram_id, Path(tmp) / name, locale=request[LOCALE], **scope
            )
            content_type = XLSX
        elif kind == "csv":
            path = await export_csv(services.storage, user.telegram_id, Path(tmp) / name, **scope)
            content_type = "text/csv"
        else:
            raise web.HTTPNotFound()
        body = path.read_bytes()
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_stats_routes(app: web.Application) -> None:
    app.router.add_get("/stats", stats_page)
    app.router.add_get("/stats/chart.png", chart)
    app.router.add_get("/stats/export.{kind}", download)
