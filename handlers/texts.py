"""The catalogue in the reader's language: one lookup per update instead of one per message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Update

from bot.i18n import Catalogue, Html
from handlers.context import Ctx
from handlers.reply import reply


async def locale(update: Update, context: Ctx) -> str:
    user = update.effective_user
    return await context.services.locale_for(user.id) if user else context.services.settings.locale


async def t(update: Update, context: Ctx, key: str, **values: object) -> str:
    return context.services.catalogue.t(await locale(update, context), key, **values)


@dataclass(frozen=True)
class Words:
    """The catalogue bound to one locale: ``say("key", value=…)``."""

    cat: Catalogue
    loc: str

    def __call__(self, key: str, **values: object) -> Html:
        return self.cat.t(self.loc, key, **values)

    def join(self, items: Iterable[object], sep: str = "common.sep_list") -> str:
        """Items in a list the way the language writes one (、 in Chinese, a comma in English)."""
        return self.cat.raw(self.loc, sep).join(str(i) for i in items)

    def items(self, items: Iterable[object]) -> str:
        """Longer items, such as titles (； in Chinese)."""
        return self.join(items, "common.sep_items")


async def words(update: Update, context: Ctx) -> Words:
    return Words(context.services.catalogue, await locale(update, context))


async def tell(update: Update, context: Ctx, key: str, **values: object) -> None:
    """One catalogue message, on its own: a prompt or a confirmation."""
    await reply(update, context, await t(update, context, key, **values))
