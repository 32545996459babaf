"""JSON columns: how dicts are written into TEXT (stable key order, so equal bodies compare equal)."""

from __future__ import annotations

import json
from typing import Any


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def load(text: str | None) -> dict[str, Any]:
    return json.loads(text or "{}")
