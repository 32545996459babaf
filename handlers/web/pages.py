"""Every page of the desk, registered on one application."""

from __future__ import annotations

from aiohttp import web

from handlers.web import audit, kb, lookback, routes, stats


def add_all(app: web.Application) -> None:
    routes.add_routes(app)
    lookback.add_lookback_routes(app)
    stats.add_stats_routes(app)
    audit.add_audit_routes(app)
    kb.add_kb_routes(app)
