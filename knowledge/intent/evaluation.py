"""``cadrebot eval-intent PHRASINGS.jsonl``: the intent classifier's confusion matrix on held-out phrasings.

Each line is ``{"text": "...", "intent": "greeting|question|situation|writing|offtopic"}``. The model
is the one the bot uses for the bundled knowledge base (``model_for``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from knowledge.intent import INTENTS, IntentModel, model_for

__all__ = ["confusion", "format_matrix", "load_phrasings", "run"]


def load_phrasings(path: Path) -> list[dict]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def confusion(model: IntentModel, rows: Sequence[dict]) -> tuple[dict[str, dict[str, int]], list[tuple[dict, str]]]:
    """matrix[true][predicted] counts, and the misses (row, predicted)."""
    matrix: dict[str, dict[str, int]] = {t: dict.fromkeys(INTENTS, 0) for t in INTENTS}
    misses: list[tuple[dict, str]] = []
    for row in rows:
        got = model.intent(row["text"]).label
        matrix.setdefault(row["intent"], dict.fromkeys(INTENTS, 0))[got] += 1
        if got != row["intent"]:
            misses.append((row, got))
    return matrix, misses


def format_matrix(matrix: dict[str, dict[str, int]]) -> str:
    cols = list(INTENTS)
    width = max(len(c) for c in cols) + 1
    lines = ["true \\ predicted".ljust(18) + "".join(c.rjust(width) for c in cols)]
    for t, row in matrix.items():
        lines.append(t.ljust(18) + "".join(str(row.get(c, 0)).rjust(width) for c in cols))
    return "\n".join(lines)


def run(path: Path, kb=None) -> tuple[dict, str, list[tuple[dict, str]]]:
    if kb is None:
        from knowledge.loader import load_bundled

        kb = load_bundled()
    rows = load_phrasings(path)
    matrix, misses = confusion(model_for(kb), rows)
    n = len(rows)
    per_class = {t: round(row[t] / total, 4) for t, row in matrix.items() if (total := sum(row.values()))}
    summary = {"accuracy": round((n - len(misses)) / n, 4) if n else 0.0, "n": n, "recall": per_class}
    return summary, format_matrix(matrix), misses
