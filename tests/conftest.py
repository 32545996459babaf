from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.runtime.local_chat import LocalChat
from tests.support.flows import ADMIN
from tests.support.http_api import FakeTelegram
from tests.support.march import Scenario, build_scenario
from tests.support.world import World, make_world

# The same examples on every run and machine (derandomize), no per-example deadline (a loaded
# machine is not a bug) and no example database left in the tree; max_examples stay as each test
# sets them (100 where none is given).
hypothesis_settings.register_profile("cadrebot", derandomize=True, deadline=None, database=None)
hypothesis_settings.load_profile("cadrebot")


@pytest.fixture(scope="session", autouse=True)
def _vector_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Case vectors (knowledge/semantic.py) are cached in a per-session folder, not in the home
    # cache; the sentence model itself loads lazily, once per process, at the first build.
    os.environ["CADREBOT_VECTOR_CACHE"] = str(tmp_path_factory.mktemp("vectors"))


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeService:
    # Building the index once per session keeps the suite fast; snapshots are immutable.
    return KnowledgeService.bundled()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=None,
        db_path=tmp_path / "cadrebot.sqlite3",
        admin_ids=[ADMIN],
        locale="zh",
        rate_limit_per_minute=1000,
    )


@pytest.fixture
async def chat(settings: Settings, knowledge: KnowledgeService) -> AsyncIterator[LocalChat]:
    # A fresh holder over the shared immutable snapshot: a test that swaps versions affects only itself.
    local = await LocalChat.start(settings, KnowledgeService(knowledge.current))
    try:
        yield local
    finally:
        await local.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram() -> AsyncIterator[FakeTelegram]:
    """A Bot API server on 127.0.0.1 shared by one test module (the HTTP fault and crash tests)."""
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """Two units with their cadres and supervisors and an admin, over a real SQLite file (no PTB)."""
    built = await make_world(tmp_path)
    try:
        yield built
    finally:
        await built.storage.close()


@pytest.fixture
async def scenario(world: World) -> Scenario:
    """The March 2026 of tests/support/march.py: 东区 4 decisions, 西区 1 (corrected, with a clearing note)."""
    return await build_scenario(world)


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL server per test session (issue #14), with a migrated template database:
    each test gets a fresh copy of it (``pg_url``), which takes milliseconds, not a server start."""
    from tests.support.postgres import migrated_template, start_server

    server = start_server()
    try:
        migrated_template(server)
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, migrated database on the session's server."""
    from tests.support.postgres import fresh_database

    return fresh_database(pg_server)
