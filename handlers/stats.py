"""/stats: superior supervision from a phone — figures for the units a user oversees, XLSX and a chart."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from telegram import InputFile, Update

from bot.filing import calendar_watch
from bot.supervision.chart import decisions_chart
from bot.supervision.exports import export_xlsx
from bot.supervision.stats import compute_stats, stats_text
from bot.users import SUPERVISING
from handlers.callback_data import Callback, Ns, Stats, cb
from handlers.context import Ctx, chat_of
from handlers.guards import refuse, requires, stale
from handlers.reply import keyboard, reply
from handlers.texts import locale, words
from storage.records import User


def _dates(args: list[str]) -> tuple[date | None, date | None]:
    parsed = [date.fromisoformat(a) for a in args[:2]]
    start = parsed[0] if parsed else None
    end = parsed[1] if len(parsed) > 1 else None
    if start and end and end < start:
        raise ValueError("end before start")
    return start, end


@requires(*SUPERVISING)
async def stats(update: Update, context: Ctx, user: User) -> None:
    try:
        start, end = _dates(context.args or [])
    except ValueError:
        await refuse(update, context, "statsui.usage")
        return
    services = context.services
    units = await services.users.visible_units(user)
    figures = await compute_stats(
        services.storage,
        start=start,
        end=end,
        unit_ids=units,
        calendar=services.filings.calendar,
        now=services.filings.clock.now(),
    )
    say = await words(update, context)
    span = f"{start or ''}_{end or ''}"
    rows = [
        [
            (say("statsui.btn_xlsx"), cb(Ns.STATS, Stats.XLSX, span)),
            (say("statsui.btn_chart"), cb(Ns.STATS, Stats.CHART, span)),
        ]
    ]
    text = stats_text(figures, services.catalogue.t, say.loc)
    gaps = await calendar_watch.uncovered_years(services)
    if gaps:  # deadlines counted with weekends only: say so where supervision looks
        gap = say("statsui.calendar_gap", years=calendar_watch.years_text(gaps, say.loc))
        text = f"{text}\n\n{gap}"
    await reply(update, context, text, keyboard(rows))


@requires(*SUPERVISING)
async def files(update: Update, context: Ctx, user: User) -> None:
    data = Callback.of(update)
    try:
        start, end = _dates([p for p in (data.arg if data else "").split("_") if p])
    except ValueError:
        start = end = None
        data = None
    if data is None or data.action not in tuple(Stats):
        await stale(update, context)
        return
    services = context.services
    units = await services.users.visible_units(user)
    now = services.filings.clock.now()
    chat_id = chat_of(update).id
    with tempfile.TemporaryDirectory() as tmp:
        if data.action == Stats.XLSX:
            path = await export_xlsx(
                services.storage,
                user.telegram_id,
                Path(tmp) / f"cadrebot-{now:%Y%m%d}.xlsx",
                start=start,
                end=end,
                unit_ids=units,
                calendar=services.filings.calendar,
                now=now,
                locale=await locale(update, context),
            )
            await context.bot.send_document(chat_id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))
        else:
            figures = await compute_stats(
                services.storage, start=start, end=end, unit_ids=units, calendar=services.filings.calendar, now=now
            )
            path = decisions_chart(figures, Path(tmp) / "decisions.png", locale=await locale(update, context))
            await context.bot.send_photo(chat_id, InputFile(io.BytesIO(path.read_bytes()), filename=path.name))
