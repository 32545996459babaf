"""Opening the deployment's storage from its settings: SQLite (the default) or PostgreSQL
(``CADREBOT_DB_URL``), its audit key, its busy budget."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from storage.audit_seal import default_key_file
from storage.protocols import Storage
from storage.sqlite.storage import SqliteStorage


async def open_storage(settings: Settings, path: Path | None = None) -> Storage:
    defaults = Settings.model_fields
    # The report commands' tests hand in only the settings they use.
    audit_key_file = getattr(settings, "audit_key_file", defaults["audit_key_file"].default)
    url = getattr(settings, "db_url", None)
    if url:
        from storage.postgres.storage import PostgresStorage

        # The key and the chain's anchor stay files on this host, beside where SQLite's would be.
        key_file = audit_key_file or default_key_file(Path(settings.db_path))
        return await PostgresStorage.open(url, audit_key_file=key_file)
    return await SqliteStorage.open(
        path or settings.db_path,
        audit_key_file=audit_key_file,
        busy_budget_s=getattr(settings, "db_busy_seconds", defaults["db_busy_seconds"].default),
    )
