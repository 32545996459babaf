"""Matching free text against guiding cases, FAQ entries and policy articles.

One :class:`Matcher` serves three uses: a cadre's described situation -> closest guiding
cases (:meth:`Matcher.match_cases`), a question -> FAQ entries / articles
(:meth:`Matcher.answer`), and a filed request -> related cases for the supervisor
(:meth:`Matcher.related_cases`). :meth:`Matcher.classify` tells a question from a situation.

How it works
------------
Every entry is turned, once at build time, into weighted terms of three kinds:

* ``b:`` character bigrams of the normalised text (Traditional folded to Simplified...),
* ``p:`` fuzzy-pinyin bigrams, so homophones and pinyin-IME slips (风控/封控, 荣错/容错) meet,
* ``s:`` synonym groups from the data lexicon ``knowledge/lexicon/synonyms.yaml``
  (买/采购/进货, 隔离衣/防护服 ...), matched on characters and, for the query, on pinyin.

Fields are weighted (title and keywords heavier than background, the decision texts lighter)
and scored with BM25F over an inverted index held in flat numpy arrays (CSR layout). A query
touches only the postings of its own terms: no Python loop over the entries.

Confidence is calibrated on scale-free evidence only, so it transfers to knowledge bases of
other sizes and crisis domains: the score in units of "one fully specific shared term" (so it
does not grow with the collection), and the share of the query's informative content words
(weighted by their rarity in general Chinese) that the entry evidences. The BM25F shortlist is
re-ranked by that confidence, in which a rapidfuzz partial ratio (on fuzzy pinyin) of the
query against each shortlisted entry's title and keywords discounts the runners-up that read
less like the query. Ambiguity is a margin rule on the runner-up's confidence (in logits).

The object is immutable after :meth:`Matcher.build`; concurrent reads are safe.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from knowledge import conduct as cd
from knowledge import normalize as nz
from knowledge.models import FaqEntry, GuidingCase, PolicyArticle

__all__ = ["Hit", "MatchResult", "Matcher"]

Kind = Literal["case", "faq", "article"]

# --------------------------------------------------------------------------- tunables
# BM25 parameters (textbook values).
K1 = 1.2
B = 0.75
# Query-side weight of each term kind.
QW = {"b": 1.0, "p": 0.6, "s": 0.9}
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
# Calibration (see ``Matcher._calibrate``): confidence is a logistic function of scale-free
# evidence; CONF_THRESHOLD is where an entry is offered as a confident match.
STRENGTH_REF = 1.9
STRENGTH_SLOPE = 2.5
COVERAGE_SLOPE = 3.0
SHARE_SLOPE = 1.0
FUZZY_SLOPE = 1.0
# A short query whose content words all sit in an entry's headline (title + keywords) is as
# specific as it can be: HEAD_SLOPE logits per unit of headline coverage above HEAD_REF.
HEAD_REF = 0.7
HEAD_SLOPE = 4.0
# A message that neither narrates an event nor names a lapse reads as a routine question.
ROUTINE_SHIFT = 1.5
TASK_SHIFT = 2.5  # ... and one that asks for a document to be drafted is a writing task
# Conduct (knowledge/conduct.py, knowledge/lexicon/conduct.yaml): what the cadre did counts
# for more than the crisis nouns. Per shortlisted case, in logits: each act class shared with
# the query (at most ACT_SHARED_MAX), an act the query states that the case has none of, a
# grave act (private gain, falsification...) the query states that the case lacks; and for the
# query as a whole, a message that states no act at all.
ACT_AGREE = 0.6
ACT_SHARED_MAX = 2
ACT_MISS = 0.8
ACT_GRAVE_MISS = 1.5
NO_ACT_SHIFT = 0.6
# ... and one that states no act, narrates no event and asks for information (how much,
# which, how long, does it spread...) is a question about crisis things, not a situation
INFO_SHIFT = 3.0
# A short or reworded message whose act the best case shares, and which that case explains far
# better than any other (logit margin above MARGIN_REF), is a match: MARGIN_SLOPE logits per
# unit of margin above MARGIN_REF, at most MARGIN_CAP (query-level: the order stands).
MARGIN_REF = 3.0
MARGIN_SLOPE = 0.5
MARGIN_CAP = 3.0
# a case demoted by the conduct rule (a tolerated look-alike for a grave act, a grave
# not-tolerated case for an honest slip) is ranked after every other case and kept under the
# threshold by this many logits
DEMOTED_MARGIN = 0.5
PIVOT_MIN_CONF = 0.3
# Semantic signal (knowledge/semantic.py): z-scored cosine of the message's and each case's
# sentence vectors, over the whole collection; SEM_WEIGHT logits per standard deviation,
# relative to the lexically best case (it re-ranks, it does not make a match confident).
# The DENSE_CANDIDATES nearest cases join the BM25F shortlist.
SEMANTIC = os.environ.get("CADREBOT_SEMANTIC", "1") != "0"  # on unless CADREBOT_SEMANTIC=0
SEM_WEIGHT = 1.0
DENSE_CANDIDATES = 4  # hits that count when asking whether the best cases disagree
CONF_THRESHOLD = 0.5
AMBIGUITY_MARGIN = 0.5  # confident, but the runner-up's logit is within this of the top one
SHORTLIST = 12
MERGE_CHUNK = 2_000_000  # postings per chunk when building homophone pinyin postings

LEXICON_DIR = Path(__file__).with_name("lexicon")


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Lexicon:
    """Synonym groups: ``multi`` maps a word (>= 2 chars) to group ids, ``single`` one char,
    ``by_pinyin`` a word's fuzzy pinyin key to group ids, ``label`` a group id to its name."""

    multi: dict[str, tuple[int, ...]]
    single: dict[str, tuple[int, ...]]
    by_pinyin: dict[str, tuple[int, ...]]
    first_bigram: dict[str, tuple[str, ...]]
    label: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    max_len: int
    objects: frozenset[int] = frozenset()  # groups that only name things, places, people

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]], objects: Iterable[int] = ()) -> Lexicon:
        multi: dict[str, set[int]] = {}
        single: dict[str, set[int]] = {}
        by_py: dict[str, set[int]] = {}
        labels: list[str] = []
        members: list[tuple[str, ...]] = []
        for gid, group in enumerate(groups):
            words = []
            for raw in group:
                w = nz.normalize(str(raw)).replace(" ", "")
                if w and w not in words:
                    words.append(w)
            labels.append(words[0] if words else "")
            members.append(tuple(words))
            for w in words:
                if len(w) == 1:
                    single.setdefault(w, set()).add(gid)
                else:
                    multi.setdefault(w, set()).add(gid)
                    if all(nz.is_cjk(c) for c in w):
                        by_py.setdefault(_first_reading_key(w), set()).add(gid)
        first: dict[str, list[str]] = {}
        for w in multi:
            first.setdefault(w[:2], []).append(w)
        return cls(
            multi={w: tuple(sorted(g)) for w, g in multi.items()},
            single={w: tuple(sorted(g)) for w, g in single.items()},
            by_pinyin={k: tuple(sorted(g)) for k, g in by_py.items()},
            first_bigram={k: tuple(sorted(v, key=len, reverse=True)) for k, v in first.items()},
            label=tuple(labels),
            members=tuple(members),
            max_len=max((len(w) for w in multi), default=2),
            objects=frozenset(objects),
        )

    def _memo(self, name: str) -> dict:
        """Per-lexicon cache of the scans (the lexicon is immutable)."""
        d = self.__dict__.get(name)
        if d is None:
            d = {}
            object.__setattr__(self, name, d)
        return d

    def scan(self, run: str) -> list[tuple[int, str]]:
        """(group id, matched word) for every lexicon word (>= 2 chars) occurring in ``run``."""
        memo = self._memo("_scan_memo")
        got = memo.get(run)
        if got is None:
            got = tuple(self._scan(run))
            if len(memo) >= 65536:
                memo.clear()
            memo[run] = got
        return list(got)

    def scan_pinyin(self, run: str) -> list[tuple[int, str]]:
        """Groups whose word sounds like a substring of ``run`` (IME typos, homophones)."""
        memo = self._memo("_scan_pinyin_memo")
        got = memo.get(run)
        if got is None:
            got = tuple(self._scan_pinyin(run))
            if len(memo) >= 65536:
                memo.clear()
            memo[run] = got
        return list(got)

    def _scan(self, run: str) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        fb = self.first_bigram
        for i in range(len(run) - 1):
            cands = fb.get(run[i : i + 2])
            if cands:
                for w in cands:
                    if run.startswith(w, i):
                        out.extend((g, w) for g in self.multi[w])
        return out

    def _scan_pinyin(self, run: str) -> list[tuple[int, str]]:
        if len(run) < 2:
            return []
        keys = [nz.char_readings(c)[0] for c in run]
        out: list[tuple[int, str]] = []
        for i in range(len(run) - 1):
            key = keys[i]
            for j in range(i + 1, min(len(run), i + self.max_len)):
                key = key + "_" + keys[j]
                gs = self.by_pinyin.get(key)
                if gs:
                    out.extend((g, run[i : j + 1]) for g in gs)
        return out


