"""The layer contracts of pyproject's [tool.importlinter] hold (also run by `make lint`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


def test_every_layer_contract_is_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a dev dependency"
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert " KEPT" in done.stdout
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout


def test_a_forbidden_import_breaks_the_check(tmp_path: Path) -> None:
    """A domain module importing handlers, in a copy of the tree, makes the check fail."""
    skip = shutil.ignore_patterns("__pycache__", "content", "*.pyc")
    for package in ("bot", "handlers", "knowledge", "storage"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "bot" / "filing" / "leak.py").write_text("import handlers.common  # noqa\n", encoding="utf-8")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe
    env = {"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run([exe], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert "bot.filing.leak" in done.stdout
