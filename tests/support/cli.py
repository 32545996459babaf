"""The ``cadrebot`` command as a user runs it, in a clean environment of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cadrebot(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CADREBOT_")}
    clean.update({"CADREBOT_DB_PATH": str(tmp_path / "cli.sqlite3"), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean,
        timeout=120,
    )
