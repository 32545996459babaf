"""Matching free text against guiding cases, FAQ entries and policy articles.

One :class:`Matcher` serves three uses: a cadre's described situation -> closest guiding
cases (:meth:`Matcher.match_cases`), a question -> FAQ entries / articles
(:meth:`Matcher.answer`), and a filed request -> related cases for the supervisor
(:meth:`Matcher.related_cases`). :meth:`Matcher.classify` tells a question from a situation.

A query is read once (``query``), scored with BM25F over the entries' terms (``terms``,
``index``), joined for cases by the nearest cases by meaning, and the shortlist is re-ranked
by the calibrated confidence (``fusion``). Ambiguity is a margin rule on the runner-up's
confidence (in logits).

The object is immutable after :meth:`Matcher.build`; concurrent reads are safe.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from knowledge import conduct as cd
from knowledge import normalize as nz
from knowledge.matching.fusion import CONF_THRESHOLD, features
from knowledge.matching.index import Index, Kind
from knowledge.matching.lexicon import Lexicon, default_lexicon
from knowledge.matching.query import (
    ANSWER_STOPWORDS,
    CASE_STOPWORDS,
    NARRATIVE_CUES,
    QUESTION_CUES,
    Query,
    analyse_query,
)
from knowledge.matching.terms import ARTICLE_FIELDS, CASE_FIELDS, FAQ_FIELDS
from knowledge.models import FaqEntry, GuidingCase, PolicyArticle

__all__ = ["CONF_THRESHOLD", "Hit", "Kind", "MatchResult", "Matcher"]

# The DENSE_CANDIDATES cases nearest by meaning join the BM25F shortlist.
SEMANTIC = os.environ.get("CADREBOT_SEMANTIC", "1") != "0"  # on unless CADREBOT_SEMANTIC=0
DENSE_CANDIDATES = 4
PIVOT_MIN_CONF = 0.3  # hits that count when asking whether the best cases disagree
AMBIGUITY_MARGIN = 0.5  # confident, but the runner-up's logit is within this of the top one
SHORTLIST = 12


@dataclass(frozen=True)
class Hit:
    id: str
    kind: Kind
    score: float  # raw score, comparable within one query
    confidence: float  # calibrated 0..1
    why: tuple[str, ...]  # shared words that explain the match


@dataclass(frozen=True)
class MatchResult:
    hits: tuple[Hit, ...]  # best first, at most k
    confident: bool  # top hit passes the calibrated threshold
    ambiguous: bool  # confident, but the top results are too close to pick one
    # where the best cases disagree on the outcome, what tips the balance: a key of the
    # conduct lexicon's pivots (private_gain, falsification, ...; "intent" when no act tells)
    pivot: str | None = None


_EMPTY = MatchResult(hits=(), confident=False, ambiguous=False)


class Matcher:
    """Immutable matcher over guiding cases, FAQ entries and policy articles."""

    def __init__(self, cases_index: Index, answers_index: Index, lexicon: Lexicon) -> None:
        self._cases = cases_index
        self._answers = answers_index
        self._lex = lexicon

    @classmethod
    def build(
        cls,
        cases: Sequence[GuidingCase],
        faq: Sequence[FaqEntry] = (),
        articles: Sequence[PolicyArticle] = (),
        lexicon: Lexicon | None = None,
        semantic: bool | None = None,
    ) -> Matcher:
        lex = lexicon or default_lexicon()
        nz.warm_up()
        cases = list(cases)
        case_kinds: list[Kind] = ["case"] * len(cases)
        ci = Index(cases, case_kinds, [CASE_FIELDS] * len(cases), lex)
        if (SEMANTIC if semantic is None else semantic) and cases:
            from knowledge import semantic as sem

            if sem.available():
                ci.vectors = sem.case_vectors(cases)
                sem.warm_up()  # cached vectors need no model: load it here, not at the first message
        ans_items: list[object] = [*faq, *articles]
        # One literal per annotated list: the checker infers a bare ["faq"] * n as list[str].
        faq_kinds: list[Kind] = ["faq"] * len(faq)
        article_kinds: list[Kind] = ["article"] * len(articles)
        kinds = faq_kinds + article_kinds
        fields = [FAQ_FIELDS] * len(faq) + [ARTICLE_FIELDS] * len(articles)
        ai = Index(ans_items, kinds, fields, lex)
        return cls(ci, ai, lex)

    def index_bytes(self) -> int:
        """Bytes held by the numpy arrays of both indexes (vocabularies not counted)."""
        return self._cases.nbytes() + self._answers.nbytes()

    # ------------------------------------------------------------------ public API

    def match_cases(self, text: str, k: int = 3) -> MatchResult:
        """A described situation -> the closest guiding cases."""
        return self._search(self._cases, text, k, CASE_STOPWORDS, situation=True)

    def answer(self, text: str, k: int = 3) -> MatchResult:
        """A question -> FAQ entries and policy articles."""
        return self._search(self._answers, text, k, ANSWER_STOPWORDS)

    def related_cases(self, text: str, k: int = 5) -> MatchResult:
        """A filed request's full text -> related cases (for the supervisor)."""
        return self._search(self._cases, text, k, CASE_STOPWORDS, situation=True)

    def classify(self, text: str) -> Literal["question", "situation"]:
        """Is ``text`` a question about policy/procedure, or a described situation?

        Question cues (吗/怎么/什么/如何/能不能/？...) and narrative cues (我/我们/同事 + 了,
        figures, times) are weighed together with which index matches better relative to
        its own calibrated threshold.
        """
        norm = nz.normalize(text if isinstance(text, str) else "")
        raw = text if isinstance(text, str) else ""
        if not norm:
            return "question"
        cue = bool(QUESTION_CUES.search(norm)) or ("?" in raw) or ("？" in raw)
        narrative = len(NARRATIVE_CUES.findall(norm))
        # text features alone: a short cue-laden line is a question, a story is a situation
        bias = (0.25 if cue else -0.1) - 0.08 * min(narrative, 4) - (0.15 if len(norm) > 40 else 0.0)
        if self._answers.n == 0:
            return "question" if bias > 0 else "situation"
        if self._cases.n == 0:
            return "question"
        a = self._search(self._answers, text, 1, ANSWER_STOPWORDS)
        c = self._search(self._cases, text, 1, CASE_STOPWORDS, situation=True)
        ac = a.hits[0].confidence if a.hits else 0.0
        cc = c.hits[0].confidence if c.hits else 0.0
        return "question" if (ac - CONF_THRESHOLD) - (cc - CONF_THRESHOLD) + bias > 0 else "situation"

    # ------------------------------------------------------------------ internals

    def _search(self, index: Index, text: str, k: int, stop: tuple[str, ...], situation: bool = False) -> MatchResult:
        if index.n == 0 or k <= 0 or not isinstance(text, str):
            return _EMPTY
        q = analyse_query(text, self._lex, stop)
        if not q.terms:
            return _EMPTY
        tids, qw, rows = index.term_info(q)
        if not tids:
            return _EMPTY
        scores = index.score(tids, qw)
        m = min(max(k, SHORTLIST), index.n)
        top = np.argpartition(-scores, m - 1)[:m] if m < index.n else np.arange(index.n)
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        dense = None
        if situation and index.vectors is not None and len(top):
            from knowledge import semantic as sem

            cos = index.vectors @ sem.query_vector(q.norm)  # folded: Traditional reads as Simplified
            z = (cos - float(cos.mean())) / max(float(cos.std()), 1e-6)
            near = np.argpartition(-z, min(DENSE_CANDIDATES, index.n) - 1)[:DENSE_CANDIDATES]
            extra = near[~np.isin(near, top)]
            if len(extra):
                top = np.concatenate([top, extra])
            dense = z[top]
        if len(top) == 0:
            return _EMPTY
        contains = index.contains(tids, top)
        feats = features(q, rows, index, scores, top, contains, self._lex, situation, dense)
        # the shortlist (by BM25F) is re-ranked by the calibrated confidence; cases demoted by
        # the conduct rule come after all others
        order = np.lexsort((-feats["rank"], feats["demoted"]))
        top, conf, logit = top[order], feats["confidence"][order], feats["logit"][order]
        hits = []
        for rank, d in enumerate(top[:k]):
            d = int(d)
            hits.append(
                Hit(
                    id=index.ids[d],
                    kind=index.kinds[d],
                    score=float(scores[d]),
                    confidence=float(conf[rank]),
                    why=self._why(index, d, q),
                )
            )
        confident = bool(conf[0] >= CONF_THRESHOLD)
        # margin rule on the evidence (logits), not on probabilities that saturate near 1
        ambiguous = bool(
            confident and len(conf) > 1 and conf[1] >= CONF_THRESHOLD and logit[0] - logit[1] < AMBIGUITY_MARGIN
        )
        pivot = None
        if situation and confident:
            shown = [int(d) for d, c in zip(top[:k], conf[:k], strict=False) if c >= PIVOT_MIN_CONF]
            pivot = cd.pivot([(index.outcomes[d], index.acts[d]) for d in shown])
        return MatchResult(hits=tuple(hits), confident=confident, ambiguous=ambiguous, pivot=pivot)

    def _why(self, index: Index, d: int, q: Query, limit: int = 5) -> tuple[str, ...]:
        doc, kws = index.doc_view(d)
        qb, qp = q.bigrams, q.pinyin
        out: list[str] = []

        def push(w: str) -> None:
            w = w.strip()
            if len(w) >= 2 and w not in out and not any(w in o for o in out):
                out[:] = [o for o in out if o not in w]
                out.append(w)

        # 1. the entry's own keywords that the query touches (by characters, sound or synonym)
        for kw, bg, pg, gs in kws:
            if bg & qb or pg & qp or gs & q.groups:
                push(kw)
        # 2. synonym groups shared with the query, shown with the entry's own word
        for g in sorted(q.groups):
            for w in self._lex.members[g]:
                if len(w) >= 2 and w in doc:
                    push(w)
                    break
        # 3. longest common substrings between the query and the entry's main text, cut
        #    back to whole words (名单时 -> 名单)
        for r in q.runs:
            if len(out) >= limit:
                break
            i = 0
            while i < len(r) - 1:
                j = i + 2
                if r[i:j] in doc:
                    while j < len(r) and r[i : j + 1] in doc:
                        j += 1
                    sub = r[i:j]
                    words = nz.words(sub, drop_stop=False) if len(sub) > 2 else [sub]
                    for w in words:
                        if len(w) >= 2 and w in doc:
                            push(w)
                    i = j
                else:
                    i += 1
        return tuple(out[:limit])
