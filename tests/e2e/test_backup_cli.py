"""`cadrebot backup` and `cadrebot restore`, and restore's refusal of files that are not our database."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cadrebot


def test_cli_backup_restore_and_refusals(tmp_path: Path) -> None:
    assert cadrebot(tmp_path, "users", "add", "--telegram-id", "5", "--role", "admin").returncode == 0
    assert cadrebot(tmp_path, "backup", str(tmp_path / "b.sqlite3")).returncode == 0
    assert cadrebot(tmp_path, "users", "deactivate", "--telegram-id", "5").returncode == 0
    restored = cadrebot(tmp_path, "restore", str(tmp_path / "b.sqlite3"))
    assert restored.returncode == 0, restored.stderr
    assert "5\tadmin\t-\tactive" in cadrebot(tmp_path, "users", "list").stdout
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    junk = cadrebot(tmp_path, "restore", str(tmp_path / "junk.sqlite3"))
    assert junk.returncode == 1 and "not a cadrebot database" in junk.stderr
    assert "5\tadmin" in cadrebot(tmp_path, "users", "list").stdout  # unchanged by the refused restore
