"""The contract suite's backends: every test taking ``storage`` runs once on SQLite, once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from storage.postgres.storage import PostgresStorage
from storage.protocols import Storage
from storage.sqlite.storage import SqliteStorage

OpenStorage = Callable[[], Awaitable[Storage]]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def open_storage(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStorage]:
    """Opens another storage over the same database each call: another process, as far as the
    database can tell (its own connection or pool, its own outbox claimant)."""
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    opened: list[Storage] = []

    async def open_one() -> Storage:
        key = tmp_path / "audit.key"
        if url is not None:
            storage: Storage = await PostgresStorage.open(url, audit_key_file=key)
        else:
            storage = await SqliteStorage.open(tmp_path / "cadrebot.sqlite3", audit_key_file=key)
        opened.append(storage)
        return storage

    try:
        yield open_one
    finally:
        for storage in opened:
            await storage.close()


@pytest.fixture
async def storage(open_storage: OpenStorage) -> Storage:
    return await open_storage()
