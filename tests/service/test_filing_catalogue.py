"""The catalogue keys the filing domain uses are declared, and the real catalogue fits them."""

from __future__ import annotations

import ast
import string
import warnings
from pathlib import Path

import pytest

from bot.filing.catalogue_keys import KEYS, yaml_snippet
from bot.filing.errors import FilingError
from bot.filing.service import FilingService
from bot.i18n import Catalogue
from tests.support.world import CADRE_A, REQUEST, World, make_world

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "filing"
PREFIXES = ("filing.error.", "lookback.error.", "filing.notify.", "lookback.notify.")


def _literals() -> set[str]:
    found = set()
    for path in PACKAGE.glob("*.py"):
        if path.name in ("catalogue_keys.py", "forms.py"):
            continue
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


def test_every_key_in_the_code_is_declared() -> None:
    literals = _literals()
    assert literals, "no keys found: the scan is broken"
    assert literals - set(KEYS) == set()


def test_suggested_texts_use_only_declared_placeholders() -> None:
    for key, (placeholders, zh, en) in KEYS.items():
        for template in (zh, en):
            used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert used <= set(placeholders), key


def test_yaml_snippets_round_trip() -> None:
    import yaml

    for locale in ("zh", "en"):
        data = yaml.safe_load(yaml_snippet(locale))
        assert data["filing"]["outcome"]["tolerated"]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_real_catalogue_fits_the_declared_placeholders(locale: str) -> None:
    catalogue = Catalogue(locale)
    present = catalogue.keys(locale)
    missing = sorted(set(KEYS) - present)
    for key in sorted(set(KEYS) & present):
        used = Catalogue.placeholders(catalogue.raw(locale, key))
        assert used <= set(KEYS[key][0]), f"{locale}:{key} uses {used - set(KEYS[key][0])}"
    if missing:
        warnings.warn(f"{len(missing)} filing keys not yet in {locale}.yaml, e.g. {missing[:3]}", stacklevel=1)


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
