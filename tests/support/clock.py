"""A clock the tests move by hand; production code only ever sees the Clock protocol."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.filing.workdays import FixedClock


class ManualClock(FixedClock):
    """A test clock that moves only when told to."""

    def set(self, at: datetime) -> None:
        self.at = FixedClock(at).at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.at = self.at + (delta or timedelta(**kwargs))
        return self.at
