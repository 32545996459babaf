"""Buttons on notifications queued by the filing service (which knows nothing of Telegram)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from bot.services import Services
from handlers.callback_data import cb
from handlers.reply import keyboard


def make_markup(services: Services):
    def markup(purpose: str, subject: Any, recipient_id: int) -> InlineKeyboardMarkup | None:
        loc = services.cached_locale(recipient_id)
        t = services.catalogue.t
        ref = getattr(subject, "ref", None) or getattr(subject, "filing_ref", None)
        if not ref:
            return None
        if purpose == "new_request":
            return keyboard(
                [[(t(loc, "sv.btn.acc"), cb("sv", "acc", ref)), (t(loc, "sv.btn.view"), cb("sv", "v", ref))]]
            )
        if purpose in ("new_feedback", "answered", "reminder", "escalation"):
            return keyboard([[(t(loc, "sv.btn.view"), cb("sv", "v", ref))]])
        if purpose == "new_prereg":
            return keyboard([[(t(loc, "sv.btn.ack"), cb("sv", "ack", ref))]])
        if purpose == "answer_info":
            return keyboard([[(t(loc, "view.btn_answer"), cb("my", "ans", ref))]])
        if purpose == "lookback":
            return keyboard([[(t(loc, "menu.lookback"), cb("m", "lookback"))]])
        return None

    return markup
