"""Synthetic knowledge bases for the benchmarks and the distractor evaluation.

The synthetic cases are made deterministically (``seed``) by recombining the text of the given
source cases sentence by sentence, so term statistics stay realistic; queries are fragments of
synthetic cases' title/background, rewritten a little (a dropped character, a question tail)
the way a cadre would type them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from knowledge.models import GuidingCase

__all__ = ["synthetic_cases", "synthetic_queries"]

_SENT = re.compile(r"(?<=[。；！？])")
_TEXT_FIELDS = ("title", "background", "error_elements", "causes", "handling", "measures", "lessons")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENT.split(text) if s.strip()]


def synthetic_cases(n: int, source: Sequence[GuidingCase], seed: int = 7) -> list[GuidingCase]:
    """``n`` cases whose fields are recombined from ``source`` sentence by sentence."""
    if not source:
        raise ValueError("need at least one source case")
    rng = random.Random(seed)
    pools = {f: [s for c in source for s in _sentences(getattr(c, f))] for f in _TEXT_FIELDS}
    kw_pool = sorted({k for c in source for k in c.keywords})
    out: list[GuidingCase] = []
    for i in range(n):
        base = source[rng.randrange(len(source))]
        data = base.model_dump()
        data["id"] = f"S{i:07d}"
        for f in _TEXT_FIELDS:
            own = _sentences(getattr(base, f))
            k = max(1, len(own))
            # keep about half of the base case's sentences, fill up from other cases
            mixed = [s for s in own if rng.random() < 0.5] + rng.sample(pools[f], min(k, len(pools[f])))
            rng.shuffle(mixed)
            data[f] = "".join(mixed[: k + 1]) or getattr(base, f)
        kws = list(dict.fromkeys(base.keywords[:3] + rng.sample(kw_pool, min(3, len(kw_pool)))))
        data["keywords"] = kws[:8]
        out.append(GuidingCase.model_validate(data))
    return out


def synthetic_queries(cases: Sequence[GuidingCase], n: int, seed: int = 7) -> list[tuple[str, str]]:
    """(query, fragment): fragments of a case's title or background, lightly rewritten."""
    rng = random.Random(seed + 1)
    out: list[tuple[str, str]] = []
    for _ in range(n):
        c = cases[rng.randrange(len(cases))]
        bg = c.background
        style = rng.random()
        if style < 0.3:
            q = c.title
        else:
            a = rng.randrange(max(1, len(bg) - 40))
            q = bg[a : a + rng.randint(12, 60)]
        fragment = q
        if style > 0.8 and len(q) > 6:
            j = rng.randrange(len(q))
            q = q[:j] + q[j + 1 :]  # a dropped character
        out.append((q + rng.choice(["", "，会被追责吗", "，能容错吗", "，这种怎么处理"]), fragment))
    return out
