"""``cadrebot bench-match``: index build time, query latency and memory at n cases, against the
naive full-scan baseline (:mod:`bench.naive`), on a synthetic knowledge base (:mod:`knowledge.synthetic`).

    python -m bench.match CASES.json N [N ...]
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from bench.naive import NaiveMatcher
from bot.kb.advice import advise
from bot.kb.service import Snapshot
from knowledge.evaluation import percentile
from knowledge.loader import load_bundled
from knowledge.matching import Matcher
from knowledge.models import CaseFile, GuidingCase
from knowledge.synthetic import synthetic_cases, synthetic_queries

__all__ = ["run_bench"]


def run_bench(
    n_cases: int,
    source_cases: Sequence[GuidingCase],
    seed: int = 7,
    queries: int = 200,
    baseline_queries: int = 20,
    measure_memory: bool = True,
) -> dict:
    """Build time, p50/p95 latency and peak memory of the matcher at ``n_cases`` cases, and the
    latency of a naive rapidfuzz full scan over the same cases (on ``baseline_queries``)."""
    cases = synthetic_cases(n_cases, source_cases, seed)
    qs = synthetic_queries(cases, queries, seed)
    gc.collect()
    Matcher.build(source_cases[:1])  # warm up lazy resources (jieba, OpenCC, lexicon, model)
    # with the semantic signal on, the first build computes every case vector (into a fresh
    # cache), the second reads them back from it
    cache_dir = tempfile.TemporaryDirectory(prefix="cadrebot-vectors-")
    old_cache = os.environ.get("CADREBOT_VECTOR_CACHE")
    os.environ["CADREBOT_VECTOR_CACHE"] = cache_dir.name
    try:
        t0 = time.perf_counter()
        matcher = Matcher.build(cases)
        build_s = time.perf_counter() - t0
        semantic = matcher._cases.vectors is not None
        build_cached_s = None
        if semantic:
            del matcher
            gc.collect()
            t0 = time.perf_counter()
            matcher = Matcher.build(cases)
            build_cached_s = time.perf_counter() - t0
    finally:
        if old_cache is None:
            os.environ.pop("CADREBOT_VECTOR_CACHE", None)
        else:
            os.environ["CADREBOT_VECTOR_CACHE"] = old_cache

    by_id = {c.id: c for c in cases}
    lat: list[float] = []
    cpu: list[float] = []  # CPU time too: wall time suffers when the machine is shared
    found = 0
    for q, fragment in qs:
        t = time.perf_counter()
        c = time.process_time()
        res = matcher.match_cases(q, k=3)
        cpu.append((time.process_time() - c) * 1000.0)
        lat.append((time.perf_counter() - t) * 1000.0)
        # many synthetic cases share each sentence: a hit is right if it contains the fragment
        found += any(fragment in by_id[h.id].title or fragment in by_id[h.id].background for h in res.hits)

    answer = _answer_path(cases, matcher, [q for q, _f in qs])

    naive = NaiveMatcher.build(cases)
    base_lat: list[float] = []
    base_cpu: list[float] = []
    for q, _fragment in qs[:baseline_queries]:
        t = time.perf_counter()
        c = time.process_time()
        naive.match_cases(q, k=3)
        base_cpu.append((time.process_time() - c) * 1000.0)
        base_lat.append((time.perf_counter() - t) * 1000.0)

    peak_mb = None
    index_mb = matcher.index_bytes() / 1e6
    if measure_memory:
        del matcher
        gc.collect()
        tracemalloc.start()
        m2 = Matcher.build(cases)
        for q, _fragment in qs[:20]:
            m2.match_cases(q, k=3)
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb = peak / 1e6
        del m2
    p95 = percentile(lat, 95)
    bp95 = percentile(base_lat, 95)
    return {
        "cases": n_cases,
        "semantic": semantic,
        "build_s": round(build_s, 3),
        "build_cached_s": None if build_cached_s is None else round(build_cached_s, 3),
        **answer,
        "p50_ms": round(percentile(lat, 50), 3),
        "p95_ms": round(p95, 3),
        "peak_mb": None if peak_mb is None else round(peak_mb, 1),
        "index_mb": round(index_mb, 1),
        "baseline_p50_ms": round(percentile(base_lat, 50), 3),
        "baseline_p95_ms": round(bp95, 3),
        "speedup_p95": round(bp95 / p95, 1) if p95 > 0 else None,
        "cpu_p50_ms": round(percentile(cpu, 50), 3),
        "cpu_p95_ms": round(percentile(cpu, 95), 3),
        "baseline_cpu_p95_ms": round(percentile(base_cpu, 95), 3),
        "queries": len(qs),
        "baseline_queries": len(base_lat),
        "fragment_in_top3": round(found / len(qs), 3) if qs else None,
    }


def _answer_path(cases: Sequence[GuidingCase], matcher: Matcher, texts: Sequence[str]) -> dict:
    """p50/p95 of the chat's whole answer path (intent, then the retrieval it calls for:
    ``bot.kb.advice.advise``) over the same knowledge base."""
    kb = load_bundled().model_copy(update={"cases": list(cases)})
    snap = Snapshot(1, kb, matcher)
    t0 = time.perf_counter()
    advise(snap, "你好")  # the intent model is built (once per knowledge base) here
    intent_build_s = time.perf_counter() - t0
    lat: list[float] = []
    for t in texts:
        a = time.perf_counter()
        advise(snap, t)
        lat.append((time.perf_counter() - a) * 1000.0)
    return {
        "intent_build_s": round(intent_build_s, 3),
        "answer_p50_ms": round(percentile(lat, 50), 3),
        "answer_p95_ms": round(percentile(lat, 95), 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print(__doc__)
        return 2
    src = CaseFile.model_validate_json(Path(args[0]).read_text(encoding="utf-8")).cases
    for n in args[1:]:
        print(json.dumps(run_bench(int(n), src), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
