"""Opening the deployment's storage from its settings: the database, its audit key, its busy budget."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from storage.sqlite.storage import SqliteStorage


async def open_storage(settings: Settings, path: Path | None = None) -> SqliteStorage:
    defaults = Settings.model_fields
    return await SqliteStorage.open(
        path or settings.db_path,
        # The report commands' tests hand in only the settings they use.
        audit_key_file=getattr(settings, "audit_key_file", defaults["audit_key_file"].default),
        busy_budget_s=getattr(settings, "db_busy_seconds", defaults["db_busy_seconds"].default),
    )