@lru_cache(maxsize=65536)
def _word_info(word: str) -> float:
    """How informative a word is in general Chinese: -log relative frequency in jieba's
    dictionary, shifted so everyday words weigh little; unknown words weigh most."""
    jb = nz._jieba()
    freq = jb.dt.FREQ.get(word) or 0
    total = jb.dt.total or 1
    info = math.log(total / (freq + 1.0))
    return max(0.5, min(info, 16.0) - 6.0)


def _first_reading_key(word: str) -> str:
    return "_".join(nz.char_readings(c)[0] for c in word)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    groups: list[list[str]] = []
    objects: list[int] = []
    for path in sorted(LEXICON_DIR.glob("*.yaml")):
        if path.name == "stopwords.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        raw = data.get("groups") or []
        object_themes = set(map(str, data.get("object_themes") or ()))
        if isinstance(raw, dict):
            for name, section in raw.items():
                section = [list(map(str, g)) for g in section or []]
                if str(name) in object_themes:
                    objects.extend(range(len(groups), len(groups) + len(section)))
                groups.extend(section)
        else:
            groups.extend([list(map(str, g)) for g in raw])
    return Lexicon.from_groups(groups, objects)


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class _Query:
    norm: str
    runs: tuple[str, ...]
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    groups: frozenset[int]
    # content words of the query, each with the terms that evidence it in an entry
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    bigrams: frozenset[str] = frozenset()
    pinyin: frozenset[str] = frozenset()
    acts: frozenset[str] = frozenset()  # act classes the message states (knowledge/conduct.py)


