"""The message catalogue: every user-facing text lives in ``bot/locales/<locale>.yaml``.

Values passed to :meth:`Catalogue.t` are HTML-escaped unless wrapped in :class:`Html`, so a
user's words can never break Telegram's HTML parse mode or inject markup.
"""

from __future__ import annotations

import html
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
_DIR = Path(__file__).parent / "locales"


class Html(str):
    """A fragment that is already safe HTML (built from catalogue text and escaped values)."""


def escape(value: object) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(str(value), quote=False)


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = str(node)


@cache
def _load(locale: str) -> dict[str, str]:
    data = yaml.safe_load((_DIR / f"{locale}.yaml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}
    _flatten("", data, flat)
    return flat


class _Values(dict):
    """A placeholder a caller did not fill shows as empty rather than failing the whole reply."""

    def __missing__(self, key: str) -> str:
        return ""


class Catalogue:
    def __init__(self, default_locale: str = DEFAULT_LOCALE) -> None:
        self.default_locale = default_locale if default_locale in LOCALES else DEFAULT_LOCALE

    def keys(self, locale: str) -> set[str]:
        return set(_load(locale))

    def has(self, key: str, locale: str | None = None) -> bool:
        return key in _load(locale or self.default_locale)

    def t(self, locale: str | None, key: str, **values: object) -> Html:
        locale = locale if locale in LOCALES else self.default_locale
        template = _load(locale).get(key) or _load(DEFAULT_LOCALE).get(key)
        if template is None:
            raise KeyError(f"message {key!r} missing from catalogue")
        if not values:
            return Html(template)
        return Html(template.format_map(_Values({k: escape(v) for k, v in values.items()})))

    @staticmethod
    def placeholders(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    def raw(self, locale: str, key: str) -> str:
        return _load(locale)[key]


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def _cut(line: str, limit: int) -> int:
    """The longest prefix of ``line`` within ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return max(index, 1)
    return len(line)


def split_message(text: str, limit: int = 4000) -> list[str]:
    """Split a long HTML message at line breaks so each part stays under Telegram's limit.

    Parts are split only between lines; tags in our catalogue never span lines, so every part
    stays well-formed. A single over-long line is cut at ``limit`` as a last resort, after any
    entity so escaping is not broken. Lengths are UTF-16 units, as Telegram counts them: 3,000
    emoji are 6,000 units.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while telegram_length(line) > limit:
            cut = _cut(line, limit)
            amp = line.rfind("&", 0, cut)
            if amp > 0 and ";" not in line[amp:cut]:
                cut = amp
            chunk, line = line[:cut], line[cut:]
            if current:
                parts.append(current)
                current = ""
            parts.append(chunk)
        candidate = f"{current}\n{line}" if current else line
        if telegram_length(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[: _cut(text, limit)]]
