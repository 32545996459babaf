"""The audit trail is anchored outside the database: a deleted tail, an edit, a reorder and a
complete re-hash are each detected, by `cadrebot audit verify` as by the library."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ops.audit import verify_storage
from storage.audit_chain import GENESIS, entry_hash
from storage.audit_seal import AuditKeyError, AuditSeal, default_anchor_file, default_key_file
from storage.sqlite.storage import SqliteStorage
from tests.support.paths import ROOT


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    storage = await SqliteStorage.open(tmp_path / "bot.sqlite3")
    for i in range(1, 9):
        await storage.audit.append(i, "filing.decided" if i % 2 else "filing.accepted", f"RC-2026-00000{i}", {"i": i})
    try:
        yield storage
    finally:
        await storage.close()


def _attacker(path: Path, *statements: str) -> None:
    """Someone who can write the database file: the append-only triggers are no obstacle."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        for statement in statements:
            conn.execute(statement)


def _rehash_everything(path: Path, forged_key: bytes | None = None) -> None:
    """Rewrite entry 3, then recompute every hash after it (and, with a key of one's own, every MAC)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
        conn.execute("UPDATE audit_log SET payload = '{\"i\": 333}' WHERE id = 3")
        prev = GENESIS
        rows = conn.execute("SELECT id, at, actor, action, subject, payload FROM audit_log ORDER BY id").fetchall()
        for entry_id, at, actor, action, subject, payload in rows:
            digest = entry_hash(prev, at, actor, action, subject, payload)
            mac = AuditSeal(forged_key, Path("/nonexistent")).mac(digest) if forged_key else None
            conn.execute(
                "UPDATE audit_log SET prev_hash = ?, hash = ?, mac = ? WHERE id = ?", (prev, digest, mac, entry_id)
            )
            prev = digest


async def _kinds(storage: SqliteStorage) -> set[str]:
    return {p.kind for p in await verify_storage(storage)}


async def test_an_intact_log_verifies_and_the_key_lives_outside_the_database(log: SqliteStorage) -> None:
    assert await verify_storage(log) == []
    key_file = default_key_file(log.db.path)
    assert key_file.is_file() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    key = key_file.read_text().strip()
    with sqlite3.connect(log.db.path) as conn:
        dump = "\n".join(conn.iterdump())
    assert key not in dump


async def test_a_deleted_tail_is_detected(log: SqliteStorage) -> None:
    _attacker(log.db.path, "DELETE FROM audit_log WHERE id >= 7")  # the newest decisions vanish
    assert await _kinds(log) == {"tail_missing"}


async def test_a_deleted_tail_with_a_rewritten_anchor_is_detected(log: SqliteStorage) -> None:
    _attacker(log.db.path, "DELETE FROM audit_log WHERE id >= 7")
    anchor_file = default_anchor_file(log.db.path)
    anchor = json.loads(anchor_file.read_text())
    entry6 = (await log.audit.all())[-1]
    anchor.update(id=6, hash=entry6.hash)  # without the key the anchor's own MAC cannot be redone
    anchor_file.write_text(json.dumps(anchor))
    assert await _kinds(log) == {"anchor_forged"}


async def test_a_deleted_tail_with_a_deleted_anchor_is_detected(log: SqliteStorage, tmp_path: Path) -> None:
    _attacker(log.db.path, "DELETE FROM audit_log WHERE id >= 7")
    default_anchor_file(log.db.path).unlink()
    assert await _kinds(log) == {"anchor_missing"}
    # Re-opening the database (a bot restart) does not quietly make a new anchor.
    reopened = await SqliteStorage.open(log.db.path)
    try:
        assert await _kinds(reopened) == {"anchor_missing"}
    finally:
        await reopened.close()


async def test_an_edit_is_detected(log: SqliteStorage) -> None:
    _attacker(log.db.path, 'UPDATE audit_log SET payload = \'{"outcome": "tolerated"}\' WHERE id = 5')
    problems = await verify_storage(log)
    assert {(p.entry_id, p.kind) for p in problems} == {(5, "edited")}


async def test_a_reorder_is_detected(log: SqliteStorage) -> None:
    _attacker(
        log.db.path,
        "UPDATE audit_log SET id = 100 WHERE id = 4",
        "UPDATE audit_log SET id = 4 WHERE id = 5",
        "UPDATE audit_log SET id = 5 WHERE id = 100",
    )
    assert {"broken_link", "out_of_order"} & await _kinds(log) or "broken_link" in await _kinds(log)


async def test_a_full_rehash_is_detected(log: SqliteStorage) -> None:
    _rehash_everything(log.db.path)
    kinds = await _kinds(log)
    assert "bad_signature" in kinds and "head_mismatch" in kinds
    assert "edited" not in kinds and "broken_link" not in kinds  # the chain alone would have said OK


async def test_a_full_rehash_signed_with_another_key_is_detected(log: SqliteStorage) -> None:
    _rehash_everything(log.db.path, forged_key=b"k" * 32)
    assert "bad_signature" in await _kinds(log)


async def test_a_log_from_before_the_key_is_anchored_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    storage = await SqliteStorage.open(path)
    await storage.audit.append(None, "old.entry", "x", {})
    await storage.close()
    # An older deployment: its entries carry no MAC, and it had neither key nor anchor.
    _attacker(path, "UPDATE audit_log SET mac = NULL")
    default_anchor_file(path).unlink()
    default_key_file(path).unlink()
    storage = await SqliteStorage.open(path)
    try:
        await storage.audit.append(None, "new.entry", "y", {})
        assert await verify_storage(storage) == []
        _attacker(path, "DELETE FROM audit_log WHERE id = 2")
        assert await _kinds(storage) == {"tail_missing"}
    finally:
        await storage.close()


def test_an_unreadable_key_stops_with_one_line(tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text("not a key")
    with pytest.raises(AuditKeyError, match=r"audit\.key: not an audit key"):
        AuditSeal.load_or_create(key_file, tmp_path / "anchor")


def _cadrebot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"CADREBOT_DB_PATH": str(tmp_path / "bot.sqlite3"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


async def test_cadrebot_audit_verify_and_head(log: SqliteStorage, tmp_path: Path) -> None:
    ok = _cadrebot(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "audit chain OK: 8 entries" in ok.stdout
    head = _cadrebot(tmp_path, "audit", "head").stdout.strip()
    assert head.startswith("8:") and len(head) == 2 + 64
    assert _cadrebot(tmp_path, "audit", "verify", "--expect-head", head).returncode == 0
    _attacker(log.db.path, "DELETE FROM audit_log WHERE id = 8")
    broken = _cadrebot(tmp_path, "audit", "verify", "--expect-head", head)
    assert broken.returncode == 1
    assert "tail_missing" in broken.stdout and "head_mismatch" in broken.stdout
