"""Backup while the bot writes, restore, and refusal of files that are not our database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.ops.backup import backup, restore
from bot.runtime.local_chat import LocalChat
from storage.sqlite.storage import SqliteStorage
from tests.support.flows import register


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
