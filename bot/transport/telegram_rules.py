"""What Telegram's Bot API refuses, checked offline so the same bugs show up in tests and the console.

Telegram's HTML parse mode accepts only a few tags and requires every ``<``, ``>`` and ``&`` in
text to be escaped; lengths are counted on the text after entity parsing.
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200

_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))*)\s*(/?)>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class BadRequest(ValueError):
    """The description Telegram would send with a 400."""


def parse_html(text: str) -> str:
    """The plain text Telegram would show for an HTML message, or BadRequest."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if not match:
                raise BadRequest(f"can't parse entities: Unsupported start tag at byte offset {_offset(text, pos)}")
            closing, name, _attrs, self_closing = match.groups()
            name = name.lower()
            if name not in _ALLOWED_TAGS:
                raise BadRequest(
                    f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {_offset(text, pos)}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise BadRequest(f"can't parse entities: Unexpected end tag at byte offset {_offset(text, pos)}")
                stack.pop()
            elif not self_closing:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise BadRequest(f"can't parse entities: Character entity expected at byte offset {_offset(text, pos)}")
            out.append(html.unescape(match.group(0)))
            pos = match.end()
        elif char == ">":
            raise BadRequest(f"can't parse entities: Unexpected > at byte offset {_offset(text, pos)}")
        else:
            out.append(char)
            pos += 1
    if stack:
        raise BadRequest(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_text(text: str | None, parse_mode: str | None, limit: int = MAX_TEXT) -> str:
    if text is None or text == "":
        raise BadRequest("message text is empty")
    plain = parse_html(text) if parse_mode and parse_mode.upper() == "HTML" else text
    if not plain.strip():
        raise BadRequest("message text is empty")
    if utf16_len(plain) > limit:
        raise BadRequest("message is too long")
    return plain


def check_reply_markup(markup: dict | None) -> None:
    if not markup:
        return
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    for row in rows:
        for button in row:
            if not str(button.get("text", "")).strip():
                raise BadRequest("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise BadRequest("BUTTON_DATA_INVALID")
            if data is None and "url" not in button:
                raise BadRequest("BUTTON_TYPE_INVALID")


def _offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))
