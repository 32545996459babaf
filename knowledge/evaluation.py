"""Measure case matching on a case file + query file (see ``CASE_FORMAT.md``).

python -m knowledge.evaluation CASES.json QUERIES.jsonl [--details]
    [--with OTHER_CASES.json ...] [--synthetic N]

``--with`` mixes other case files in as distractors (the queries' expected ids stay those of
CASES.json; the ids of every file must be distinct); ``--synthetic N`` adds N synthetic
distractor cases recombined from the bundled knowledge base (``knowledge/synthetic.py``), so
the same queries are measured among N other cases.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.matching import Matcher
from knowledge.models import CaseFile, GuidingCase

__all__ = ["evaluate", "load_queries", "run_eval"]


def load_queries(path: Path) -> list[dict]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile, linear between closest ranks (0.0 for no values); shared by the benchmarks."""
    return float(np.percentile(values, p)) if len(values) else 0.0


def evaluate(
    cases: Sequence[GuidingCase],
    queries: list[dict],
    matcher: Matcher | None = None,
    details: list | None = None,
) -> dict:
    """top1, top3, mrr, abstention, false_abstention, n, p50_ms, p95_ms.

    ``details`` (optional list) receives one dict per query for error analysis.
    """
    m = matcher or Matcher.build(cases)
    pos = neg = 0
    top1 = top3 = 0
    rr = 0.0
    abst = false_abst = 0
    lat: list[float] = []
    for q in queries:
        expected = set(q.get("expected") or [])
        t0 = time.perf_counter()
        res = m.match_cases(q["query"], k=10)
        lat.append((time.perf_counter() - t0) * 1000.0)
        ids = [h.id for h in res.hits]
        if expected:
            pos += 1
            if ids[:1] and ids[0] in expected:
                top1 += 1
            if any(i in expected for i in ids[:3]):
                top3 += 1
            rank = next((r for r, i in enumerate(ids[:10], 1) if i in expected), None)
            rr += 1.0 / rank if rank else 0.0
            if not res.confident:
                false_abst += 1
        else:
            neg += 1
            if not res.confident:
                abst += 1
        if details is not None:
            details.append(
                {
                    "query": q["query"],
                    "style": q.get("style"),
                    "expected": sorted(expected),
                    "got": ids[:3],
                    "conf": [round(h.confidence, 3) for h in res.hits[:3]],
                    "confident": res.confident,
                    "ambiguous": res.ambiguous,
                    "why": list(res.hits[0].why) if res.hits else [],
                }
            )
    return {
        "top1": top1 / pos if pos else 0.0,
        "top3": top3 / pos if pos else 0.0,
        "mrr": rr / pos if pos else 0.0,
        "abstention": abst / neg if neg else 1.0,
        "false_abstention": false_abst / pos if pos else 0.0,
        "n": len(queries),
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
    }


def load_cases(path: Path) -> list[GuidingCase]:
    return list(CaseFile.model_validate_json(Path(path).read_text(encoding="utf-8")).cases)


def run_eval(cases_path: Path, queries_path: Path) -> dict:
    return evaluate(load_cases(cases_path), load_queries(queries_path))


def with_distractors(cases: Sequence[GuidingCase], others: Sequence[Path] = (), synthetic: int = 0) -> list:
    """``cases`` plus the cases of ``others`` and ``synthetic`` recombined bundled cases."""
    out = list(cases)
    seen = {c.id for c in out}
    for p in others:
        for c in load_cases(p):
            if c.id not in seen:
                seen.add(c.id)
                out.append(c)
    if synthetic:
        from knowledge.loader import load_bundled
        from knowledge.synthetic import synthetic_cases

        out.extend(synthetic_cases(synthetic, load_bundled().cases))
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    show = "--details" in args
    args = [a for a in args if a != "--details"]
    others: list[Path] = []
    synthetic = 0
    rest: list[str] = []
    it = iter(args)
    for a in it:
        if a == "--with":
            others.append(Path(next(it)))
        elif a == "--synthetic":
            synthetic = int(next(it))
        else:
            rest.append(a)
    args = rest
    if len(args) != 2:
        print(__doc__)
        return 2
    cases = with_distractors(load_cases(Path(args[0])), others, synthetic)
    queries = load_queries(Path(args[1]))
    det: list = []
    res = evaluate(cases, queries, details=det if show else None)
    if show:
        for d in det:
            ok = (d["got"][:1] and d["got"][0] in d["expected"]) if d["expected"] else not d["confident"]
            if not ok or (d["expected"] and not d["confident"]):
                print(json.dumps(d, ensure_ascii=False))
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
