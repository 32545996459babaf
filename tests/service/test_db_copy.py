"""`cadrebot db copy --to postgresql://…`: an SQLite deployment moves row for row; afterwards the
counts match, the audit chain verifies and the copy keeps working (issue #14, point 4)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.ops.audit import verify_storage
from bot.runtime.cli import run_for_tests
from bot.users import UserService
from storage.postgres.copy_from_sqlite import TABLES
from storage.postgres.storage import PostgresStorage
from storage.records import Role
from storage.sqlite.storage import SqliteStorage
from tests.support.clock import ManualClock
from tests.support.world import BOUNDS_OK, CADRE_A, REASON, REQUEST, START, SUP_A1, make_service

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def _deployment(storage: SqliteStorage) -> None:
    """Rows in every table, through the services and repositories that write them."""
    users = UserService(storage)
    await users.add(CADRE_A, "cadre", "东区", display_name="张三", seconded=True)
    await users.add(SUP_A1, "supervisor", "东区", display_name="赵主任")
    await storage.units.get_or_create("东区一街", (await storage.units.get_or_create("东区")).id)
    service = make_service(storage, users, ManualClock(START))  # type: ignore[arg-type]
    ref = (await service.submission.request(CADRE_A, REQUEST, "k1")).filing.ref
    await service.workflow.accept(ref, SUP_A1)
    await service.workflow.decide(ref, SUP_A1, "tolerated", REASON, BOUNDS_OK)
    await service.submission.request(CADRE_A, {**REQUEST, "what_happened": "另一件事，需要说明清楚"}, "k2")
    draft = await storage.drafts.save(CADRE_A, "feedback", "text", {"text": "草稿"}, T0)
    await storage.attachments.add(
        owner_id=CADRE_A, file_id="F", name="a.pdf", mime="application/pdf", size=1, at=T0, draft_id=draft.id
    )
    await storage.preregs.create(
        ref="PR-2026-000001",
        cadre_id=CADRE_A,
        unit_id=None,
        what="封路",
        why_urgent="暴雨",
        expected_cost="1万",
        idempotency_key="p",
        at=T0,
    )
    run = await storage.lookbacks.create_run(
        at=T0, created_by=SUP_A1, period_from=T0, period_to=T0, share=1, seed=3, population=1
    )
    await storage.lookbacks.add_item(run.id, ref, SUP_A1, "tolerated", SUP_A1)
    await storage.invites.create("code1", Role.CADRE, None, 1)
    await storage.prefs.set_locale(CADRE_A, "en")
    await storage.ptb.save("user", CADRE_A, {"名": 1})
    await storage.ptb.save("bot", 0, {"handled": [5, 6]})
    await storage.ptb.save_conversation("filing", (CADRE_A, CADRE_A), "STEP")
    version = await storage.kb_versions.add("cases: []", 1, "初版")
    await storage.kb_versions.stage(1, version.id, "cases: [1]", "")
    await storage.clearing_notes.add(CADRE_A, None, "澄清", SUP_A1)
    sent = (await storage.outbox.pending(1))[0]
    await storage.outbox.mark_sent(sent.id)


def _normal(row) -> tuple:
    return tuple(int(v) if isinstance(v, bool) else v for v in row)


async def test_copy_moves_every_row_and_the_chain_verifies(
    settings: Settings, pg_server, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = await SqliteStorage.open(settings.db_path)
    try:
        await _deployment(sqlite)
    finally:
        await sqlite.close()
    pg_server.psql("CREATE DATABASE copied")
    url = pg_server.url("copied")

    assert await asyncio.to_thread(run_for_tests, ["db", "copy", "--to", url], settings) == 0
    out = capsys.readouterr().out
    assert "the audit chain verifies" in out

    sqlite = await SqliteStorage.open(settings.db_path)
    target = await PostgresStorage.open(url, audit_key_file=settings.db_path.parent / "audit.key")
    try:
        for table in TABLES:
            columns = [str(r[1]) for r in await sqlite.db.fetchall(f"PRAGMA table_info({table})")]
            here = sorted(_normal(r) for r in await sqlite.db.fetchall(f"SELECT {', '.join(columns)} FROM {table}"))
            there = sorted(_normal(r) for r in await target.db.fetch(f"SELECT {', '.join(columns)} FROM {table}"))
            assert here == there, table
            assert here, f"{table} was empty: the copy test must cover it"
            assert f"{table}: {len(here)}" in out
        assert await verify_storage(target) == []
        # The copy serves on: ids, counters and the chain continue where SQLite stopped.
        before = await sqlite.audit.all()
        entry = await target.audit.append(1, "after.copy", "", {})
        assert entry.id == before[-1].id + 1 and entry.prev_hash == before[-1].hash
        assert await target.counters.next_number("RC", 2026) == 3
        unit = await target.units.get_or_create("新区")
        assert unit.id == max(u.id for u in await sqlite.units.all()) + 1
        assert await verify_storage(target) == []
    finally:
        await sqlite.close()
        await target.close()

    # A second copy into the same database is refused: nothing is merged or doubled.
    assert await asyncio.to_thread(run_for_tests, ["db", "copy", "--to", url], settings) == 1
    assert "not empty" in capsys.readouterr().err
