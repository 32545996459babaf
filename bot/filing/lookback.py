"""Look-back (回头看): re-review a random sample of decided requests by a different supervisor.

A run draws a seeded sample (the seed is stored, so the draw can be reproduced and checked) of
requests decided in a period, and assigns each to a supervisor of the unit — or, if the unit has
none other, an admin — who is neither the one who decided nor the cadre. The reviewer confirms
the decision, or corrects it: a new decision with its reason and boundaries, plus a clearing note
(澄清正名) that is recorded, sent to the cadre and included in the public digest.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.filing import states
from bot.filing.errors import AccessError, FilingError, TransitionError
from bot.filing.service import FilingService
from bot.filing.workdays import iso
from storage.records import Role, User
from storage.records_filings import Filing, LookbackItem, LookbackRun


@dataclass(frozen=True)
class LookbackPolicy:
    share: float = 0.1  # of the decided requests in the period
    min_size: int = 1
    max_size: int | None = None


class LookbackService:
    def __init__(self, filings: FilingService, policy: LookbackPolicy | None = None) -> None:
        self.filings = filings
        self.storage = filings.ctx.storage
        self.repo = filings.ctx.storage.lookbacks
        self.users = filings.ctx.users
        self.policy = policy or LookbackPolicy()

    async def draw(
        self,
        actor_id: int,
        start: datetime,
        end: datetime,
        *,
        seed: int | None = None,
        share: float | None = None,
        min_size: int | None = None,
        max_size: int | None = None,
    ) -> tuple[LookbackRun, list[LookbackItem]]:
        """Sample requests decided in [start, end) of the actor's units (admins: all units)."""
        actor = await self.users.active(actor_id)
        if actor is None or actor.role not in states.SUPERVISING:
            raise AccessError("filing.error.not_allowed")
        share = self.policy.share if share is None else share
        min_size = self.policy.min_size if min_size is None else min_size
        max_size = self.policy.max_size if max_size is None else max_size
        if not 0 < share <= 1 or min_size < 0 or (max_size is not None and max_size < 0) or end <= start:
            raise FilingError("lookback.error.bad_parameters")
        now = self.filings.clock.now()
        seed = int(now.timestamp() * 1000) if seed is None else seed
        units = await self.users.visible_units(actor)
        async with self.storage.transaction():
            population = [
                f
                for f in await self.storage.filings.decided_between(iso(start), iso(end), list(states.DECIDED_STATES))
                if (units is None or f.unit_id in units) and not await self._under_review(f.ref)
            ]
            size = min(len(population), max(min_size, math.ceil(share * len(population))))
            if max_size is not None:
                size = min(size, max_size)
            rng = random.Random(seed)
            chosen = sorted(rng.sample(population, size), key=lambda f: f.ref)
            run = await self.repo.create_run(
                at=iso(now),
                created_by=actor_id,
                period_from=iso(start),
                period_to=iso(end),
                share=share,
                seed=seed,
                population=len(population),
            )
            load: Counter[int] = Counter()
            items = []
            for filing in chosen:
                reviewer = await self._reviewer(filing, rng, load)
                if reviewer is not None:
                    load[reviewer.telegram_id] += 1
                item = await self.repo.add_item(
                    run.id, filing.ref, filing.decided_by, filing.outcome, reviewer.telegram_id if reviewer else None
                )
                items.append(item)
                if reviewer is not None:
                    await self.filings.notices.send(
                        reviewer.telegram_id,
                        "lookback.notify.assigned",
                        f"lb{item.id}",
                        purpose="lookback",
                        subject=item,
                        ref=filing.ref,
                    )
            await self.storage.audit.append(
                actor_id,
                "lookback.draw",
                f"run:{run.id}",
                {
                    "from": run.period_from,
                    "to": run.period_to,
                    "seed": seed,
                    "share": share,
                    "population": len(population),
                    "sample": [i.filing_ref for i in items],
                },
            )
        return run, items

    async def _under_review(self, ref: str) -> bool:
        return any(item.result is None for item in await self.repo.items_for(ref))

    async def _reviewer(self, filing: Filing, rng: random.Random, load: Counter[int]) -> User | None:
        excluded = {filing.decided_by, filing.cadre_id}
        candidates = [u for u in await self.users.supervisors_of(filing.unit_id) if u.telegram_id not in excluded]
        if not candidates:
            candidates = [u for u in await self.storage.users.with_role(Role.ADMIN) if u.telegram_id not in excluded]
        if not candidates:
            return None
        fewest = min(load[u.telegram_id] for u in candidates)
        least_loaded = sorted((u for u in candidates if load[u.telegram_id] == fewest), key=lambda u: u.telegram_id)
        return rng.choice(least_loaded)

    async def assigned_to(self, reviewer_id: int) -> list[LookbackItem]:
        """Open look-back items waiting for this reviewer."""
        return await self.repo.items(reviewer_id=reviewer_id, open_only=True)

    async def items(self, run_id: int) -> list[LookbackItem]:
        return await self.repo.items(run_id=run_id)

    async def assign(self, item_id: int, reviewer_id: int, actor_id: int) -> LookbackItem:
        """An admin (re)assigns an open item, e.g. one that found no eligible reviewer."""
        actor = await self.users.active(actor_id)
        if actor is None or actor.role != "admin":
            raise AccessError("filing.error.not_allowed")
        item = await self.repo.item(item_id)
        if item is None or item.result is not None:
            raise TransitionError("lookback.error.already_reviewed")
        filing = await self.storage.filings.get(item.filing_ref)
        reviewer = await self.users.active(reviewer_id)
        if filing is None or reviewer is None or reviewer.role not in states.SUPERVISING:
            raise FilingError("lookback.error.bad_reviewer")
        if reviewer_id in (item.original_decider, filing.cadre_id):
            raise TransitionError("lookback.error.same_reviewer")
        async with self.storage.transaction():
            if not await self.repo.update_item(item_id, reviewer_id=reviewer_id):
                raise TransitionError("lookback.error.already_reviewed")
            await self.storage.audit.append(
                actor_id, "lookback.assign", item.filing_ref, {"item": item_id, "reviewer": reviewer_id}
            )
        updated = await self.repo.item(item_id)
        assert updated is not None
        return updated

    async def confirm(self, item_id: int, reviewer_id: int, note: str = "") -> LookbackItem:
        async with self.storage.transaction():
            item = await self._open_item(item_id, reviewer_id)
            await self.filings.workflow.change(item.filing_ref, reviewer_id, "confirm", message=note or None)
            await self._record(item, reviewer_id, result="confirmed", note=note.strip()[:2000])
        return await self._reload(item_id)

    async def correct(
        self,
        item_id: int,
        reviewer_id: int,
        *,
        outcome: str,
        reason: str,
        boundaries: dict[str, bool],
        distinctions: list[int] | tuple[int, ...] = (),
        clearing_note: str,
    ) -> LookbackItem:
        """A misjudgment: a new decision, a clearing note, the cadre told — all in one transaction."""
        async with self.storage.transaction():
            item = await self._open_item(item_id, reviewer_id)
            filing = await self.filings.workflow.change(
                item.filing_ref,
                reviewer_id,
                "correct",
                outcome=outcome,
                reason=reason,
                boundaries=boundaries,
                distinctions=distinctions,
                clearing_note=clearing_note,
            )
            decision: dict[str, Any] = filing.decision or {}
            await self._record(
                item,
                reviewer_id,
                result="corrected",
                new_outcome=filing.outcome,
                note=decision.get("reason", ""),
                clearing_note=decision.get("clearing_note"),
            )
        return await self._reload(item_id)

    async def _open_item(self, item_id: int, reviewer_id: int) -> LookbackItem:
        item = await self.repo.item(item_id)
        if item is None:
            raise AccessError()
        if item.result is not None:
            raise TransitionError("lookback.error.already_reviewed")
        if reviewer_id == item.original_decider:
            raise TransitionError("lookback.error.same_reviewer")
        if item.reviewer_id is not None and item.reviewer_id != reviewer_id:
            raise AccessError("lookback.error.not_assigned")
        if item.reviewer_id is None:
            actor = await self.users.active(reviewer_id)
            if actor is None or actor.role != "admin":
                raise AccessError("lookback.error.not_assigned")
        return item

    async def _record(self, item: LookbackItem, reviewer_id: int, **fields: Any) -> None:
        now = iso(self.filings.clock.now())
        if not await self.repo.update_item(item.id, reviewer_id=reviewer_id, reviewed_at=now, **fields):
            raise TransitionError("lookback.error.already_reviewed")
        await self.storage.audit.append(
            reviewer_id,
            f"lookback.{fields['result']}",
            item.filing_ref,
            {"item": item.id, "run": item.run_id, **{k: v for k, v in fields.items() if k != "note"}},
        )

    async def _reload(self, item_id: int) -> LookbackItem:
        item = await self.repo.item(item_id)
        assert item is not None
        return item

    async def correction_rate(self, run_id: int | None = None) -> tuple[int, int]:
        """(corrected, reviewed) over one run or all runs, for supervision statistics."""
        items = await self.repo.items(run_id=run_id)
        reviewed = [i for i in items if i.result]
        return sum(1 for i in reviewed if i.result == "corrected"), len(reviewed)
