"""Reference numbers: formatting, parsing what people type, atomic allocation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.filing.references import MAX_NUMBER, Reference, format_ref, is_canonical, normalize_ref, parse_ref

prefixes = st.sampled_from(["RC", "FB", "PR"])
years = st.integers(min_value=1000, max_value=9999)
numbers = st.integers(min_value=1, max_value=MAX_NUMBER)


@given(prefixes, years, numbers)
def test_format_parse_round_trip(prefix: str, year: int, number: int) -> None:
    ref = format_ref(prefix, year, number)
    assert len(ref) == len("RC-2026-000123")
    assert parse_ref(ref) == Reference(prefix, year, number)
    assert is_canonical(ref)
    assert normalize_ref(ref.lower()) == ref
    assert normalize_ref(f"  {ref.replace('-', '－')}  ") == ref  # full-width dashes from a Chinese keyboard


@given(st.text(max_size=60))
def test_parser_never_raises_and_only_returns_valid_references(text: str) -> None:
    parsed = parse_ref(text)
    if parsed is not None:
        assert parse_ref(str(parsed)) == parsed
        assert is_canonical(str(parsed))


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_parser_rejects_non_text(value: object) -> None:
    assert parse_ref(value) is None


@pytest.mark.parametrize(
    "text",
    [
        "RC-2026-0000000",
        "XX-2026-000001",
        "RC-26-000001",
        "RC-2026-000000",
        "RC2026000001",
        "RC-2026-",
        "RC-２０２６-1２3" + "x",
        "RC-2026-000001; DROP TABLE filings",
    ],
)
def test_not_references(text: str) -> None:
    assert parse_ref(text) is None


def test_lenient_spellings() -> None:
    assert normalize_ref("rc-2026-123") == "RC-2026-000123"
    assert normalize_ref("ＲＣ－２０２６－０００１２３") == "RC-2026-000123"
    assert normalize_ref("FB 2026 7") == "FB-2026-000007"
    assert not is_canonical("rc-2026-000123")


@pytest.mark.parametrize(
    ("prefix", "year", "number"), [("XX", 2026, 1), ("RC", 99, 1), ("RC", 2026, 0), ("RC", 2026, MAX_NUMBER + 1)]
)
def test_format_refuses_out_of_range(prefix: str, year: int, number: int) -> None:
    with pytest.raises(ValueError):
        format_ref(prefix, year, number)
