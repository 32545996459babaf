"""The layer contracts of pyproject's [tool.importlinter] hold (also run by `make lint`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_layer_contract_is_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a dev dependency"
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert " KEPT" in done.stdout
    assert done.returncode == 0, done.stdout[-3000:]
    assert "BROKEN" not in done.stdout
