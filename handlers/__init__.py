"""Telegram handlers: thin callbacks over the services in :mod:`bot`."""

from __future__ import annotations

from telegram.ext import Application


def register_all(application: Application) -> None:
    from handlers import (
        admin_kb,
        admin_users,
        common,
        filing_forms,
        followup,
        knowledge,
        selfcheck,
        stats,
        supervise,
    )

    common.register(application)
    admin_users.register(application)
    admin_users.register_users(application)
    knowledge.register(application)
    selfcheck.register(application)
    filing_forms.register(application)
    followup.register(application)
    supervise.register(application)
    stats.register(application)
    admin_kb.register(application)
    admin_kb.register_uploads(application)
    knowledge.register_free_text(application)
    common.register_fallbacks(application)
