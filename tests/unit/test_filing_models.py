"""Body validators: clean text, limits, garbage — including generated input."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from bot.filing.models import (
    FeedbackBody,
    PreRegistrationBody,
    ToleranceRequestBody,
    clean_text,
    error_key,
)
from tests.support.world import REQUEST


def _key(exc: PydanticCustomError) -> str:
    return exc.type


@given(st.text(max_size=300), st.integers(min_value=1, max_value=400))
def test_clean_text_is_clean_bounded_and_stable(text: str, limit: int) -> None:
    try:
        cleaned = clean_text(text, limit)
    except PydanticCustomError as exc:
        assert _key(exc) in {"filing.error.empty", "filing.error.too_long", "filing.error.garbage"}
        return
    assert cleaned and cleaned == cleaned.strip()
    assert len(cleaned) <= limit
    assert "\r" not in cleaned and "\t" not in cleaned and "\x00" not in cleaned
    assert all(ch == "\n" or ch in "\u200c\u200d" or unicodedata.category(ch)[0] != "C" for ch in cleaned)
    assert clean_text(cleaned, limit) == cleaned


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("C", "Z"), blacklist_characters="\ufffd"), min_size=1, max_size=50
    )
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert clean_text(text, 100) == text


@given(st.binary(min_size=1, max_size=200))
def test_binary_is_refused(data: bytes) -> None:
    with pytest.raises(PydanticCustomError):
        clean_text(data)
    decoded = data.decode("utf-8", errors="replace")
    if "\ufffd" in decoded or "\x00" in decoded:
        with pytest.raises(PydanticCustomError) as refused:
            clean_text(decoded)
        assert _key(refused.value) in {"filing.error.garbage", "filing.error.empty"}


def test_newlines_kept_and_control_characters_dropped() -> None:
    assert clean_text("第一行\r\n第二行\x07\n\n\n\n第三行\t结束  ") == "第一行\n第二行\n\n第三行 结束"
    with pytest.raises(PydanticCustomError) as refused:
        clean_text("\x01\x02\x03\x04\x05ab")
    assert _key(refused.value) == "filing.error.garbage"
    with pytest.raises(PydanticCustomError):
        clean_text("PNG\x00\x00IHDR")
    with pytest.raises(PydanticCustomError) as empty:
        clean_text(" \n\u200b ")
    assert _key(empty.value) == "filing.error.empty"
    with pytest.raises(PydanticCustomError) as not_text:
        clean_text(42)
    assert _key(not_text.value) == "filing.error.not_text"


def test_request_body_limits_come_from_context() -> None:
    ToleranceRequestBody.model_validate(REQUEST)
    with pytest.raises(ValidationError) as refused:
        ToleranceRequestBody.model_validate(REQUEST, context={"text_max": 5})
    key, values, field = error_key(refused.value)
    assert key == "filing.error.too_long" and values == {"limit": 5} and field == "what_happened"
    with pytest.raises(ValidationError) as short:
        ToleranceRequestBody.model_validate({**REQUEST, "when_where": "x" * 301})
    assert error_key(short.value)[0] == "filing.error.too_long"


def test_request_body_fields() -> None:
    body = ToleranceRequestBody.model_validate(
        {
            **REQUEST,
            "when_where": "昨天\n东区",
            "evidence": [3, 3, 4],
            "cited_cases": ["C-01", "C-01", "flood_2"],
            "selfcheck": {"q1": "yes"},
            "consent_public": True,
        }
    )
    assert body.when_where == "昨天 东区"
    assert body.evidence == [3, 4] and body.cited_cases == ["C-01", "flood_2"]
    for bad, key in [
        ({"evidence": [0]}, "filing.error.bad_attachment"),
        ({"evidence": list(range(1, 30))}, "filing.error.too_many_files"),
        ({"cited_cases": ["<script>"]}, "filing.error.bad_case"),
        ({"selfcheck": {"q1": "是的，我想"}}, "filing.error.bad_selfcheck"),
        ({"preregistrations": ["PR-2026-1"]}, "filing.error.bad_prereg"),
        ({"what_happened": None}, "filing.error.empty"),
    ]:
        with pytest.raises(ValidationError) as refused:
            ToleranceRequestBody.model_validate({**REQUEST, **bad})
        assert error_key(refused.value)[0] == key, bad
    with pytest.raises(ValidationError):
        ToleranceRequestBody.model_validate({**REQUEST, "unexpected": 1})


@given(st.text(max_size=40), st.text(max_size=40))
def test_feedback_category_and_urgency_are_closed_lists(category: str, urgency: str) -> None:
    try:
        body = FeedbackBody.model_validate({"category": category, "text": "路灯不亮", "urgency": urgency})
    except ValidationError as exc:
        assert error_key(exc)[0] in {"filing.error.bad_category", "filing.error.bad_urgency"}
    else:
        assert body.category in {"situation", "problems", "suggestions", "implementation"}
        assert body.urgency in {"normal", "urgent"}


def test_preregistration_body() -> None:
    body = PreRegistrationBody(what=" 紧急采购沙袋 ", why_urgent="洪水将至", expected_cost="约2000元")
    assert body.what == "紧急采购沙袋"
    with pytest.raises(ValidationError) as refused:
        PreRegistrationBody(what="x", why_urgent="", expected_cost="y")
    assert error_key(refused.value)[:1] == ("filing.error.empty",)


@given(
    st.dictionaries(
        st.sampled_from(["what_happened", "when_where", "consequences", "motive", "remedy", "evidence", "cited_cases"]),
        st.one_of(st.text(max_size=50), st.binary(max_size=10), st.integers(), st.none(), st.lists(st.integers())),
    )
)
def test_request_body_only_ever_fails_with_a_validation_error(overrides: dict) -> None:
    try:
        body = ToleranceRequestBody.model_validate({**REQUEST, **overrides}, context={"text_max": 30})
    except ValidationError as exc:
        key, _, _ = error_key(exc)
        assert key.startswith("filing.error.")
    else:
        for name in ("what_happened", "when_where", "consequences", "motive", "remedy"):
            value = getattr(body, name)
            assert value and value == value.strip() and "\x00" not in value
