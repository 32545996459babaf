"""Why the database could not take a write: the caller tells the user politely, nothing was half-written."""

from __future__ import annotations

import sqlite3
from enum import StrEnum


class StorageProblem(StrEnum):
    BUSY = "busy"  # another process held the write lock past our whole retry budget
    FULL = "full"  # the disk (or SQLite's max_page_count) has no room left
    READ_ONLY = "read_only"  # the file, its folder or the filesystem is read-only
    IO_ERROR = "io_error"  # the operating system refused a read or write (often a full disk, too)


class StorageUnavailable(Exception):
    """A write was refused and rolled back; trying again later may succeed."""

    def __init__(self, problem: StorageProblem, detail: str) -> None:
        super().__init__(f"database {problem.value}: {detail}")
        self.problem = problem


# SQLite's primary result codes (the low byte of an extended code).
_PROBLEMS = {
    5: StorageProblem.BUSY,
    6: StorageProblem.BUSY,
    13: StorageProblem.FULL,
    8: StorageProblem.READ_ONLY,
    10: StorageProblem.IO_ERROR,
}


def classify(error: BaseException) -> StorageProblem | None:
    """The problem behind an sqlite3 error, or None for a bug (a constraint, bad SQL…)."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _PROBLEMS:
        return _PROBLEMS[code & 0xFF]
    message = str(error).lower()
    if "database is locked" in message or "database table is locked" in message:
        return StorageProblem.BUSY
    if "disk is full" in message or "database or disk is full" in message:
        return StorageProblem.FULL
    if "readonly" in message or "read-only" in message:
        return StorageProblem.READ_ONLY
    return None
