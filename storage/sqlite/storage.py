"""The SQLite backend: one object holding every repository over one database (see ``storage.protocols.Storage``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import aiosqlite

from storage.audit_seal import AuditSeal, default_anchor_file, default_key_file
from storage.db import DEFAULT_BUSY_BUDGET_S, Database
from storage.sqlite.attachments import SqliteAttachments
from storage.sqlite.audit import SqliteAudit
from storage.sqlite.clearing_notes import SqliteClearingNotes
from storage.sqlite.counters import SqliteCounters
from storage.sqlite.deadlines import SqliteDeadlines
from storage.sqlite.drafts import SqliteDrafts
from storage.sqlite.filings import SqliteFilings
from storage.sqlite.invites import SqliteInvites
from storage.sqlite.kb_versions import SqliteKbVersions
from storage.sqlite.lookbacks import SqliteLookbacks
from storage.sqlite.outbox import SqliteOutbox
from storage.sqlite.prefs import SqlitePrefs
from storage.sqlite.preregs import SqlitePreregs
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
        self.counters = SqliteCounters(db)
        self.filings = SqliteFilings(db)
        self.drafts = SqliteDrafts(db)
        self.attachments = SqliteAttachments(db)
        self.preregs = SqlitePreregs(db)
        self.deadlines = SqliteDeadlines(db)
        self.lookbacks = SqliteLookbacks(db)

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

    def transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        return self.db.transaction()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.db.after_commit(callback)

    async def close(self) -> None:
        await self.db.close()
