"""What the command groups share: the handler type, one-line failures, opening an existing database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

Handler = Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]


class ArgError(Exception):
    """A wrong command-line value; the message is one line for stderr."""


def fail(message: str) -> int:
    print(f"cadrebot: {message}", file=sys.stderr)
    return 1


def catalogue_text(settings: Any, key: str, values: dict[str, Any]) -> str:
    from bot.i18n import Catalogue

    return Catalogue(settings.locale).t(settings.locale, key, **values)


def existing_db(settings: Any) -> Path:
    path = Path(settings.db_path)
    if str(path) != ":memory:" and not path.is_file():
        raise ArgError(f"no database at {path} (check CADREBOT_DB_PATH)")
    return path


async def open_existing(settings: Any) -> Any:
    """The database; a missing file is a wrong setting here (reading must not create an empty one)."""
    from bot.storage_access import open_storage

    if getattr(settings, "db_url", None):
        return await open_storage(settings)  # a PostgreSQL database that is not there fails to connect
    return await open_storage(settings, existing_db(settings))
