"""The SQLite backend: one object holding every repository over one database."""

from __future__ import annotations

from pathlib import Path

from storage.audit_seal import AuditSeal, default_anchor_file, default_key_file
from storage.db import DEFAULT_BUSY_BUDGET_S, Database
from storage.sqlite.audit import SqliteAudit
from storage.sqlite.clearing_notes import SqliteClearingNotes
from storage.sqlite.filings import SqliteFilings
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.kb_versions import SqliteKbVersions
from storage.sqlite.outbox import SqliteOutbox
from storage.sqlite.prefs import SqlitePrefs
from storage.sqlite.ptb_state import SqlitePtbState
from storage.sqlite.units import SqliteUnits
from storage.sqlite.users import SqliteUsers


class SqliteStorage:
    def __init__(self, db: Database, seal: AuditSeal | None = None) -> None:
        self.db = db
        self.units = SqliteUnits(db)
        self.users = SqliteUsers(db)
        self.invites = SqliteInvites(db)
        self.prefs = SqlitePrefs(db)
        self.ptb = SqlitePtbState(db)
        self.outbox = SqliteOutbox(db)
        self.audit = SqliteAudit(db, seal)
        self.kb_versions = SqliteKbVersions(db)
        self.clearing_notes = SqliteClearingNotes(db)
        self.filings = SqliteFilings(db)

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        audit_key_file: Path | None = None,
        busy_budget_s: float = DEFAULT_BUSY_BUDGET_S,
    ) -> SqliteStorage:
        """Open (and migrate) the database; the audit key is created beside it unless given elsewhere."""
        path = Path(path)
        seal = None
        if str(path) != ":memory:":
            key_file = audit_key_file or default_key_file(path)
            seal = AuditSeal.load_or_create(key_file, default_anchor_file(path))
        db = await Database.open(path, busy_budget_s=busy_budget_s)
        storage = cls(db, seal)
        try:
            await storage.audit.start_anchor()
        except BaseException:
            await db.close()
            raise
        return storage

    def transaction(self):
        return self.db.transaction()

    async def close(self) -> None:
        await self.db.close()