_QUESTION_CUES = re.compile(
    r"吗|么|怎么|怎样|如何|什么|啥|哪些|哪里|哪个|能不能|可不可以|是否|能否|可否|要不要|会不会|算不算|是不是|有没有|"
    r"多少|多久|何时|为什么|为何|\?"
)


CASE_STOPWORDS = ("function", "filler", "generic")
ANSWER_STOPWORDS = ("function", "filler")  # 容错/免责... are topic words for the FAQ


_NARRATIVE_CUES = re.compile(
    r"我们|我就|我让|我叫|我找|我把|同事|书记|主任|网格员|当时|那天|昨天|昨晚|今天|上周|前几天|后来|结果|"
    r"已经|[0-9一二两三四五六七八九十百千几]+(?:个|户|人|份|套|天|次|万|块|元|辆|间|小时)|了"
)


_EVENT_CUES = re.compile(r"了|被|过")
# 了 closing a degree phrase (太吵了, 越来越难吃了) marks a state, not an event
_STATE_LE = re.compile(r"(?:太|越来越)[\u4e00-\u9fff]{1,3}?了")
# a request to draft a document (方案怎么写, 帮我写总结) is a writing task, never a situation
_WRITING_TASK = re.compile(r"(?:怎么|如何|咋|怎样)写|帮(?:我|忙)写|模板|范文")
# information-question wording: amounts, choices, durations, standards, yes/no about things
_INFO_QUESTION = re.compile(
    r"多少|多大|多深|多高|多长|多久|几[天次个岁针度吨种家年月号点]|怎么算|怎么弄|怎么样|怎么回事|标准|是什么|是啥|啥是|"
    r"什么样|什么时候|啥时候|何时|几时|哪天|哪个|哪家|哪里|哪儿|哪些|哪种|一般|有没有|会不会|能不能|是不是|可不可以|吗$|么$|呢$"
)
# 漏 of 泄漏 is a hazard (a leak), not an omission
_LAPSE_CUES = re.compile(r"[没未不无错假虚擅私乱偷瞒]|(?<!泄)漏|强行|硬")


