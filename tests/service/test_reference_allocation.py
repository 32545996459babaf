"""Reference numbers are allocated atomically, per prefix and year, from the database's counters."""

from __future__ import annotations

import asyncio

from bot.filing.references import allocate, format_ref
from storage.sqlite.storage import SqliteStorage


async def test_allocation_is_atomic_per_prefix_and_year(tmp_path) -> None:
    storage = await SqliteStorage.open(tmp_path / "t.sqlite3")
    refs = await asyncio.gather(*(allocate(storage.counters, "RC", 2026) for _ in range(20)))
    assert sorted(refs) == [format_ref("RC", 2026, n) for n in range(1, 21)]
    assert await allocate(storage.counters, "FB", 2026) == "FB-2026-000001"
    assert await allocate(storage.counters, "RC", 2027) == "RC-2027-000001"
    await storage.close()
