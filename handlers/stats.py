"""/stats: superior supervision from a phone — figures for the units a user oversees, XLSX and a chart."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.filing import calendar_watch
from bot.supervision.chart import decisions_chart
from bot.supervision.exports import export_rows, write_xlsx
from bot.supervision.stats import compute_stats, stats_text
from handlers import menu
from handlers.access import locale, require, t
from handlers.callback_data import Callback, cb, pattern
from handlers.context import Ctx
from handlers.reply import answer_query, keyboard, reply

ROLES = ("supervisor", "admin")


def _dates(args: list[str]) -> tuple[date | None, date | None]:
    parsed = [date.fromisoformat(a) for a in args[:2]]
    start = parsed[0] if parsed else None
    end = parsed[1] if len(parsed) > 1 else None
    if start and end and end < start:
        raise ValueError("end before start")
    return start, end


async def stats(update: Update, context: Ctx) -> None:
    await answer_query(update)
    user = await require(update, context, *ROLES)
    if user is None:
        return
    try:
        start, end = _dates(context.args or [])
    except ValueError:
        await reply(update, context, await t(update, context, "statsui.usage"))
        return
    services = context.services
    units = await services.users.visible_units(user)
    figures = await compute_stats(
        services.storage,
        start=start,
        end=end,
        unit_ids=units,
        calendar=services.filings.calendar,
        now=datetime.now(UTC),
    )
    loc = await locale(update, context)
    span = f"{start or ''}_{end or ''}"
    rows = [
        [
            (await t(update, context, "statsui.btn_xlsx"), cb("st", "xlsx", span)),
            (await t(update, context, "statsui.btn_chart"), cb("st", "chart", span)),
        ]
    ]
    text = stats_text(figures, services.catalogue.t, loc)
    gaps = await calendar_watch.uncovered_years(services)
    if gaps:  # deadlines counted with weekends only: say so where supervision looks
        gap = services.catalogue.t(loc, "statsui.calendar_gap", years=calendar_watch.years_text(gaps, loc))
        text = f"{text}\n\n{gap}"
    await reply(update, context, text, keyboard(rows))


async def files(update: Update, context: Ctx) -> None:
    await answer_query(update)
    user = await require(update, context, *ROLES)
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    if user is None:
        return
    try:
        start, end = _dates([p for p in (data.arg if data else "").split("_") if p])
    except ValueError:
        start = end = None
        data = None
    if data is None or data.action not in ("xlsx", "chart"):
        await reply(update, context, await t(update, context, "common.stale_button"))
        return
    services = context.services
    units = await services.users.visible_units(user)
    now = datetime.now(UTC)
    chat_id = update.effective_chat.id
    with tempfile.TemporaryDirectory() as tmp:
        if data.action == "xlsx":
            rows = await export_rows(
                services.storage, start=start, end=end, unit_ids=units, calendar=services.filings.calendar, now=now
            )
            path = write_xlsx(rows, Path(tmp) / f"cadrebot-{now:%Y%m%d}.xlsx")
            await services.storage.audit.append(
                user.telegram_id, "export.xlsx", "", {"start": str(start), "end": str(end), "units": units}
            )
            await context.bot.send_document(chat_id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))
        else:
            figures = await compute_stats(
                services.storage, start=start, end=end, unit_ids=units, calendar=services.filings.calendar, now=now
            )
            path = decisions_chart(figures, Path(tmp) / "decisions.png")
            await context.bot.send_photo(chat_id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CallbackQueryHandler(files, pattern=pattern("st")))
    menu.register("stats", set(ROLES), stats)
