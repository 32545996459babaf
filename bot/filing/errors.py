"""Refusals of the filing domain; ``key`` names the catalogue message, ``values`` fill it in."""

from __future__ import annotations

from typing import Any


class FilingError(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    @property
    def fixable(self) -> bool:
        """The typed text itself was refused: the user can correct it and send it again."""
        return self.key in FIXABLE_TEXT


FIXABLE_TEXT = frozenset(
    {
        "filing.error.empty",
        "filing.error.too_long",
        "filing.error.garbage",
        "filing.error.message_required",
        "filing.error.reason_required",
        "filing.error.reason_too_short",
        "filing.error.clearing_note_required",
    }
)


class TransitionError(FilingError):
    """An illegal state change (wrong state, wrong person, missing reason …)."""


class AccessError(FilingError):
    """Not yours to see or touch — or no such reference: the two are deliberately indistinguishable."""

    def __init__(self, key: str = "filing.error.not_found", **values: Any) -> None:
        super().__init__(key, **values)