def _is_incident(q: _Query, lex: Lexicon) -> bool:
    """Does the message read as a described incident? It must narrate an event (aspect
    markers) or name a lapse (negation, error, concealment...) in its content, and its
    lexicon words, if any, must not all be mere things, places and people (食堂 + 饭).
    Question words (会不会, 能不能) are stopwords, cut from the content runs before the
    lapse cues are looked for."""
    if q.groups and q.groups <= lex.objects:
        return False
    return bool(_EVENT_CUES.search(_STATE_LE.sub(" ", q.norm)) or _LAPSE_CUES.search(" ".join(q.runs)))


def _analyse_query(text: str, lex: Lexicon, stop: tuple[str, ...] = CASE_STOPWORDS) -> _Query:
    norm = nz.normalize(text)
    runs, qwords = nz.segment(norm, nz.load_stopwords(stop))
    # a two-character token that is no lexicon word but two single-character ones (发|菜)
    # is read as those two words
    qwords = [
        part
        for w in qwords
        for part in (
            (w[0], w[1]) if len(w) == 2 and w not in lex.multi and w[0] in lex.single and w[1] in lex.single else (w,)
        )
    ]
    weights: dict[str, float] = {}
    groups: set[int] = set()
    lex_hits: list[tuple[int, str]] = []  # (group, the query's text that matched it)

    def add(term: str, w: float) -> None:
        if w > weights.get(term, 0.0):
            weights[term] = w

    runs = [sub for run in runs for sub in nz.content_runs(run)]
    for run in runs:
        if not nz.is_cjk(run[0]):
            if len(run) >= 2:
                add("b:" + run, QW["b"])
            continue
        if len(run) == 1:
            gs = lex.single.get(run)
            if gs:
                groups.update(gs)
            continue
        for i in range(len(run) - 1):
            add("b:" + run[i : i + 2], QW["b"])
        for k in nz.pinyin_bigrams(run):
            add("p:" + k, QW["p"])
        for g, lw in (*lex.scan(run), *lex.scan_pinyin(run)):
            groups.add(g)
            lex_hits.append((g, lw))
    # single-character lexicon words count only as whole jieba tokens (买, 菜 ...)
    for w in qwords:
        if len(w) == 1:
            gs = lex.single.get(w)
            if gs:
                groups.update(gs)
    # lexicon words (or their homophones) that a stopword character cuts in two (地|镇 for 地震)
    for seg in nz.content_runs(norm):
        if len(seg) >= 2 and nz.is_cjk(seg[0]):
            for g, lw in (*lex.scan(seg), *lex.scan_pinyin(seg)):
                if g not in groups and not any(lw in r for r in runs):
                    groups.add(g)
                    lex_hits.append((g, lw))
    for g in groups:
        add("s:" + str(g), QW["s"])
    terms = tuple(weights)
    cwords: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for w in qwords:
        if w in seen or not nz.is_cjk(w[0]):
            continue
        seen.add(w)
        ev: list[str] = []
        if len(w) >= 2:
            ev.extend("p:" + k for k in nz.pinyin_bigrams(w))
            ev.extend("s:" + str(g) for g, _ in lex.scan(w))
            ev.extend("s:" + str(g) for g, _ in lex.scan_pinyin(w))
        else:
            ev.extend("s:" + str(g) for g in lex.single.get(w, ()))
        # a word inside a longer lexicon match (人头|数 in 人头数) is evidenced by that group
        ev.extend("s:" + str(g) for g, lw in lex_hits if w in lw)
        if not ev:
            continue
        cwords.append((w, tuple(dict.fromkeys(e for e in ev if e in weights))))
    return _Query(
        norm=norm,
        runs=tuple(runs),
        terms=terms,
        weights=tuple(weights[t] for t in terms),
        groups=frozenset(groups),
        words=tuple(cwords),
        bigrams=frozenset(t[2:] for t in terms if t[0] == "b"),
        pinyin=frozenset(t[2:] for t in terms if t[0] == "p"),
        acts=cd.read(text, fuzzy=True),
    )


