"""The offline Bot API must refuse what Telegram refuses, or those bugs only show in production."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import escape, split_message
from bot.transport.telegram_rules import BadRequest, check_reply_markup, check_text, parse_html
from handlers.callback_data import Callback, cb


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "</b>", "<div>x</div>", "a < b", "a & b", "<b><i>x</b></i>", "x > y"],
)
def test_malformed_html_is_refused(text: str) -> None:
    with pytest.raises(BadRequest, match="can't parse entities"):
        parse_html(text)


def test_valid_html_and_entities_parse_to_plain_text() -> None:
    assert parse_html('<b>粗</b> <a href="https://t.me/x">链接</a> &lt;tag&gt; &amp; &#20013;') == "粗 链接 <tag> & 中"


def test_empty_and_too_long_texts_are_refused() -> None:
    with pytest.raises(BadRequest, match="empty"):
        check_text("", "HTML")
    with pytest.raises(BadRequest, match="empty"):
        check_text("<b> </b>", "HTML")
    with pytest.raises(BadRequest, match="too long"):
        check_text("字" * 4097, "HTML")
    assert check_text("字" * 4096, "HTML")
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
    with pytest.raises(BadRequest, match="too long"):
        check_text("😀" * 2049, None)


def test_callback_data_over_64_bytes_is_refused() -> None:
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "容" * 22}]]}  # 66 bytes
    with pytest.raises(BadRequest, match="BUTTON_DATA_INVALID"):
        check_reply_markup(markup)
    check_reply_markup({"inline_keyboard": [[{"text": "x", "callback_data": "a" * 64}]]})


@given(st.text())
def test_escaped_user_text_always_parses_back_to_itself(text: str) -> None:
    assert parse_html(escape(text)) == text


@given(st.text(min_size=1, max_size=20000))
def test_split_message_keeps_every_part_under_the_limit_and_loses_nothing(text: str) -> None:
    safe = escape(text)
    parts = split_message(safe, limit=4000)
    assert all(len(p) <= 4000 for p in parts)
    for part in parts:
        parse_html(part)  # every part is still valid HTML
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", safe)


@given(st.text(max_size=100))
def test_callback_parse_never_raises_and_roundtrips(data: str) -> None:
    parsed = Callback.parse(data)
    if parsed is not None:
        assert parsed.pack() == data


def test_callback_pack_refuses_non_ascii_and_oversize() -> None:
    with pytest.raises(ValueError):
        cb("m", "x", "容错")
    with pytest.raises(ValueError):
        cb("m", "x", "a" * 41)
