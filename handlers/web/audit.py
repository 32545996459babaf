"""The audit page: the chain's verify status for admins, and the trail filtered by filing reference."""

from __future__ import annotations

from aiohttp import web

from bot.clock import show
from bot.filing.errors import FilingError
from bot.webdesk.audit import chain_status, trail
from handlers.web.routes import SERVICES, USER, render


async def audit_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    user = request[USER]
    ref = request.query.get("ref", "").strip()
    problems, walked = await chain_status(services, user) if user.role == "admin" else (None, 0)
    try:
        entries = await trail(services, user, ref)
    except FilingError as exc:
        status = 400 if exc.key == "web.audit_only_filing" else 404
        # A refused reference is not echoed back: the form comes back empty.
        return render(
            request, "audit.html", status=status, error=exc.key, problems=problems, walked=walked, entries=[], ref=""
        )
    tz = services.filings.calendar.tz
    rows = [
        {"at": show(e.at, tz), "actor": e.actor, "action": e.action, "subject": e.subject, "payload": e.payload}
        for e in entries
    ]
    return render(request, "audit.html", error=None, problems=problems, walked=walked, entries=rows, ref=ref)


def add_audit_routes(app: web.Application) -> None:
    app.router.add_get("/audit", audit_page)
