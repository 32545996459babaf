"""CADREBOT_DB_URL picks the backend: unset, the SQLite file (zero configuration); postgresql://…,
PostgreSQL; anything else, one clear line (issue #14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.runtime.cli import run_for_tests
from bot.storage_access import open_storage
from storage.errors import StorageUnavailable
from storage.postgres.db import redacted
from storage.postgres.storage import PostgresStorage
from storage.sqlite.storage import SqliteStorage


@pytest.mark.parametrize("url", ["mysql://db/x", "sqlite:///tmp/x.db", "not a url", "http://[::1"])
def test_a_bad_url_is_one_line_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, db_url=url)
    message = str(refused.value)
    assert message.startswith("CADREBOT_DB_URL: ") and "\n" not in message


def test_blank_or_postgres_urls_are_accepted() -> None:
    assert load_settings(_env_file=None, db_url="  ").db_url is None
    assert load_settings(_env_file=None, db_url="postgresql://u:p@h/db").db_url == "postgresql://u:p@h/db"
    assert load_settings(_env_file=None).db_url is None


async def test_open_storage_picks_the_backend(settings: Settings, pg_url: str) -> None:
    sqlite = await open_storage(settings)
    try:
        assert isinstance(sqlite, SqliteStorage)
    finally:
        await sqlite.close()
    postgres = await open_storage(settings.model_copy(update={"db_url": pg_url}))
    try:
        assert isinstance(postgres, PostgresStorage)
        assert postgres.audit.seal is not None  # the key beside the SQLite file's place, as documented
        assert postgres.audit.seal.anchor_file.parent == Path(settings.db_path).parent
    finally:
        await postgres.close()


async def test_an_unreachable_server_is_one_line_without_the_password(settings: Settings, tmp_path: Path) -> None:
    url = f"postgresql://cadre:s3cret@/nodb?host={tmp_path}"
    with pytest.raises(StorageUnavailable) as refused:
        await open_storage(settings.model_copy(update={"db_url": url}))
    assert "s3cret" not in str(refused.value) and "cannot connect" in str(refused.value)
    assert redacted("postgresql://u:pw@h:5/d") == "postgresql://u:***@h:5/d"


def test_db_upgrade_and_version_on_postgres(settings: Settings, pg_server, capsys: pytest.CaptureFixture[str]) -> None:
    pg_server.psql("CREATE DATABASE cli_upgrade")
    pg = settings.model_copy(update={"db_url": pg_server.url("cli_upgrade")})
    assert run_for_tests(["db", "version"], pg) == 0
    assert "schema version: 0" in capsys.readouterr().out
    assert run_for_tests(["db", "upgrade"], pg) == 0
    assert "applied: [1]" in capsys.readouterr().out
    assert run_for_tests(["db", "upgrade"], pg) == 0  # idempotent
    out = capsys.readouterr().out
    assert "nothing, already current" in out and "schema version: 1" in out


def test_sqlite_backup_refuses_a_postgres_deployment(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg = settings.model_copy(update={"db_url": "postgresql://u@h/d"})
    assert run_for_tests(["backup", str(tmp_path / "b.sqlite3")], pg) == 1
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite3").exists()
