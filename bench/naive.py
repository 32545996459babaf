"""The naive baseline both benchmarks compare against: a full rapidfuzz WRatio scan of the query
over every entry's concatenated text, with the matcher's API so the chat can run on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from knowledge.matching import Hit, Kind, MatchResult
from knowledge.models import FaqEntry, GuidingCase, PolicyArticle

__all__ = ["NaiveMatcher", "case_text"]


def case_text(case: GuidingCase) -> str:
    """What the baseline scans of a case."""
    return "\n".join([case.title, " ".join(case.keywords), case.background, case.error_elements])


class NaiveMatcher:
    """Same API as :class:`knowledge.matching.Matcher`, answering by a full WRatio scan."""

    CONFIDENT = 50.0  # WRatio score (0..100); an exact fragment of a long text scores 60 (scaled partial ratio)
    AMBIGUITY = 2.0

    def __init__(self, cases: Sequence[GuidingCase], faq: Sequence[FaqEntry], articles: Sequence[PolicyArticle]):
        self._cases: list[tuple[str, Kind, str]] = [(c.id, "case", case_text(c)) for c in cases]
        self._answers: list[tuple[str, Kind, str]] = [
            (f.id, "faq", "\n".join([f.question, *f.alternatives, " ".join(f.keywords), f.answer])) for f in faq
        ]
        self._answers.extend(
            (a.id, "article", "\n".join([a.title, a.summary, " ".join(a.keywords), a.body])) for a in articles
        )

    @classmethod
    def build(
        cls,
        cases: Sequence[GuidingCase],
        faq: Sequence[FaqEntry] = (),
        articles: Sequence[PolicyArticle] = (),
        lexicon: object = None,
    ) -> NaiveMatcher:
        return cls(cases, faq, articles)

    def index_bytes(self) -> int:
        return sum(len(t.encode()) for _, _, t in self._cases + self._answers)

    def match_cases(self, text: str, k: int = 3) -> MatchResult:
        return self._scan(self._cases, text, k)

    def answer(self, text: str, k: int = 3) -> MatchResult:
        return self._scan(self._answers, text, k)

    def related_cases(self, text: str, k: int = 5) -> MatchResult:
        return self._scan(self._cases, text, k)

    def classify(self, text: str) -> Literal["question", "situation"]:
        raw = text if isinstance(text, str) else ""
        cue = any(w in raw for w in ("吗", "怎么", "什么", "如何", "能不能", "是否", "?", "？"))
        return "question" if cue else "situation"

    @classmethod
    def _scan(cls, entries: list[tuple[str, Kind, str]], text: str, k: int) -> MatchResult:
        from rapidfuzz import fuzz, process

        if not entries or k <= 0 or not isinstance(text, str) or not text.strip():
            return MatchResult(hits=(), confident=False, ambiguous=False)
        found = process.extract(text, [t for _, _, t in entries], scorer=fuzz.WRatio, limit=k)
        hits = tuple(
            Hit(id=entries[i][0], kind=entries[i][1], score=float(s), confidence=float(s) / 100.0, why=())
            for _, s, i in found
        )
        confident = bool(hits) and hits[0].score >= cls.CONFIDENT
        ambiguous = confident and len(hits) > 1 and hits[0].score - hits[1].score < cls.AMBIGUITY
        return MatchResult(hits=hits, confident=confident, ambiguous=ambiguous)
