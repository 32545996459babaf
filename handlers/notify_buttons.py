"""Buttons on notifications queued by the filing service (which knows nothing of Telegram)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from bot.services import Services
from handlers.callback_data import My, Ns, Sv, cb
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
                [
                    [
                        (t(loc, f"sv.btn.{Sv.ACCEPT}"), cb(Ns.SUPERVISE, Sv.ACCEPT, ref)),
                        (t(loc, "sv.btn.view"), cb(Ns.SUPERVISE, Sv.VIEW, ref)),
                    ]
                ]
            )
        if purpose in ("new_feedback", "answered", "reminder", "escalation"):
            return keyboard([[(t(loc, "sv.btn.view"), cb(Ns.SUPERVISE, Sv.VIEW, ref))]])
        if purpose == "new_prereg":
            return keyboard([[(t(loc, f"sv.btn.{Sv.ACK}"), cb(Ns.SUPERVISE, Sv.ACK, ref))]])
        if purpose == "submitted":
            return keyboard([[(t(loc, "menu.my"), cb(Ns.MENU, "my"))]])
        if purpose == "answer_info":
            return keyboard([[(t(loc, "view.btn_answer"), cb(Ns.MY, My.ANSWER, ref))]])
        if purpose == "lookback":
            return keyboard([[(t(loc, "menu.lookback"), cb(Ns.MENU, "lookback"))]])
        return None

    return markup
