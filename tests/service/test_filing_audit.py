"""The audit chain, and the append-only guarantees of the filing tables."""

from __future__ import annotations

import sqlite3

import pytest

from bot.ops.audit import verify_chain, verify_storage
from tests.support.world import CADRE_A, REQUEST, SUP_A1, World


@pytest.fixture(autouse=True)
async def _one_accepted_request(world: World) -> None:
    # An audit trail to tamper with: the request's submission and its acceptance.
    ref = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    await world.service.workflow.accept(ref, SUP_A1)


async def test_intact_chain_verifies(world: World) -> None:
    entries = await world.storage.audit.all()
    assert len(entries) >= 5
    assert verify_chain(entries) == []
    assert await verify_storage(world.storage) == []
    assert verify_chain(entries, expected_head=entries[-1].hash) == []
    assert [p.kind for p in verify_chain(entries[:-1], expected_head=entries[-1].hash)] == ["head_mismatch"]


async def test_audit_log_refuses_update_and_delete(world: World) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await world.storage.db.execute("UPDATE audit_log SET actor = 1 WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError):
        await world.storage.db.execute("DELETE FROM audit_log WHERE id = 1")


async def test_edited_entry_is_detected(world: World) -> None:
    await world.storage.db.execute("DROP TRIGGER audit_no_update")
    await world.storage.db.execute('UPDATE audit_log SET payload = \'{"role":"admin"}\' WHERE id = 3')
    problems = verify_chain(await world.storage.audit.all())
    assert [(p.entry_id, p.kind) for p in problems] == [(3, "edited")]
    assert "entry 3: edited" in str(problems[0])


async def test_edited_entry_with_recomputed_hash_breaks_the_next_link(world: World) -> None:
    from storage.audit_chain import entry_hash

    entries = await world.storage.audit.all()
    target = entries[2]
    forged = entry_hash(target.prev_hash, target.at, 999, target.action, target.subject, target.payload)
    await world.storage.db.execute("DROP TRIGGER audit_no_update")
    await world.storage.db.execute("UPDATE audit_log SET actor = 999, hash = ? WHERE id = ?", (forged, target.id))
    problems = verify_chain(await world.storage.audit.all())
    assert [(p.entry_id, p.kind) for p in problems] == [(target.id + 1, "broken_link")]


async def test_deleted_entry_is_detected(world: World) -> None:
    await world.storage.db.execute("DROP TRIGGER audit_no_delete")
    await world.storage.db.execute("DELETE FROM audit_log WHERE id = 2")
    problems = verify_chain(await world.storage.audit.all())
    assert {(p.entry_id, p.kind) for p in problems} == {(3, "id_gap"), (3, "broken_link")}


async def test_deleted_first_entry_is_detected(world: World) -> None:
    await world.storage.db.execute("DROP TRIGGER audit_no_delete")
    await world.storage.db.execute("DELETE FROM audit_log WHERE id = 1")
    kinds = {p.kind for p in verify_chain(await world.storage.audit.all())}
    assert kinds == {"id_gap", "broken_link"}


async def test_reordered_entries_are_detected(world: World) -> None:
    entries = await world.storage.audit.all()
    swapped = [*entries[:2], entries[3], entries[2], *entries[4:]]
    kinds = {p.kind for p in verify_chain(swapped)}
    assert {"out_of_order", "broken_link"} <= kinds


async def test_filings_and_history_cannot_be_deleted(world: World) -> None:
    db = world.storage.db
    for sql in (
        "DELETE FROM filings",
        "DELETE FROM filing_events",
        "UPDATE filing_events SET message = 'x'",
        "UPDATE filings SET ref = 'RC-2026-000999'",
        "UPDATE filings SET cadre_id = 1",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(sql)
    assert (await db.fetchone("SELECT COUNT(*) FROM filings"))[0] == 1


async def test_filed_attachments_and_preregistrations_cannot_be_deleted(world: World) -> None:
    attachment = await world.service.drafts.add_attachment(
        CADRE_A, "request", file_id="x", name="a.jpg", mime="image/jpeg", size=1
    )
    await world.service.submission.request(CADRE_A, {**REQUEST, "evidence": [attachment.id]}, "k2")
    await world.service.submission.preregister(CADRE_A, {"what": "a", "why_urgent": "b", "expected_cost": "c"}, "p")
    for sql in ("DELETE FROM attachments", "DELETE FROM preregistrations"):
        with pytest.raises(sqlite3.IntegrityError):
            await world.storage.db.execute(sql)
