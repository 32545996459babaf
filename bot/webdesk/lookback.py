"""What the desk's look-back page lists: the runs a reviewer took part in, and that reviewer's items.

The chat lists only open items; a page also shows the runs they came from and what was already
reviewed, so a reviewer sees the sample as drawn. Admins see every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.filing.lookback import LookbackService
from storage.records import User
from storage.records_filings import LookbackItem, LookbackRun


@dataclass(frozen=True)
class ReviewerView:
    runs: list[LookbackRun]
    # Per run id, this reviewer's items in it (reviewed or not), oldest first.
    items: dict[int, list[LookbackItem]]


async def reviewer_view(service: LookbackService, user: User) -> ReviewerView:
    mine = await service.repo.items(reviewer_id=user.telegram_id)
    by_run: dict[int, list[LookbackItem]] = {}
    for item in sorted(mine, key=lambda i: i.id):
        by_run.setdefault(item.run_id, []).append(item)
    runs = [r for r in await service.repo.runs() if user.role == "admin" or r.id in by_run]
    return ReviewerView(sorted(runs, key=lambda r: r.id, reverse=True), by_run)
