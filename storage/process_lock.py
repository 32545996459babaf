"""Which process serves a database: a lock file beside it, holding the bot's PID.

The lock is an flock on the file, so the kernel releases it when the bot exits, however it
exits (SIGKILL included): a file left behind by a dead bot is stale and ignored. The PID inside
is only there to name the process in a refusal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO


class DatabaseInUse(Exception):
    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{path}: in use by a running bot ({who}); stop it first")
        self.pid = pid


def lock_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".pid")


class ServingLock:
    """Held by the process that serves the database (the bot, the console) for its lifetime."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        path = lock_file(self.db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - kept open while serving
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DatabaseInUse(self.db_path, holder(self.db_path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None

    def __enter__(self) -> ServingLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(db_path: Path) -> int | None:
    """The PID of the live process serving ``db_path``, or None when nobody holds the lock."""
    path = lock_file(db_path)
    try:
        handle = open(path, encoding="ascii")  # noqa: SIM115
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
