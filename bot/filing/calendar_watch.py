"""Says so when a deadline falls in a year no working-day calendar source covers.

Such a year counts weekends only (``bot/filing/workdays.py``): its public holidays and make-up
days are missing, so deadlines there are provisional. Checked at start-up and by the deadlines job:
the years in question are this year and every year an open deadline runs through. A newly seen
year is logged at WARNING once per process, and each admin gets one message per year through the
outbox — its dedup key makes that once for good, not once per restart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.filing.workdays import parse_iso
from storage.records import Role

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


async def uncovered_years(services: Services) -> list[int]:
    """This year and the years of open deadlines that neither the package nor the override covers."""
    filings = services.filings
    calendar = filings.calendar
    now = filings.clock.now()
    years = set(calendar.uncovered_years(now, now))
    for deadline in await filings.ctx.storage.deadlines.open():
        years.update(calendar.uncovered_years(parse_iso(deadline.started_at), parse_iso(deadline.due_at)))
    return sorted(years)


def years_text(years: list[int], locale: str) -> str:
    return ("、" if locale == "zh" else ", ").join(str(y) for y in years)


async def check(services: Services) -> list[int]:
    """Warn about uncovered years not warned about yet in this process; returns all uncovered years."""
    years = await uncovered_years(services)
    new = [y for y in years if y not in services.calendar_warned]
    if not new:
        return years
    calendar = services.filings.calendar
    log.warning(
        "working-day calendar: no source covers %s (%s); deadlines there count weekends only and are "
        "shown as provisional: upgrade chinese-calendar or add the year to CADREBOT_HOLIDAYS_FILE",
        ", ".join(str(y) for y in new),
        calendar.describe(),
    )
    admins = await services.storage.users.with_role(Role.ADMIN)
    for year in new:
        for admin in admins:
            locale = await services.locale_for(admin.telegram_id)
            text = services.catalogue.t(locale, "workcal.uncovered_admin", year=year, source=calendar.describe())
            await services.notifier.enqueue(
                admin.telegram_id, text, dedup_key=f"calendar:uncovered:{year}:{admin.telegram_id}"
            )
    services.calendar_warned.update(new)
    return years