# --------------------------------------------------------------------------- index


def _field_texts(item: object, fields: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    out = []
    for name, w in fields:
        v = getattr(item, name, None)
        if v is None:
            continue
        if isinstance(v, (list, tuple)):
            v = " ; ".join(str(x) for x in v)
        out.append((str(v), w))
    return out


class _TermBuilder:
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


class _Index:
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
        builder = _TermBuilder(lex)
        doc_terms: list[np.ndarray] = []
        doc_tfs: list[np.ndarray] = []
        lengths = np.zeros(self.n, dtype=np.float32)
        heads: list[str] = []
        for d, (item, fields) in enumerate(zip(self.items, fields_for, strict=True)):
            ids, tf, length = builder.doc(_field_texts(item, fields))
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

    def term_info(self, q: _Query) -> tuple[list[int], np.ndarray, dict[str, int]]:
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
            return head_of(tuple(t for t, _w in _field_texts(item, fields[:2])))

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
            doc = doc_of(tuple(t for t, _w in _field_texts(item, fields[:3])))
            return doc, tuple(keyword(str(kw)) for kw in getattr(item, "keywords", None) or ())

        @lru_cache(maxsize=4096)
        def doc_of(texts: tuple[str, ...]) -> str:
            return " ".join(nz.normalize_many(list(texts)))

        return view

    def nbytes(self) -> int:
        arrays = (self.post_docs, self.post_w, self.start, self.end, self.idf, self.vectors)
        return int(sum(a.nbytes for a in arrays if a is not None))


# --------------------------------------------------------------------------- matcher


class Matcher:
    """Immutable matcher over guiding cases, FAQ entries and policy articles."""

    def __init__(self, cases_index: _Index, answers_index: _Index, lexicon: Lexicon) -> None:
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
        ci = _Index(cases, ["case"] * len(cases), [CASE_FIELDS] * len(cases), lex)
        if (SEMANTIC if semantic is None else semantic) and cases:
            from knowledge import semantic as sem

            if sem.available():
                ci.vectors = sem.case_vectors(cases)
                sem.warm_up()  # cached vectors need no model: load it here, not at the first message
        ans_items: list[object] = [*faq, *articles]
        kinds: list[Kind] = ["faq"] * len(faq) + ["article"] * len(articles)
        fields = [FAQ_FIELDS] * len(faq) + [ARTICLE_FIELDS] * len(articles)
        ai = _Index(ans_items, kinds, fields, lex)
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
        cue = bool(_QUESTION_CUES.search(norm)) or ("?" in raw) or ("？" in raw)
        narrative = len(_NARRATIVE_CUES.findall(norm))
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

    def _search(self, index: _Index, text: str, k: int, stop: tuple[str, ...], situation: bool = False) -> MatchResult:
        if index.n == 0 or k <= 0 or not isinstance(text, str):
            return _EMPTY
        q = _analyse_query(text, self._lex, stop)
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
        feats = self._features(q, rows, index, scores, top, contains, situation, dense)
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

    def _features(
        self,
        q: _Query,
        rows: dict[str, int],
        index: _Index,
        scores: np.ndarray,
        top: np.ndarray,
        contains: np.ndarray,
        situation: bool = False,
        dense: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Scale-free evidence for the shortlisted entries, and the calibrated confidence.

        * strength: the BM25F score in units of "one query term that only this entry has,
          at saturation" (idf of an unseen term x (k1 + 1)); it grows with the amount of
          specific, shared content and does not depend on the size of the collection.
        * word coverage: the share of the query's content words, weighted by how
          informative each is in general Chinese, that the entry evidences (by characters,
          sound or synonym).
        * share: score / best score of the shortlist; fuzzy: rapidfuzz partial ratio of the
          query against title + keywords, relative to the best in the shortlist. Both only
          discount runners-up, never raise the best entry's confidence.
        """
        strength = scores[top] / (index.idf_unseen * (K1 + 1.0))
        wcov = self._word_coverage(q, rows, contains)
        fuzzy = self._fuzzy(index, q, top)
        logit = self._calibrate(strength, wcov, scores[top] / max(float(scores[top].max()), 1e-9), fuzzy)
        demoted = np.zeros(len(top), dtype=bool)
        if situation:
            act_adj, demoted = self._conduct(q, index, top)
            logit = logit + act_adj
        if dense is not None and len(dense):
            # relative to the best case by the lexical evidence, and never above it: the vectors
            # may re-rank (a synonym, a rewording), they never make a match more confident
            b = int(np.argmax(logit))
            fused = logit + SEM_WEIGHT * (dense - float(dense[b]))
            rank = fused  # the order follows the fused evidence ...
            logit = np.minimum(fused, float(logit[b]))  # ... the confidence stays the lexical one's
        else:
            rank = logit
        # headline coverage is only ever read for the best entry: computed for that one only
        # (the other entries' values are left as NaN)
        hcov = np.zeros(len(top))
        # query-level shifts (the same for every shortlisted entry, so the ranking stands):
        # how completely the best entry's headline explains a query of two or more content
        # words, and whether the message reads as an incident at all
        shift = 0.0
        if situation and len(q.words) >= 2 and len(logit):
            best = int(np.argmax(logit))
            hcov[:] = np.nan
            hcov[best] = self._head_coverage(q, index, top[best : best + 1])[0]
            shift += HEAD_SLOPE * max(float(hcov[best]) - HEAD_REF, 0.0)
        if situation and not _is_incident(q, self._lex):
            shift -= ROUTINE_SHIFT
        if situation and _WRITING_TASK.search(q.norm):
            shift -= TASK_SHIFT
        if situation and not q.acts:
            shift -= NO_ACT_SHIFT
            if _INFO_QUESTION.search(q.norm) and not _EVENT_CUES.search(_STATE_LE.sub(" ", q.norm)):
                shift -= INFO_SHIFT
        if situation and q.acts and len(logit):
            shift += self._margin_shift(q, index, top, logit, demoted)
        logit = np.clip(logit + shift, -30.0, 30.0)
        if demoted.any():
            cap = -math.log(1.0 / CONF_THRESHOLD - 1.0) - DEMOTED_MARGIN
            logit = np.where(demoted, np.minimum(logit, cap), logit)
        conf = 1.0 / (1.0 + np.exp(-logit))
        return {
            "hcov": hcov,
            "strength": strength,
            "wcov": wcov,
            "fuzzy": fuzzy,
            "logit": logit,
            "confidence": conf,
            "demoted": demoted,
            "rank": rank,
        }

    @staticmethod
    def _margin_shift(q: _Query, index: _Index, top: np.ndarray, logit: np.ndarray, demoted: np.ndarray) -> float:
        """Query-level lift for a best case that shares the message's act and stands far above
        every other shortlisted case (see MARGIN_REF)."""
        live = np.flatnonzero(~demoted)
        if not len(live):
            return 0.0
        b = int(live[np.argmax(logit[live])])
        if not (q.acts & index.acts[int(top[b])]):
            return 0.0
        others = np.delete(logit, b)
        gap = float(logit[b] - others.max()) if len(others) else MARGIN_REF + MARGIN_CAP / MARGIN_SLOPE
        return MARGIN_SLOPE * min(max(gap - MARGIN_REF, 0.0), MARGIN_CAP / MARGIN_SLOPE)

    @staticmethod
    def _conduct(q: _Query, index: _Index, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per shortlisted case: a logit adjustment for how its conduct fits the message's, and
        whether the conduct rule demotes it. The rule: a message that states a grave act
        (private gain, falsification, concealment, violence...) never gets first a
        tolerated case that has none of those acts; a message that states an honest slip and
        no grave act never gets first a not-tolerated case built on a grave act."""
        adj = np.zeros(len(top))
        demoted = np.zeros(len(top), dtype=bool)
        qa = q.acts
        if not qa or not index.acts:
            return adj, demoted
        grave = cd.default_conduct().grave
        q_grave = qa & grave
        slip_only = "clerical_slip" in qa and not q_grave
        for j, d in enumerate(top):
            d = int(d)
            ca, outcome = index.acts[d], index.outcomes[d]
            shared = qa & ca
            adj[j] += ACT_AGREE * min(len(shared), ACT_SHARED_MAX)
            if q_grave - ca:
                adj[j] -= ACT_GRAVE_MISS
                if outcome != "not_tolerated" and not (q_grave & ca):
                    demoted[j] = True
            if slip_only and outcome == "not_tolerated" and ca & grave:
                demoted[j] = True
        # conduct only discounts the cases that fit the act less well than the best fitting
        # one; a best case that shares no act with a message that states one is not a
        # confident match (ACT_MISS, the same for every case: the order stands)
        best = float(adj.max())
        adj -= best
        if best <= 0.0:
            adj -= ACT_MISS
        return adj, demoted

    @staticmethod
    def _fuzzy(index: _Index, q: _Query, top: np.ndarray) -> np.ndarray:
        """rapidfuzz partial ratio (0..1) of the query's content, in fuzzy pinyin, against
        each shortlisted entry's title and keywords: the best-aligned stretch, so it rewards
        a query that reads like the entry's headline even through typos."""
        if not q.runs:
            return np.zeros(len(top))
        qpy = nz.pinyin_line(" ".join(q.runs))
        heads = [index.heads[int(d)] for d in top]
        got = process.cdist([qpy], heads, scorer=fuzz.partial_ratio, dtype=np.float32)
        return got[0].astype(np.float64) / 100.0

    @staticmethod
    def _head_coverage(q: _Query, index: _Index, top: np.ndarray) -> np.ndarray:
        """Share of the query's content words (weighted as in word coverage) that an entry's
        title and keywords evidence."""
        out = np.zeros(len(top))
        if not q.words:
            return out
        infos = [_word_info(w) for w, _ in q.words]
        den = sum(infos)
        for j, d in enumerate(top):
            ht = index.head_terms(int(d))
            out[j] = sum(i for (_w, ev), i in zip(q.words, infos, strict=True) if any(e in ht for e in ev)) / den
        return out

    @staticmethod
    def _word_coverage(q: _Query, rows: dict[str, int], contains: np.ndarray) -> np.ndarray:
        """Share of the query's content words (weighted by how informative they are in
        general Chinese, from jieba's dictionary) that an entry evidences."""
        n_docs = contains.shape[1]
        if not q.words:
            return np.zeros(n_docs)
        num = np.zeros(n_docs)
        den = 0.0
        for w, ev in q.words:
            info = _word_info(w)
            den += info
            r = [rows[e] for e in ev if e in rows]
            if r:
                num += info * contains[r].any(axis=0)
        return num / den if den else np.zeros(n_docs)

    @staticmethod
    def _calibrate(strength: np.ndarray, wcov: np.ndarray, share: np.ndarray, fuzzy: np.ndarray) -> np.ndarray:
        """Logit of the confidence, linear in log-strength and word coverage: 0.5 at STRENGTH_REF with half the
        query's informative words evidenced; each doubling of strength is worth ~1.7 logits.
        ``share`` (score / best score of the query) discounts the runners-up, so a long text
        that touches many entries a little does not make all of them "certain"."""
        x = (
            STRENGTH_SLOPE * np.log(np.maximum(strength, 1e-6) / STRENGTH_REF)
            + COVERAGE_SLOPE * (wcov - 0.5)
            + SHARE_SLOPE * np.log(np.maximum(share, 1e-6))
            + FUZZY_SLOPE * (fuzzy - float(fuzzy.max(initial=0.0)))
        )
        return np.clip(x, -30.0, 30.0)

    def _why(self, index: _Index, d: int, q: _Query, limit: int = 5) -> tuple[str, ...]:
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
