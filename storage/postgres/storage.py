"""The PostgreSQL backend: every repository over one asyncpg pool (see ``storage.protocols.Storage``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from storage.audit_seal import AuditSeal
from storage.postgres.attachments import PgAttachments
from storage.postgres.audit import PgAudit
from storage.postgres.clearing_notes import PgClearingNotes
from storage.postgres.counters import PgCounters
from storage.postgres.db import Connection, PgDatabase
from storage.postgres.deadlines import PgDeadlines
from storage.postgres.drafts import PgDrafts
from storage.postgres.filings import PgFilings
from storage.postgres.invites import PgInvites
from storage.postgres.kb_versions import PgKbVersions
from storage.postgres.lookbacks import PgLookbacks
from storage.postgres.outbox import PgOutbox
from storage.postgres.prefs import PgPrefs
from storage.postgres.preregs import PgPreregs
from storage.postgres.ptb_state import PgPtbState
from storage.postgres.units import PgUnits
from storage.postgres.users import PgUsers


class PostgresStorage:
    def __init__(self, db: PgDatabase, seal: AuditSeal | None = None) -> None:
        self.db = db
        self.units = PgUnits(db)
        self.users = PgUsers(db)
        self.invites = PgInvites(db)
        self.prefs = PgPrefs(db)
        self.ptb = PgPtbState(db)
        # One claimant per open storage: its outbox leases are its own, another process's are not.
        self.outbox = PgOutbox(db, claimant=uuid.uuid4().hex)
        self.audit = PgAudit(db, seal)
        self.kb_versions = PgKbVersions(db)
        self.clearing_notes = PgClearingNotes(db)
        self.counters = PgCounters(db)
        self.filings = PgFilings(db)
        self.drafts = PgDrafts(db)
        self.attachments = PgAttachments(db)
        self.preregs = PgPreregs(db)
        self.deadlines = PgDeadlines(db)
        self.lookbacks = PgLookbacks(db)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        audit_key_file: Path | None = None,
        anchor_file: Path | None = None,
        max_connections: int = 10,
    ) -> PostgresStorage:
        """Connect (and migrate). The audit key and anchor are files outside the database, as on
        SQLite; without a key file the chain is hashed but not signed (tests, throwaway databases)."""
        seal = None
        if audit_key_file is not None:
            seal = AuditSeal.load_or_create(
                audit_key_file, anchor_file or audit_key_file.with_name("postgres.audit-anchor")
            )
        db = await PgDatabase.open(url, max_size=max_connections)
        storage = cls(db, seal)
        try:
            await storage.audit.start_anchor()
        except BaseException:
            await db.close()
            raise
        return storage

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        return self.db.transaction()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.db.after_commit(callback)

    async def close(self) -> None:
        await self.db.close()
