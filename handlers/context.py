"""The callback context every handler receives, with the shared services one attribute away."""

from __future__ import annotations

from telegram.ext import CallbackContext, ExtBot

from bot.services import Services


class Ctx(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]
