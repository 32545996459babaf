"""The look-back page: the runs and the items assigned to the viewer, with the review form.

Confirm and correct call LookbackService exactly as the chat's /lookback buttons do: a correction's
reason is checked first (as the chat checks it before asking for the clearing note), then one call.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.clock import show
from bot.filing import states
from bot.filing.errors import FilingError
from bot.webdesk.lookback import reviewer_view
from handlers.web.routes import SERVICES, USER, form_text, render


async def lookback_page(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    services = request.app[SERVICES]
    view = await reviewer_view(services.lookback, request[USER])
    tz = services.filings.calendar.tz
    runs = [
        {
            "id": r.id,
            "start": show(r.period_from, tz)[:10],
            # The period ends at the start of the day after its last day, as /lookback draw wrote it.
            "end": show(r.period_to - timedelta(minutes=1), tz)[:10],
            "population": r.population,
            "items": view.items.get(r.id, []),
        }
        for r in view.runs
    ]
    return render(
        request,
        "lookback_page.html",
        status=status,
        runs=runs,
        error=error,
        outcomes=states.OUTCOMES,
        boundaries=states.BOUNDARIES,
        distinctions=states.DISTINCTIONS,
        assigned=sum(1 for r in runs for i in r["items"] if i.result is None),
    )


async def review(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    reviewer = request[USER].telegram_id
    item_id = request.match_info["item"]
    if not item_id.isdigit():
        raise web.HTTPNotFound()
    try:
        if request.match_info["action"] == "confirm":
            await services.lookback.confirm(int(item_id), reviewer)
        elif request.match_info["action"] == "correct":
            reason = services.filings.workflow.check_reason(form_text(form, "reason"))
            await services.lookback.correct(
                int(item_id),
                reviewer,
                outcome=form_text(form, "outcome"),
                reason=reason,
                boundaries={name: form.get(f"boundary_{name}") == "kept" for name in states.BOUNDARIES},
                distinctions=[int(d) for d in form.getall("distinction", []) if isinstance(d, str) and d.isdigit()],
                clearing_note=form_text(form, "clearing_note"),
            )
        else:
            raise web.HTTPNotFound()
    except FilingError as exc:
        return await lookback_page(request, status=400, error=exc.key)
    await services.notifier.drain()
    return web.Response(status=303, headers={"Location": "/lookback"})


def add_lookback_routes(app: web.Application) -> None:
    app.router.add_get("/lookback", lookback_page)
    app.router.add_post("/lookback/{item}/{action}", review)
