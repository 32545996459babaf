"""Transactions and concurrency, the same guarantees on SQLite and on PostgreSQL (issue #14).

Concurrent work comes from separate tasks on one storage and from a second storage over the same
database (a second process, to the database): the audit chain, counters, idempotency keys and
compare-and-set must hold either way.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.ops.audit import verify_storage
from storage.protocols import Storage
from storage.records_filings import FilingState
from tests.service.conftest import OpenStorage

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Boom(Exception):
    pass


async def _create(storage: Storage, ref: str, key: str):
    return await storage.filings.create(
        kind="request",
        ref=ref,
        cadre_id=10,
        unit_id=None,
        state="submitted",
        body={},
        consent_public=False,
        idempotency_key=key,
        at=T0,
    )


async def test_a_failed_transaction_leaves_nothing_half_written(storage: Storage) -> None:
    with pytest.raises(Boom):
        async with storage.transaction():
            await _create(storage, "RC-1", "k1")
            await storage.filings.append_event(
                "RC-1", at=T0, actor=10, actor_role="cadre", action="submit", visibility="cadre"
            )
            await storage.outbox.enqueue(5, "新申请", None, "n1")
            await storage.audit.append(10, "filing.submit", "RC-1", {})
            assert await storage.counters.next_number("RC", 2026) == 1
            assert await storage.filings.get("RC-1") is not None  # the transaction sees its own writes
            raise Boom
    assert await storage.filings.get("RC-1") is None
    assert await storage.filings.events("RC-1") == []
    assert await storage.outbox.pending() == []
    assert await storage.audit.all() == []
    assert await storage.counters.next_number("RC", 2026) == 1  # the rolled-back number is given again
    entry = await storage.audit.append(1, "after", "", {})
    assert entry.id == 1 and await verify_storage(storage) == []  # no gap where the rollback was


async def test_nested_transactions_join_the_outer_one(storage: Storage) -> None:
    with pytest.raises(Boom):
        async with storage.transaction():
            async with storage.transaction():
                await _create(storage, "RC-1", "k1")
            await storage.outbox.enqueue(5, "x", None)  # a write outside the inner block, same transaction
            raise Boom
    assert await storage.filings.get("RC-1") is None  # the inner block's write went with the outer rollback
    assert await storage.outbox.pending() == []

    async with storage.transaction():
        async with storage.transaction():
            await _create(storage, "RC-2", "k2")
        with pytest.raises(Boom):
            async with storage.transaction():
                raise Boom
    # An inner block that raised is not a savepoint: the caller caught it, the outer commit stands.
    assert await storage.filings.get("RC-2") is not None


async def test_after_commit_runs_only_after_the_outermost_commit(storage: Storage) -> None:
    ran: list[str] = []
    storage.after_commit(lambda: ran.append("outside"))
    assert ran == ["outside"]
    async with storage.transaction():
        async with storage.transaction():
            storage.after_commit(lambda: ran.append("inner"))
        assert ran == ["outside"]
        storage.after_commit(lambda: ran.append("outer"))
        await storage.outbox.enqueue(1, "x", None)
        assert ran == ["outside"]
    assert ran == ["outside", "inner", "outer"]
    with pytest.raises(Boom):
        async with storage.transaction():
            storage.after_commit(lambda: ran.append("rolled back"))
            raise Boom
    assert ran == ["outside", "inner", "outer"]


async def test_after_commit_sees_the_committed_rows_from_another_storage(open_storage: OpenStorage) -> None:
    writer, reader = await open_storage(), await open_storage()
    seen: list[object] = []
    async with writer.transaction():
        await _create(writer, "RC-1", "k1")
        assert await reader.filings.get("RC-1") is None  # not visible before the commit
        writer.after_commit(lambda: seen.append("committed"))
    assert seen == ["committed"] and await reader.filings.get("RC-1") is not None


async def test_audit_chain_verifies_after_50_concurrent_appends(open_storage: OpenStorage) -> None:
    one, two = await open_storage(), await open_storage()

    async def append(storage: Storage, n: int) -> None:
        async with storage.transaction():  # each append in a service transaction of its own
            await storage.outbox.enqueue(n, f"m{n}", None)
            await storage.audit.append(n, "concurrent", str(n), {"n": n})

    await asyncio.gather(*(append(one if n % 2 else two, n) for n in range(50)))
    entries = await one.audit.all()
    assert sorted(e.actor or 0 for e in entries) == list(range(50))
    assert await verify_storage(one) == []
    assert await verify_storage(two) == []


async def test_counters_are_unique_and_gap_free_under_20_concurrent_allocations(open_storage: OpenStorage) -> None:
    one, two = await open_storage(), await open_storage()
    numbers = await asyncio.gather(*(s.counters.next_number("RC", 2026) for s in [one, two] * 10))
    assert sorted(numbers) == list(range(1, 21))


async def test_concurrent_submissions_with_one_idempotency_key_make_one_filing(open_storage: OpenStorage) -> None:
    one, two = await open_storage(), await open_storage()
    results = await asyncio.gather(*(_create(s, f"RC-{n}", "same-key") for n, s in enumerate([one, two] * 4)))
    assert sum(created for _, created in results) == 1
    assert len({filing.ref for filing, _ in results}) == 1
    assert len(await one.filings.by_units(None)) == 1


async def test_compare_and_set_has_one_winner_under_concurrency(open_storage: OpenStorage) -> None:
    one, two = await open_storage(), await open_storage()
    await _create(one, "RC-1", "k1")
    won = await asyncio.gather(
        *(s.filings.update_state("RC-1", FilingState.SUBMITTED, FilingState.ACCEPTED, T0) for s in [one, two] * 5)
    )
    assert won.count(True) == 1


async def test_two_outbox_claimers_never_get_the_same_message(open_storage: OpenStorage, backend: str) -> None:
    one = await open_storage()
    for n in range(40):
        await one.outbox.enqueue(n, f"m{n}", None)
    if backend == "sqlite":
        # One process serves an SQLite file (its ServingLock); its notifier drains under one lock.
        assert len(await one.outbox.pending(100)) == 40
        return
    two = await open_storage()
    mine, theirs = await asyncio.gather(one.outbox.pending(25), two.outbox.pending(25))
    ids = [m.id for m in mine + theirs]
    assert len(ids) == len(set(ids)) == 40  # every message claimed, none twice
    # A claimer sees its own leases again, never another's; once sent, nobody sees it.
    assert await one.outbox.pending(100) == mine
    assert await two.outbox.pending(100) == theirs
    for message in mine:
        await one.outbox.mark_sent(message.id)
    await two.outbox.mark_failed(theirs[0].id, "network", final=False)  # a retry is anyone's again
    assert [m.id for m in await one.outbox.pending(100)] == [theirs[0].id]
    assert await two.outbox.pending(100) == [m for m in theirs[1:]]
