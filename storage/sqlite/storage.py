"""The SQLite backend: one object holding every repository over one database."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
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
    def __init__(self, db: Database) -> None:
        self.db = db
        self.units = SqliteUnits(db)
        self.users = SqliteUsers(db)
        self.invites = SqliteInvites(db)
        self.prefs = SqlitePrefs(db)
        self.ptb = SqlitePtbState(db)
        self.outbox = SqliteOutbox(db)
        self.audit = SqliteAudit(db)
        self.kb_versions = SqliteKbVersions(db)
        self.clearing_notes = SqliteClearingNotes(db)
        self.filings = SqliteFilings(db)

    @classmethod
    async def open(cls, path: Path | str) -> SqliteStorage:
        return cls(await Database.open(path))

    def transaction(self):
        return self.db.transaction()

    async def close(self) -> None:
        await self.db.close()
