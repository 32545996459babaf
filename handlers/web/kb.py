"""Admins' read-only knowledge-base pages: the versions (as /kb history lists them) and a diff of two."""

from __future__ import annotations

from aiohttp import web

from bot.clock import show
from bot.filing.errors import FilingError
from bot.kb import admin as kb_admin
from bot.kb.admin import KbStateError, SectionDiff
from bot.webdesk.kb import between, versions
from handlers.web.labels import Say
from handlers.web.routes import SERVICES, USER, render, say


def _comment(t: Say, comment: str) -> str:
    found = kb_admin.comment_key(comment)
    if found is None:
        return comment or "-"
    key, values = found
    if "field" in values:
        values["field"] = t.maybe(f"kbadmin.fields.{values['field']}", values["field"])
    return t(f"kbadmin.comments.{key}", **values)


def _changes(t: Say, changes: list[SectionDiff]) -> list[dict[str, object]]:
    return [
        {
            "title": t(
                "kbadmin.diff_section",
                section=t(f"kbadmin.sections.{c.section}"),
                added=len(c.added),
                changed=len(c.changed),
                removed=len(c.removed),
            ),
            "added": t("kbadmin.diff_added", ids=", ".join(c.added)) if c.added else "",
            "changed": [
                t("kbadmin.diff_changed", id=entry, fields=t.join(t.maybe(f"kbadmin.fields.{f}", f) for f in fields))
                for entry, fields in c.changed.items()
            ],
            "removed": t("kbadmin.diff_removed", ids=", ".join(c.removed)) if c.removed else "",
        }
        for c in changes
    ]


def _version(value: str) -> int | None:
    return int(value) if value.isdigit() else None


async def kb_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    user = request[USER]
    t = say(request)
    try:
        listed = await versions(services, user)
    except FilingError as exc:
        return render(request, "message.html", status=403, key=exc.key)
    tz = services.filings.calendar.tz
    current = services.knowledge.current.version
    rows = [
        {
            "id": v.id,
            "line": t(
                "kbadmin.history_line",
                id=v.id,
                at=show(v.created_at, tz),
                author=v.author or t("kbadmin.system"),
                comment=_comment(t, v.comment),
            ),
            "current": v.id == current,
        }
        for v in listed
    ]
    old, new = _version(request.query.get("from", "")), _version(request.query.get("to", ""))
    changes, error, status = None, None, 200
    if old is not None and new is not None:
        try:
            changes = _changes(t, await between(services, user, old, new))
        except KbStateError as exc:
            error, status = t(exc.key, **exc.values), 404
    return render(request, "kb_page.html", status=status, versions=rows, old=old, new=new, changes=changes, error=error)


def add_kb_routes(app: web.Application) -> None:
    app.router.add_get("/kb", kb_page)
