"""Every entry's weighted fields turned into terms, once at build time.

Three kinds of term: ``b:`` character bigrams of the normalised text (Traditional folded to
Simplified...), ``p:`` fuzzy-pinyin bigrams, so homophones and pinyin-IME slips (风控/封控,
荣错/容错) meet, and ``s:`` synonym groups of the lexicon. Fields are weighted (BM25F): title
and keywords heavier than the background, the decision texts lighter.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from knowledge import normalize as nz
from knowledge.matching.lexicon import Lexicon

# Field weights (BM25F): title and keywords heavier than the background, decisions lighter.
CASE_FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 3.0),
    ("keywords", 3.0),
    ("background", 1.5),
    ("error_elements", 1.0),
    ("causes", 0.5),
    ("handling", 0.3),
    ("measures", 0.3),
    ("lessons", 0.2),
)
FAQ_FIELDS: tuple[tuple[str, float], ...] = (
    ("question", 3.0),
    ("alternatives", 3.0),
    ("keywords", 2.5),
    ("answer", 0.6),
)
ARTICLE_FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 3.0),
    ("keywords", 2.5),
    ("summary", 1.5),
    ("body", 0.4),
)


def field_texts(item: object, fields: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    out = []
    for name, w in fields:
        v = getattr(item, name, None)
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            v = " ; ".join(str(x) for x in v)
        out.append((str(v), w))
    return out


class TermBuilder:
    """Turns an entry's weighted fields into (term ids, weighted tf).

    Each distinct character pair gets a pair id once; its expansion (exact-bigram term,
    two-character lexicon words) is stored in growable CSR arrays, so the
    per-entry work is a few C-level passes (Counter, map, numpy) and no loop over terms.
    """

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self.vocab: dict[str, int] = {}
        self._pair: dict[str, int] = {}
        self._ptr = np.zeros(1024, dtype=np.int64)  # _ptr[i]:_ptr[i+1] expansion of pair i
        self._flat = np.zeros(4096, dtype=np.int32)
        self._n_flat = 0
        self._cands: dict[str, tuple[tuple[str, tuple[int, ...]], ...]] = {}
        self._sid: dict[int, int] = {}
        self.head = ""  # fuzzy pinyin of the leading fields of the last entry
        self.p_src: list[int] = []  # (pinyin term, exact bigram term) pairs
        self.b_src: list[int] = []

    def _tid(self, term: str) -> int:
        v = self.vocab
        t = v.get(term)
        if t is None:
            t = v[term] = len(v)
        return t

    def _group_tids(self, word: str) -> tuple[int, ...]:
        out = []
        for g in self.lex.multi.get(word, ()):
            sid = self._sid.get(g)
            if sid is None:
                sid = self._sid[g] = self._tid("s:" + str(g))
            out.append(sid)
        return tuple(out)

    def _learn(self, pair: str) -> None:
        ids: list[int] = []
        if pair[0] == "\x00":  # a whole Latin/digit word
            ids.append(self._tid("b:" + pair[1:]))
        elif nz.is_cjk(pair[0]) and nz.is_cjk(pair[1]):  # else: crosses a boundary, no term
            bid = self._tid("b:" + pair)
            ids.append(bid)
            # pinyin terms are not expanded per entry: their postings are derived from the
            # exact bigrams that sound like them once all entries are in (see _Index)
            for k in dict.fromkeys(nz.pinyin_bigrams(pair)):
                self.p_src.append(self._tid("p:" + k))
                self.b_src.append(bid)
            ids.extend(self._group_tids(pair))  # a two-character lexicon word
            longer = tuple((w, self._group_tids(w)) for w in self.lex.first_bigram.get(pair, ()) if len(w) > 2)
            if longer:
                self._cands[pair] = longer
        i = len(self._pair)
        self._pair[pair] = i
        if i + 2 > len(self._ptr):
            self._ptr = np.concatenate([self._ptr, np.zeros(len(self._ptr), dtype=np.int64)])
        end = self._n_flat + len(ids)
        while end > len(self._flat):
            self._flat = np.concatenate([self._flat, np.zeros(len(self._flat), dtype=np.int32)])
        self._flat[self._n_flat : end] = ids
        self._n_flat = end
        self._ptr[i + 1] = end

    def doc(self, fields: Sequence[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray, float]:
        """(term ids, weighted tf, weighted length) of one entry."""
        keys: list[str] = []
        vals: list[int] = []
        fws: list[float] = []
        nkeys: list[int] = []
        per_field: list[tuple[str, Counter[str], float]] = []
        norms = nz.normalize_many([t for t, _ in fields])
        # fuzzy pinyin of the two leading fields (title + keywords, question + alternatives)
        self.head = nz.pinyin_line(" ".join(norms[:2]))
        for (_text, fw), norm in zip(fields, norms, strict=True):
            if len(norm) < 2:
                continue
            # every adjacent pair in one C-level pass; pairs across a space or a Latin/digit
            # character map to no term (see _learn); Latin/digit words are added whole
            counts: Counter[str] = Counter(map(str.__add__, norm[:-1], norm[1:]))
            for word in _ASCII_WORD.findall(norm):
                counts["\x00" + word] += 1
            keys.extend(counts)
            vals.extend(counts.values())
            fws.append(fw)
            nkeys.append(len(counts))
            per_field.append((norm, counts, fw))
        if not keys:
            return np.zeros(0, np.int32), np.zeros(0, np.float32), 0.0
        pair = self._pair
        try:
            pids = np.fromiter(map(pair.__getitem__, keys), dtype=np.int64, count=len(keys))
        except KeyError:
            for k in set(keys).difference(pair):  # pairs seen for the first time
                self._learn(k)
            pids = np.fromiter(map(pair.__getitem__, keys), dtype=np.int64, count=len(keys))
        extra_ids: list[int] = []
        extra_w: list[float] = []
        cands = self._cands
        for norm, counts, fw in per_field:  # lexicon words of three or more characters
            for bg in cands.keys() & counts.keys():
                for word, sids in cands[bg]:
                    n = norm.count(word)
                    if n:
                        extra_ids.extend(sids)
                        extra_w.extend([fw * n] * len(sids))
        starts = self._ptr[pids]
        lens = self._ptr[pids + 1] - starts
        wk = np.asarray(vals, dtype=np.float64) * np.repeat(np.asarray(fws), nkeys)
        length = float(wk[lens > 0].sum())
        total = int(lens.sum())
        offs = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        ids = self._flat[np.arange(total, dtype=np.int64) + offs]
        w = np.repeat(wk, lens)
        if extra_ids:
            ids = np.concatenate([ids, np.asarray(extra_ids, dtype=np.int32)])
            w = np.concatenate([w, np.asarray(extra_w, dtype=np.float64)])
        if not len(ids):
            return np.zeros(0, np.int32), np.zeros(0, np.float32), 0.0
        uniq, inv = np.unique(ids, return_inverse=True)
        tf = np.bincount(inv, weights=w, minlength=len(uniq))
        return uniq.astype(np.int32), tf.astype(np.float32), length


_ASCII_WORD = re.compile(r"[a-z0-9]{2,}")
