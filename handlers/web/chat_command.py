"""/web: a supervisor's one-time sign-in link to the web desk; cadres are pointed back to the chat."""

from __future__ import annotations

from telegram import Update

from bot.webdesk.signin import WebDesk, WebDeskError
from handlers.context import Ctx
from handlers.guards import refuse, requires
from handlers.texts import tell
from storage.records import User


@requires()
async def web(update: Update, context: Ctx, user: User) -> None:
    desk: WebDesk | None = context.application.bot_data.get("webdesk")
    base: str | None = context.application.bot_data.get("webdesk_url")
    if desk is None or base is None:
        await refuse(update, context, "web.not_running")
        return
    try:
        token = await desk.issue_link(user.telegram_id)
    except WebDeskError as exc:
        await refuse(update, context, exc.key, **exc.values)
        return
    await tell(update, context, "web.link", url=f"{base}/signin/{token}")
