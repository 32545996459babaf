"""The web desk's routes: thin, like the chat handlers — read the request, call a service, render.

Every rule stays in the services; here is only HTTP: the session cookie, the CSRF check on every
form, the security headers, and which template shows the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.filing import states
from bot.filing.errors import FilingError
from bot.services import Services
from bot.webdesk.signin import WebDesk, WebDeskError, WebSession
from handlers.web import labels
from handlers.web.labels import Say
from storage.records import User

COOKIE = "cadrebot_desk"
SERVICES = web.AppKey("services", Services)
DESK = web.AppKey("desk", WebDesk)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
USER = web.RequestKey("user", User)
SESSION = web.RequestKey("session", WebSession)
LOCALE = web.RequestKey("locale", str)
# No inline script or style, nothing from elsewhere, no framing: injected markup can do nothing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Reachable without a session: the sign-in steps.
OPEN_PATHS = ("/signin", "/static/")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def say(request: web.Request) -> Say:
    services = request.app[SERVICES]
    return Say(services.catalogue, request.get(LOCALE) or services.settings.locale)


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    t = say(request)
    session = request.get(SESSION)
    html = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(
            t=t,
            lang=t.locale,
            locales=labels.LOCALES,
            # A refusal names nothing, not even the reference it refused, so the switch leads home.
            here=request.path_qs if status < 400 else "/queue",
            csrf=session.csrf if session else "",
            user=request.get(USER),
            **values,
        )
    )
    return web.Response(text=html, content_type="text/html", status=status)


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session for every page but sign-in; every POST must carry the session's CSRF token."""
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    found = await request.app[DESK].session(request.cookies.get(COOKIE))
    if found is None:
        return render(request, "message.html", status=401, key="web.session_ended")
    request[USER], request[SESSION] = found
    desk, services = request.app[DESK], request.app[SERVICES]
    request[LOCALE] = desk.locale(found[1]) or await services.locale_for(found[0].telegram_id)
    if request.method == "POST":
        form = await request.post()
        token = form.get("csrf")
        if not WebDesk.csrf_ok(found[1], token if isinstance(token, str) else None):
            return render(request, "message.html", status=403, key="web.csrf_failed")
    return await handler(request)


async def signin_page(request: web.Request) -> web.Response:
    # A GET only shows a button: link previews and prefetchers must not spend the one-time link.
    return render(request, "signin.html", token=request.match_info["token"])


async def signin(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token = form.get("token")
    client = request.remote or "?"
    try:
        cookie, _ = await request.app[DESK].redeem(token if isinstance(token, str) else "", client)
    except WebDeskError as exc:
        status = 429 if exc.key == "web.slow_down" else 403
        return render(request, "message.html", status=status, key=exc.key)
    response = web.Response(status=303, headers={"Location": "/queue"})
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(request.app[DESK].session_lifetime.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    request.app[DESK].logout(request[SESSION])
    response = render(request, "message.html", key="web.signed_out")
    response.del_cookie(COOKIE, path="/")
    return response


async def queue(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        items = await services.filings.queries.queue(request[USER].telegram_id)
    except FilingError as exc:
        return render(request, "message.html", status=403, key=exc.key)
    # Narrowing what the service already allowed this viewer to see; the query holds no filing data.
    wanted = {name: request.query.get(name, "") for name in ("state", "kind", "unit")}
    overdue = request.query.get("overdue") == "1"
    t = say(request)
    unit_ids = {i.filing.unit_id for i in items if i.filing.unit_id is not None}
    units = sorted([(await labels.unit_name(t, services, u), u) for u in unit_ids])
    shown = [
        i
        for i in items
        if (not wanted["state"] or i.filing.state == wanted["state"])
        and (not wanted["kind"] or i.filing.kind == wanted["kind"])
        and (not wanted["unit"] or str(i.filing.unit_id) == wanted["unit"])
        and (not overdue or i.overdue)
    ]
    return render(
        request,
        "queue.html",
        items=shown,
        wanted=wanted,
        overdue=overdue,
        states=sorted({i.filing.state for i in items}),
        kinds=sorted({i.filing.kind for i in items}),
        units=[{"id": u, "name": n} for n, u in units],
    )


async def choose_locale(request: web.Request) -> web.StreamResponse:
    """The zh/en switch: kept for this session only; the chat's own language setting stays as it was."""
    form = await request.post()
    locale = form_text(form, "locale")
    if locale in labels.LOCALES:
        request.app[DESK].set_locale(request[SESSION], locale)
    back = form_text(form, "back")
    # Only a path on this desk: the form cannot be turned into an open redirect.
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/queue"
    return web.Response(status=303, headers={"Location": back})


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/queue")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/signin/{token}", signin_page)
    app.router.add_post("/signin", signin)
    app.router.add_post("/logout", logout)
    app.router.add_post("/locale", choose_locale)
    app.router.add_get("/queue", queue)
    app.router.add_static("/static/", Path(__file__).parent / "static")
    add_filing_routes(app)


async def filing_page(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    services = request.app[SERVICES]
    queries = services.filings.queries
    viewer = request[USER].telegram_id
    ref = request.match_info["ref"]
    try:
        filing = await queries.get(ref, viewer)
        history = await queries.history(ref, viewer)
        deadlines = await queries.deadlines(ref, viewer)
        attachments = await queries.attachments(ref, viewer)
        actions = await queries.actions(ref, viewer)
    except FilingError as exc:
        # Another unit's filing and a guessed reference answer alike: nothing to see.
        return render(request, "message.html", status=404, key=exc.key)
    t = say(request)
    kb = services.knowledge.current.kb
    decision = filing.decision or {}
    return render(
        request,
        "filing_page.html",
        status=status,
        filing=filing,
        applicant=await labels.applicant(t, services, filing),
        unit=await labels.unit_name(t, services, filing.unit_id),
        fields=labels.field_rows(t, kb, filing, len(attachments)),
        decision=decision,
        history=labels.timeline_rows(t, services, history),
        deadlines=labels.deadline_rows(t, services, deadlines),
        attachments=attachments,
        actions=actions,
        error=error,
        outcomes=states.OUTCOMES,
        boundaries=states.BOUNDARIES,
        distinctions=states.DISTINCTIONS,
    )


def form_text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def act(request: web.Request) -> web.StreamResponse:
    """One action on a filing, through the very workflow the chat's buttons call."""
    workflow = request.app[SERVICES].filings.workflow
    form = await request.post()
    ref, action, actor = request.match_info["ref"], request.match_info["action"], request[USER].telegram_id
    try:
        if action == "accept":
            await workflow.accept(ref, actor)
        elif action == "request_info":
            await workflow.request_info(ref, actor, form_text(form, "message"))
        elif action == "note":
            await workflow.add_internal_note(ref, actor, form_text(form, "message"))
        elif action == "message":
            await workflow.message_cadre(ref, actor, form_text(form, "message"))
        elif action == "decide":
            await workflow.decide(
                ref,
                actor,
                form_text(form, "outcome"),
                form_text(form, "reason"),
                {name: form.get(f"boundary_{name}") == "kept" for name in states.BOUNDARIES},
                [int(d) for d in form.getall("distinction", []) if isinstance(d, str) and d.isdigit()],
            )
        else:
            raise web.HTTPNotFound()
    except FilingError as exc:
        return await filing_page(request, status=400, error=exc.key)
    await request.app[SERVICES].notifier.drain()
    return web.Response(status=303, headers={"Location": f"/filing/{ref}"})


def add_filing_routes(app: web.Application) -> None:
    app.router.add_get("/filing/{ref}", filing_page)
    app.router.add_post("/filing/{ref}/{action}", act)
