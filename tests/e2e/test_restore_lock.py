"""`cadrebot restore` refuses a database that a running bot serves, and ignores a stale lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.backup import BackupError, backup, restore
from storage.process_lock import DatabaseInUse, ServingLock, holder, lock_file
from storage.sqlite.storage import SqliteStorage
from tests.support.paths import ROOT

_SERVER = """
import sys
from pathlib import Path
from storage.process_lock import ServingLock
with ServingLock(Path(sys.argv[1])):
    print("serving", flush=True)
    sys.stdin.readline()
"""


def _serve(db_path: Path) -> subprocess.Popen[str]:
    """A process that serves ``db_path`` (holds its lock) until its stdin closes."""
    return subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


async def _database(path: Path) -> None:
    storage = await SqliteStorage.open(path)
    await storage.audit.append(None, "test.entry", "x", {})
    await storage.close()


async def test_restore_is_refused_while_a_bot_serves_the_database(tmp_path: Path) -> None:
    live, copy = tmp_path / "bot.sqlite3", tmp_path / "backup.sqlite3"
    await _database(live)
    await backup(live, copy)
    server = _serve(live)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "serving"
        assert holder(live) == server.pid
        with pytest.raises(BackupError, match=f"in use by a running bot \\(process {server.pid}\\)"):
            await restore(copy, live)
        with pytest.raises(DatabaseInUse):
            ServingLock(live).acquire()  # nor can a second bot start on it
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    assert holder(live) is None
    assert await restore(copy, live) > 0


async def test_a_lock_left_by_a_killed_bot_is_stale(tmp_path: Path) -> None:
    live, copy = tmp_path / "bot.sqlite3", tmp_path / "backup.sqlite3"
    await _database(live)
    await backup(live, copy)
    server = _serve(live)
    assert server.stdout is not None and server.stdout.readline().strip() == "serving"
    server.kill()
    server.wait(timeout=10)
    assert lock_file(live).read_text().strip() == str(server.pid)  # the file stays behind …
    assert holder(live) is None  # … but nobody holds it
    assert await restore(copy, live) > 0
    with ServingLock(live):
        assert holder(live) is None or holder(live) == os.getpid()
