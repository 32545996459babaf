"""Backup while the bot writes, restore, and refusal of files that are not our database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.ops.backup import backup, restore
from bot.runtime.local_chat import LocalChat
from storage.sqlite.storage import SqliteStorage
from tests.conftest import register
from tests.e2e.test_cli_console import cadrebot


async def test_backup_while_writing_and_restore(settings, knowledge, tmp_path: Path) -> None:
    chat = await LocalChat.start(settings, knowledge)
    try:
        await register(chat, 2, "cadre", "示例社区")
        writes = asyncio.gather(*(chat.services.users.add(100 + i, "cadre", "甲社区") for i in range(50)))
        copy = tmp_path / "backup.sqlite3"
        await asyncio.gather(writes, backup(settings.db_path, copy))
    finally:
        await chat.stop()
    restored_path = tmp_path / "restored.sqlite3"
    await restore(copy, restored_path)
    storage = await SqliteStorage.open(restored_path)
    try:
        users = await storage.users.all()
        assert any(u.telegram_id == 2 and u.role == "cadre" for u in users)
    finally:
        await storage.close()


def test_cli_backup_restore_and_refusals(tmp_path: Path) -> None:
    assert cadrebot(tmp_path, "users", "add", "--telegram-id", "5", "--role", "admin").returncode == 0
    assert cadrebot(tmp_path, "backup", str(tmp_path / "b.sqlite3")).returncode == 0
    assert cadrebot(tmp_path, "users", "deactivate", "--telegram-id", "5").returncode == 0
    restored = cadrebot(tmp_path, "restore", str(tmp_path / "b.sqlite3"))
    assert restored.returncode == 0, restored.stderr
    assert "5\tadmin\t-\tactive" in cadrebot(tmp_path, "users", "list").stdout
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    junk = cadrebot(tmp_path, "restore", str(tmp_path / "junk.sqlite3"))
    assert junk.returncode == 1 and "not a cadrebot database" in junk.stderr
    assert "5\tadmin" in cadrebot(tmp_path, "users", "list").stdout  # unchanged by the refused restore
