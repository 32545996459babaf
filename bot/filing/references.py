"""Reference numbers: ``RC-2026-000123`` (tolerance request), ``FB-…`` (feedback), ``PR-…`` (pre-registration).

Numbers are allocated atomically per (prefix, year) from the ``counters`` table, so two cadres
filing at the same moment never share a number, and a rolled-back submission may leave a gap
(never a duplicate).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

from storage.protocols import CounterRepository

Prefix = Literal["RC", "FB", "PR"]
PREFIXES: tuple[Prefix, ...] = ("RC", "FB", "PR")
KIND_PREFIX: dict[str, Prefix] = {"request": "RC", "feedback": "FB", "prereg": "PR"}
DIGITS = 6
MAX_NUMBER = 10**DIGITS - 1
_REF = re.compile(r"(RC|FB|PR)-(\d{4})-(\d{6})")
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−－_ "), "-")


class Reference(NamedTuple):
    prefix: Prefix
    year: int
    number: int

    def __str__(self) -> str:
        return format_ref(self.prefix, self.year, self.number)


def format_ref(prefix: str, year: int, number: int) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"unknown reference prefix {prefix!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"reference number out of range: {number}")
    return f"{prefix}-{year:04d}-{number:0{DIGITS}d}"


def parse_ref(text: object) -> Reference | None:
    """A reference as typed by a person (any case, full-width characters, other dashes), or None.

    ``rc-2026-123`` is accepted and padded; anything else that is not a reference returns None,
    never raises.
    """
    if not isinstance(text, str) or len(text) > 40:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().upper().translate(_DASHES)
    match = re.fullmatch(r"(RC|FB|PR)-?([0-9]{4})-([0-9]{1,6})", cleaned)
    if not match:
        return None
    prefix, year, number = match.group(1), int(match.group(2)), int(match.group(3))
    if year < 1000 or not 1 <= number <= MAX_NUMBER:
        return None
    return Reference(prefix, year, number)  # type: ignore[arg-type]


def normalize_ref(text: object) -> str | None:
    """The canonical spelling of a typed reference, or None."""
    parsed = parse_ref(text)
    return str(parsed) if parsed else None


def is_preregistration(text: object) -> bool:
    """A reference to a pre-registration (``PR-…``), which lives apart from the filings."""
    parsed = parse_ref(text)
    return parsed is not None and parsed.prefix == "PR"


def is_canonical(text: str) -> bool:
    return bool(_REF.fullmatch(text)) and normalize_ref(text) == text


async def allocate(counters: CounterRepository, prefix: Prefix, year: int) -> str:
    """Allocate the next reference of ``prefix`` in ``year`` (call inside the submitting transaction)."""
    number = await counters.next_number(prefix, year)
    if number > MAX_NUMBER:
        raise OverflowError(f"{prefix}-{year}: more than {MAX_NUMBER} references in one year")
    return format_ref(prefix, year, number)
