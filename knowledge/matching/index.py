"""The BM25F inverted index over one collection, in flat numpy arrays (CSR layout).

A query touches only the postings of its own terms: no Python loop over the entries. The
object is read-only after build; concurrent reads are safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Literal

import numpy as np

from knowledge import conduct as cd
from knowledge import normalize as nz
from knowledge.matching.lexicon import Lexicon
from knowledge.matching.query import Query
from knowledge.matching.terms import ARTICLE_FIELDS, CASE_FIELDS, FAQ_FIELDS, TermBuilder, field_texts

Kind = Literal["case", "faq", "article"]

# BM25 parameters (textbook values).
K1 = 1.2
B = 0.75
MERGE_CHUNK = 2_000_000  # postings per chunk when building homophone pinyin postings


class Index:
    """BM25F inverted index over one collection, flat numpy arrays, read-only after build."""

    def __init__(
        self,
        items: Sequence[object],
        kinds: Sequence[Kind],
        fields_for: Sequence[Sequence[tuple[str, float]]],
        lex: Lexicon,
    ) -> None:
        self.items = tuple(items)
        self.ids = tuple(str(getattr(it, "id")) for it in self.items)  # noqa: B009
        self.kinds = tuple(kinds)
        self.n = len(self.items)
        builder = TermBuilder(lex)
        doc_terms: list[np.ndarray] = []
        doc_tfs: list[np.ndarray] = []
        lengths = np.zeros(self.n, dtype=np.float32)
        heads: list[str] = []
        for d, (item, fields) in enumerate(zip(self.items, fields_for, strict=True)):
            ids, tf, length = builder.doc(field_texts(item, fields))
            heads.append(builder.head)
            lengths[d] = length
            doc_terms.append(ids)
            doc_tfs.append(tf)
        self.heads = tuple(heads)
        # what each case's cadre did, and the decision (cases only; empty for FAQ/articles)
        self.acts = tuple(
            cd.case_conduct(item) if kind == "case" else frozenset()
            for item, kind in zip(self.items, self.kinds, strict=True)
        )
        self.outcomes = tuple(str(getattr(item, "outcome", "") or "") for item in self.items)
        self.vectors: np.ndarray | None = None  # sentence vectors (cases, when semantic)
        vocab = builder.vocab
        p_src = np.asarray(builder.p_src, dtype=np.int64)
        b_src = np.asarray(builder.b_src, dtype=np.int64)
        del builder
        self.vocab = vocab
        n_terms = len(vocab)
        counts = np.fromiter((len(a) for a in doc_terms), dtype=np.int64, count=self.n)
        if self.n:
            term_col = np.concatenate(doc_terms) if doc_terms else np.zeros(0, np.int32)
            tf_col = np.concatenate(doc_tfs) if doc_tfs else np.zeros(0, np.float32)
        else:
            term_col = np.zeros(0, np.int32)
            tf_col = np.zeros(0, np.float32)
        del doc_terms, doc_tfs
        doc_col = np.repeat(np.arange(self.n, dtype=np.int32), counts)
        order = np.argsort(term_col, kind="stable")  # postings sorted by term, then doc id
        term_sorted = term_col[order]
        del term_col
        post_docs = doc_col[order]
        del doc_col
        tf_sorted = tf_col[order]
        del tf_col, order
        df = np.bincount(term_sorted, minlength=n_terms).astype(np.int64)
        end = np.cumsum(df)
        start = end - df
        # Pinyin terms. One that only one exact bigram sounds like has exactly that bigram's
        # postings: it points at them (no copy). One shared by homophones gets its own
        # postings, the per-entry sum of its bigrams' frequencies.
        alias = np.full(n_terms, -1, dtype=np.int32)  # pinyin term -> bigram with the same postings
        if len(p_src):
            pairs = np.unique(p_src * max(n_terms, 1) + b_src)
            p_src, b_src = pairs // max(n_terms, 1), pairs % max(n_terms, 1)
            n_src = np.bincount(p_src, minlength=n_terms)
            single = n_src[p_src] == 1
            sp, sb = p_src[single], b_src[single]
            start[sp], end[sp], df[sp] = start[sb], end[sb], df[sb]
            alias[sp] = sb
            mp, mb = p_src[~single], b_src[~single]
            parts = self._merge_homophones(mp, mb, start, df, post_docs, tf_sorted, n_terms)
            if parts is not None:
                m_term, m_docs, m_tf = parts
                m_df = np.bincount(m_term, minlength=n_terms)
                has = m_df > 0
                m_end = np.cumsum(m_df) + len(post_docs)
                start[has] = (m_end - m_df)[has]
                end[has] = m_end[has]
                df[has] = m_df[has]
                term_sorted = np.concatenate([term_sorted, m_term])
                post_docs = np.concatenate([post_docs, m_docs])
                tf_sorted = np.concatenate([tf_sorted, m_tf])
                del m_term, m_docs, m_tf, parts
        self.post_docs = post_docs
        self.start, self.end = start, end
        self.alias = alias
        n = max(self.n, 1)
        dff = df.astype(np.float64)
        self.idf = np.log1p((n - dff + 0.5) / (dff + 0.5)).astype(np.float32)
        self.idf_unseen = float(math.log1p((n + 0.5) / 0.5))
        avgdl = float(lengths.mean()) if self.n else 1.0
        self.avgdl = avgdl or 1.0
        norm = (K1 * (1.0 - B + B * lengths / self.avgdl)).astype(np.float32)
        # weights of the stored postings; aliased pinyin terms share their bigram's idf
        w = tf_sorted * np.float32(K1 + 1.0)
        w /= tf_sorted + norm[self.post_docs]
        w *= self.idf[term_sorted]
        self.post_w = w
        del term_sorted, tf_sorted
        self._doc_view = self._make_doc_view(lex)

    def _merge_homophones(
        self,
        mp: np.ndarray,
        mb: np.ndarray,
        start: np.ndarray,
        df: np.ndarray,
        post_docs: np.ndarray,
        tf: np.ndarray,
        n_terms: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Postings of pinyin terms that several exact bigrams sound like: per entry, the sum
        of those bigrams' frequencies. ``mp``/``mb`` are (pinyin term, bigram term) pairs
        sorted by pinyin term. Done in chunks of whole pinyin terms to bound memory."""
        lens_all = df[mb]
        if not len(mp) or int(lens_all.sum()) == 0:
            return None
        n = max(self.n, 1)
        # chunk boundaries at the first pair of a pinyin term, ~MERGE_CHUNK postings each
        first = np.flatnonzero(np.concatenate(([True], mp[1:] != mp[:-1])))
        csum = np.concatenate(([0], np.cumsum(lens_all)))
        bucket = csum[first] // MERGE_CHUNK
        starts_at = first[np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))]
        cuts = [*starts_at.tolist(), len(mp)]
        terms, docs, tfs = [], [], []
        for lo, hi in pairwise(cuts):
            p, b = mp[lo:hi], mb[lo:hi]
            lens = lens_all[lo:hi]
            total = int(lens.sum())
            if not total:
                continue
            offs = np.repeat(start[b] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
            pos = np.arange(total, dtype=np.int64) + offs
            del offs
            key = np.repeat(p - p[0], lens) * n + post_docs[pos]
            ukey, inv = np.unique(key, return_inverse=True)
            del key
            tfs.append(np.bincount(inv, weights=tf[pos], minlength=len(ukey)).astype(np.float32))
            del inv, pos
            terms.append((ukey // n + p[0]).astype(np.int32))
            docs.append((ukey % n).astype(np.int32))
            del ukey
        if not terms:
            return None
        return np.concatenate(terms), np.concatenate(docs), np.concatenate(tfs)

    # ------------------------------------------------------------------ query

    def term_info(self, q: Query) -> tuple[list[int], np.ndarray, dict[str, int]]:
        """Posting lists to scan for the query, their query weights, and for each known
        query term the row (posting list) that evidences it. A pinyin term that is an alias
        of an exact bigram shares that bigram's row: same postings, scanned once."""
        tids: list[int] = []
        weights: list[float] = []
        rows: dict[str, int] = {}
        row_of: dict[int, int] = {}
        vocab, alias = self.vocab, self.alias
        for t, w in zip(q.terms, q.weights, strict=True):
            tid = vocab.get(t)
            if tid is None:
                continue
            if t[0] == "p":
                a = int(alias[tid])
                if a >= 0:
                    tid = a
            i = row_of.get(tid)
            if i is None:
                i = row_of[tid] = len(tids)
                tids.append(tid)
                weights.append(w)
            else:
                weights[i] += w
            rows[t] = i
        return tids, np.asarray(weights, dtype=np.float32), rows

    def score(self, tids: Sequence[int], qw: np.ndarray) -> np.ndarray:
        """BM25F scores of every entry: one bincount over the query terms' postings."""
        if not len(tids):
            return np.zeros(self.n, dtype=np.float64)
        t = np.asarray(tids, dtype=np.int64)
        starts = self.start[t]
        lens = self.end[t] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(self.n, dtype=np.float64)
        # the query terms' postings are contiguous slices: concatenate them (no loop over entries)
        pd, pw = self.post_docs, self.post_w
        bounds = list(zip(starts.tolist(), (starts + lens).tolist(), strict=True))
        docs = np.concatenate([pd[a:b] for a, b in bounds])
        w = np.concatenate([pw[a:b] for a, b in bounds])
        w *= np.repeat(qw.astype(np.float32), lens)
        return np.bincount(docs, weights=w, minlength=self.n)

    def contains(self, tids: Sequence[int], top: np.ndarray) -> np.ndarray:
        """Boolean matrix [query term, shortlisted entry]: binary search in each term's
        (doc-sorted) postings; cost independent of the collection size."""
        out = np.zeros((len(tids), len(top)), dtype=bool)
        if not len(top):
            return out
        if not len(tids):
            return out
        # one vectorised binary search for every (term, entry) pair at once
        docs = self.post_docs
        t = np.asarray(tids, dtype=np.int64)
        m = len(top)
        a = self.start[t]
        b = self.end[t]
        lo = np.repeat(a, m)
        hi = np.repeat(b, m)
        end = hi.copy()
        target = np.tile(np.asarray(top).astype(np.int32), len(t))
        last = max(len(docs) - 1, 0)
        if len(docs):
            for _ in range(int((b - a).max(initial=0)).bit_length()):
                live = lo < hi
                mid = (lo + hi) >> 1
                go = live & (docs[np.minimum(mid, last)] < target)
                lo = np.where(go, mid + 1, lo)
                hi = np.where(live & ~go, mid, hi)
            found = lo < end
            found &= docs[np.minimum(lo, last)] == target
        else:
            found = np.zeros(len(lo), dtype=bool)
        out[:] = found.reshape(len(t), m)
        return out

    def head_terms(self, d: int) -> frozenset[str]:
        """Pinyin-bigram and synonym-group terms of entry ``d``'s title and keywords."""
        return self._head_terms(d)

    def doc_view(self, d: int) -> tuple[str, tuple[tuple[str, frozenset, frozenset, frozenset], ...]]:
        """(normalised main text, keyword evidence) of entry ``d``, cached for "why"."""
        return self._doc_view(d)

    def _make_doc_view(self, lex: Lexicon):
        @lru_cache(maxsize=8192)
        def keyword(kw: str) -> tuple[str, frozenset, frozenset, frozenset]:
            nkw = nz.normalize(kw).replace(" ", "")
            return (
                kw,
                frozenset(nkw[i : i + 2] for i in range(len(nkw) - 1)),
                frozenset(nz.pinyin_bigrams(nkw)),
                frozenset(g for g, _ in lex.scan(nkw)),
            )

        @lru_cache(maxsize=8192)
        def head(d: int) -> frozenset[str]:
            item = self.items[d]
            kind = self.kinds[d]
            fields = CASE_FIELDS if kind == "case" else FAQ_FIELDS if kind == "faq" else ARTICLE_FIELDS
            return head_of(tuple(t for t, _w in field_texts(item, fields[:2])))

        @lru_cache(maxsize=8192)
        def head_of(texts: tuple[str, ...]) -> frozenset[str]:
            out: set[str] = set()
            for norm in nz.normalize_many(list(texts)):
                for run in nz.content_runs(norm):
                    if not nz.is_cjk(run[0]):
                        continue
                    out.update(run_terms(run))
            return frozenset(out)

        @lru_cache(maxsize=65536)
        def run_terms(run: str) -> frozenset[str]:
            out: set[str] = set()
            out.update("p:" + k for k in nz.pinyin_bigrams(run))
            out.update("s:" + str(g) for g, _ in lex.scan(run))
            return frozenset(out)

        self._head_terms = head

        @lru_cache(maxsize=4096)
        def view(d: int):
            item = self.items[d]
            kind = self.kinds[d]
            fields = CASE_FIELDS if kind == "case" else FAQ_FIELDS if kind == "faq" else ARTICLE_FIELDS
            doc = doc_of(tuple(t for t, _w in field_texts(item, fields[:3])))
            return doc, tuple(keyword(str(kw)) for kw in getattr(item, "keywords", None) or ())

        @lru_cache(maxsize=4096)
        def doc_of(texts: tuple[str, ...]) -> str:
            return " ".join(nz.normalize_many(list(texts)))

        return view

    def nbytes(self) -> int:
        arrays = (self.post_docs, self.post_w, self.start, self.end, self.idf, self.vectors)
        return int(sum(a.nbytes for a in arrays if a is not None))
