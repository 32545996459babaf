"""import → export → import through the admin path is lossless, also for odd Unicode."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kb import admin as kb_admin
from knowledge.loader import load_bundled
from tests.support.strategies import guiding_cases

BASE = load_bundled()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(guiding_cases(), min_size=1, max_size=4, unique_by=lambda c: c.id))
def test_cases_survive_import_export_import(cases) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = kb_admin.replace(BASE, "cases", cases)
        exported = kb_admin.export(first, Path(tmp))
        again = BASE
        for path in exported:
            section, value = kb_admin.parse_upload(path.name, path.read_bytes(), 5_000_000)
            again = kb_admin.replace(again, section, value)
        assert again == first
        assert kb_admin.diff(first, again) == []
