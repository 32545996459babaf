"""The message catalogue: both locales complete and consistent, every key the code names exists."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LOCALES, Catalogue
from tests.support.paths import ROOT

cat = Catalogue()


def test_locales_have_the_same_keys_and_placeholders() -> None:
    zh, en = cat.keys("zh"), cat.keys("en")
    assert zh == en, {"only zh": sorted(zh - en), "only en": sorted(en - zh)}
    for key in zh:
        assert cat.placeholders(cat.raw("zh", key)) == cat.placeholders(cat.raw("en", key)), key


@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_is_valid_telegram_html(locale: str) -> None:
    from bot.transport.telegram_rules import parse_html

    for key in cat.keys(locale):
        rendered = cat.t(locale, key, **{p: "x" for p in cat.placeholders(cat.raw(locale, key))})
        parse_html(rendered)


# Dotted literals that are audit-log action names, not messages.
AUDIT_ACTIONS = {
    "invite.create",
    "clearing.issue",
    "kb.apply",
    "kb.rollback",
    "filing.submit",
    "filing.overdue",
    "lookback.draw",
    "lookback.assign",
}


def test_every_literal_key_in_the_code_exists() -> None:
    sections = {key.split(".")[0] for key in cat.keys("zh")}
    names = "|".join(sorted(sections))
    literal = re.compile(rf"""["']((?:{names})\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)["']""")
    missing = []
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in literal.finditer(path.read_text(encoding="utf-8")):
                key = match.group(1)
                known = cat.has(key, "zh") or any(k.startswith(key + ".") for k in cat.keys("zh"))
                if not known and key not in AUDIT_ACTIONS:
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []
