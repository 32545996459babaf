"""Every backend implements every repository protocol of ``storage.protocols``.

pyright checks the same statically (``_checked`` below is type-checked by `make lint`); this test
catches a backend whose method names or parameters drift from the protocol even without it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable

import pytest

from storage import protocols
from storage.postgres.storage import PostgresStorage
from storage.protocols import Storage
from storage.sqlite.storage import SqliteStorage


def _checked(storage: SqliteStorage) -> Storage:
    # Type-checked by `make lint`: a missing or mistyped repository method fails here.
    return storage


def _checked_pg(storage: PostgresStorage) -> Storage:
    return storage


def _repositories() -> dict[str, type]:
    found: dict[str, type] = {}
    for name, member in vars(Storage).items():
        if isinstance(member, property):
            found[name] = typing.get_type_hints(member.fget)["return"]
    return found


def _shape(parameters) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in parameters]


def _members(protocol: type) -> dict[str, Callable[..., object]]:
    return {name: member for name, member in vars(protocol).items() if not name.startswith("_") and callable(member)}


def test_storage_names_a_protocol_for_each_repository() -> None:
    repos = _repositories()
    assert {"filings", "drafts", "attachments", "preregs", "deadlines", "lookbacks", "counters"} <= set(repos)
    for protocol in repos.values():
        assert getattr(protocol, "_is_protocol", False), protocol
        assert protocol.__module__ == protocols.__name__


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest):
    if request.param == "postgres":
        storage = await PostgresStorage.open(request.getfixturevalue("pg_url"))
        assert _checked_pg(storage) is storage
    else:
        storage = await SqliteStorage.open(":memory:")
        assert _checked(storage) is storage
    try:
        yield storage
    finally:
        await storage.close()


async def test_every_backend_implements_every_protocol(backend: SqliteStorage | PostgresStorage) -> None:
    storage = backend
    for attribute, protocol in _repositories().items():
        repo = getattr(storage, attribute)
        for name, member in _members(protocol).items():
            implemented = getattr(repo, name, None)
            assert implemented is not None, f"{type(repo).__name__}.{name} is missing"
            wanted = inspect.signature(member)
            got = inspect.signature(implemented)
            # names, kinds (keyword-only …) and defaults: a caller written against the protocol works
            assert _shape(got.parameters.values()) == _shape(
                p for p in wanted.parameters.values() if p.name != "self"
            ), f"{type(repo).__name__}.{name}{got} differs from {protocol.__name__}.{name}{wanted}"
            assert inspect.iscoroutinefunction(implemented) == inspect.iscoroutinefunction(member), name
    assert hasattr(storage.audit, "seal")
    for name in ("transaction", "after_commit", "close"):
        assert callable(getattr(storage, name)), name
