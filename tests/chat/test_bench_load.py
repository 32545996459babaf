"""bench-load smoke test: a handful of simulated users run the real mix without an error (no timings)."""

from __future__ import annotations

from pathlib import Path

from bench.load import run_load
from bench.naive import NaiveMatcher
from bot.kb.service import KnowledgeService

KEYS = ("users", "updates", "updates_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "peak_mb", "db_mb")


async def test_a_short_load_run_has_no_errors(tmp_path: Path, knowledge: KnowledgeService) -> None:
    figures = await run_load(users=6, minutes=0.05, workdir=tmp_path, think_s=0.05, knowledge=knowledge)
    assert all(key in figures for key in KEYS), figures
    assert figures["updates"] > 0
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["db_mb"] > 0


def test_naive_matcher_answers_with_the_matcher_result_types(knowledge: KnowledgeService) -> None:
    kb = knowledge.current.kb
    naive = NaiveMatcher.build(kb.cases, kb.faq, kb.articles)
    found = naive.match_cases(kb.cases[0].title)
    assert found.hits and found.hits[0].id == kb.cases[0].id and found.confident
    assert naive.answer(kb.faq[0].question).hits[0].kind in ("faq", "article")
    assert len(naive.related_cases(kb.cases[1].background, k=5).hits) == 5
    assert naive.classify("这个能容错吗？") == "question"
