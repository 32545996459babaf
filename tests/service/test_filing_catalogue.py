"""The filing domain's texts come from the locale catalogue only, and every key it names exists there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.filing.errors import FilingError
from bot.filing.service import FilingService
from bot.i18n import Catalogue
from tests.support.world import CADRE_A, REQUEST, World, make_world

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "filing"
PREFIXES = ("filing.error.", "lookback.error.", "filing.notify.", "lookback.notify.")


def _literals() -> set[str]:
    found = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # Skip pieces of f-strings such as f"filing.notify.new_{kind}".
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith(PREFIXES)
                and not node.value.endswith((".", "_"))
            ):
                found.add(node.value)
    return found


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_key_in_the_code_is_in_the_catalogue(locale: str) -> None:
    literals = _literals()
    assert literals, "no keys found: the scan is broken"
    assert literals - Catalogue().keys(locale) == set()


def test_both_locales_ask_for_the_same_values() -> None:
    """A translation may not need a value the other language's text does not (the domain passes one set)."""
    catalogue = Catalogue()
    for key in sorted(_literals()):
        zh, en = (Catalogue.placeholders(catalogue.raw(locale, key)) for locale in ("zh", "en"))
        assert zh == en, f"{key}: zh uses {sorted(zh)}, en uses {sorted(en)}"


async def test_a_broken_catalogue_does_not_lose_a_filing(tmp_path) -> None:
    w: World = await make_world(tmp_path)

    def broken(locale: str, key: str, **values: object) -> str:
        raise KeyError(key)

    service = FilingService(
        w.storage, w.users, w.service.ctx.notifier, broken, clock=w.clock, calendar=w.service.calendar
    )
    result = await service.submission.request(CADRE_A, REQUEST, "k")
    assert result.created
    assert any(result.filing.ref in text for _, text in await w.outbox())
    with pytest.raises(FilingError):
        await service.submission.request(CADRE_A, {**REQUEST, "motive": ""}, "k2")
    await w.storage.close()
