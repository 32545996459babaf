"""How a moment is stored and read back.

Stored as UTC text with milliseconds and a ``Z`` (``2026-03-02T01:00:00.000Z``), so that text
order is time order in SQL (``ORDER BY``, ranges) on every backend; read back as an aware UTC
``datetime``, so no service ever compares or slices strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("stored times must be timezone-aware")
    return at.astimezone(UTC)


def stamp(at: datetime) -> str:
    """The storage spelling of a moment (also used where a moment goes into a key or an audit entry)."""
    # isoformat, not strftime: strftime("%Y") leaves years before 1000 unpadded, which no longer sorts
    return _utc(at).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamp_values(values: dict[str, object]) -> dict[str, object]:
    """Column values ready to write: every ``datetime`` spelled as :func:`stamp`."""
    return {name: stamp(v) if isinstance(v, datetime) else v for name, v in values.items()}


# A stored moment in a record: parsed from the text above (older rows may lack milliseconds).
Moment = Annotated[datetime, AfterValidator(_utc)]
