"""Conduct: what a cadre *did* (gained privately, falsified, hid, hurt someone, skipped a
procedure, made a clerical slip...), read from a message or from a guiding case.

Crisis nouns (a pig farm, a water truck, a detector) say where something happened; the act
says which case applies and how it was decided. The act classes and their cue words are data,
``knowledge/lexicon/conduct.yaml``; this module only reads them:

* :func:`read` gives the act classes a text states. A cue right after a negation (未谋取私利,
  没有收钱) does not count. With ``fuzzy=True`` (messages typed on a phone) a cue also matches
  by fuzzy pinyin, so 好处废 or 截流 still read as 好处费 / 截留.
* :func:`case_conduct` tags a guiding case from what happened and how it was judged (title,
  background, error elements, causes, handling).
* :func:`pivot` says what tips the balance between look-alike cases with opposite outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from knowledge import normalize as nz

__all__ = ["ConductLexicon", "case_conduct", "default_conduct", "pivot", "read"]

CONDUCT_FILE = Path(__file__).with_name("lexicon") / "conduct.yaml"
# how far before a cue a negation may stand, bridges included (characters): 未发现截留私分
NEGATION_SCOPE = 8
PASSIVE_SCOPE = 8  # a passive or other-agent marker this close before a cue: not the cadre's act
PAIR_GAP = 5  # at most this many characters between the two words of a pair cue
FUZZY_MIN_LEN = 3  # a cue shorter than this matches by sound only when its act is grave
CASE_FIELDS = ("title", "background", "error_elements", "causes", "handling")


@dataclass(frozen=True)
class ConductLexicon:
    classes: tuple[str, ...]
    cues: dict[str, tuple[str, ...]]  # cue word -> classes
    grave: frozenset[str]
    pivots: dict[str, str]  # class -> catalogue key suffix
    requires: dict[str, tuple[str, ...]]  # class -> words one of which must share the clause
    pairs: tuple[tuple[str, str, str], ...]  # (class, first, second): both in one clause, in order
    negations: tuple[str, ...]
    bridges: tuple[str, ...]
    passive: tuple[str, ...]
    by_pinyin: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]  # fuzzy pinyin key -> (cue, classes)
    max_len: int
    first2: dict[str, tuple[str, ...]]  # first two characters -> cues starting with them

    @classmethod
    def from_data(cls, data: dict) -> ConductLexicon:
        cues: dict[str, set[str]] = {}
        grave: set[str] = set()
        pivots: dict[str, str] = {}
        requires: dict[str, tuple[str, ...]] = {}
        pairs: list[tuple[str, str, str]] = []
        names: list[str] = []
        for name, spec in (data.get("classes") or {}).items():
            name = str(name)
            names.append(name)
            spec = spec or {}
            if spec.get("grave"):
                grave.add(name)
            if spec.get("pivot"):
                pivots[name] = str(spec["pivot"])
            if spec.get("with"):
                requires[name] = tuple(nz.normalize(str(w)).replace(" ", "") for w in spec["with"])
            for a, b in spec.get("pairs") or ():
                pairs.append((name, nz.normalize(str(a)).replace(" ", ""), nz.normalize(str(b)).replace(" ", "")))
            for raw in spec.get("cues") or ():
                w = nz.normalize(str(raw)).replace(" ", "")
                if w:
                    cues.setdefault(w, set()).add(name)
        by_py: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for w, cs in cues.items():
            if len(w) >= 2 and all(nz.is_cjk(c) for c in w):
                by_py.setdefault(_key(w), []).append((w, tuple(sorted(cs))))
        negs = tuple(
            sorted({nz.normalize(str(n)).replace(" ", "") for n in data.get("negations") or ()}, key=len, reverse=True)
        )
        bridges = tuple(
            sorted({nz.normalize(str(n)).replace(" ", "") for n in data.get("bridges") or ()}, key=len, reverse=True)
        )
        return cls(
            bridges=tuple(b for b in bridges if b),
            passive=tuple(nz.normalize(str(p)).replace(" ", "") for p in data.get("passive") or ()),
            classes=tuple(names),
            cues={w: tuple(sorted(c)) for w, c in cues.items()},
            grave=frozenset(grave),
            pivots=pivots,
            requires=requires,
            pairs=tuple(pairs),
            negations=tuple(n for n in negs if n),
            by_pinyin={k: tuple(v) for k, v in by_py.items()},
            max_len=max((len(w) for w in cues), default=1),
            first2={k: tuple(sorted(v, key=len)) for k, v in _by_first2(cues).items()},
        )

    # ------------------------------------------------------------------ reading

    def _negated(self, clause: str, i: int) -> bool:
        """Is the cue at ``clause[i]`` negated: a negation right before it, or before a
        stretch of bridge words and other cues (未发现截留私分, 无虚报冒领)? Or is it said of
        someone else, or suffered (被砖砸了, 有人冒领)?"""
        near = clause[max(0, i - PASSIVE_SCOPE) : i]
        if any(p in near for p in self.passive):
            return True
        before = clause[max(0, i - NEGATION_SCOPE) : i]
        for cut in range(len(before), -1, -1):
            head, gap = before[:cut], before[cut:]
            if any(head.endswith(n) for n in self.negations) and self._bridged(gap):
                return True
        return False

    def _bridged(self, gap: str) -> bool:
        if not gap:
            return True
        words = (*self.bridges, *self._cue_words_at(gap))
        return any(gap.startswith(w) and self._bridged(gap[len(w) :]) for w in words)

    def _cue_words_at(self, gap: str) -> tuple[str, ...]:
        return tuple(gap[:j] for j in range(min(len(gap), self.max_len), 1, -1) if gap[:j] in self.cues)

    def _clause_classes(self, clause: str, fuzzy: bool) -> set[str]:
        found: set[str] = set()
        n = len(clause)
        keys = [nz.char_readings(c)[0] for c in clause] if fuzzy else None
        cues, first2 = self.cues, self.first2
        for i in range(n):
            cs = cues.get(clause[i])
            if cs and not self._negated(clause, i):
                found.update(cs)
            if keys is None:  # exact cues only: those sharing this position's first two characters
                for cue in first2.get(clause[i : i + 2], ()):
                    if clause.startswith(cue, i) and not self._negated(clause, i):
                        found.update(cues[cue])
                continue
            for j in range(i + 2, min(n, i + self.max_len) + 1):
                sub = clause[i:j]
                cs = cues.get(sub)
                if cs is None and j - i >= 2:
                    # a homophone typo of a cue (截流 for 截留): same sound, one character shared
                    for cue, classes in self.by_pinyin.get("_".join(keys[i:j]), ()):
                        # same first character (截流 for 截留, not 装了 for 赚了)
                        if (len(cue) >= FUZZY_MIN_LEN or self.grave.intersection(classes)) and cue[0] == sub[0]:
                            cs = classes
                            break
                if cs and not self._negated(clause, i):
                    found.update(cs)
        for c, a, b in self.pairs:
            if c in found:
                continue
            i = clause.find(a)
            if i < 0 or self._negated(clause, i):
                continue
            k = clause.find(b, i + len(a))
            if 0 <= k - (i + len(a)) <= PAIR_GAP:
                found.add(c)
        for c, words in self.requires.items():
            if c in found and not any(w in clause for w in words):
                found.discard(c)
        return found

    def read(self, text: str, fuzzy: bool = False) -> frozenset[str]:
        norm = nz.normalize(text)
        out: set[str] = set()
        for clause in norm.split():
            out |= self._clause_classes(clause, fuzzy)
        return frozenset(out)


def _by_first2(cues: dict[str, tuple[str, ...]] | dict[str, set[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in cues:
        if len(w) >= 2:
            out.setdefault(w[:2], []).append(w)
    return out


def _key(word: str) -> str:
    return "_".join(nz.char_readings(c)[0] for c in word)


@lru_cache(maxsize=1)
def default_conduct() -> ConductLexicon:
    data = yaml.safe_load(CONDUCT_FILE.read_text(encoding="utf-8")) or {}
    return ConductLexicon.from_data(data)


@lru_cache(maxsize=4096)
def _read_cached(text: str, fuzzy: bool) -> frozenset[str]:
    return default_conduct().read(text, fuzzy)


def read(text: str, fuzzy: bool = True, lexicon: ConductLexicon | None = None) -> frozenset[str]:
    """The act classes that ``text`` states (negated cues excluded)."""
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    if lexicon is not None:
        return lexicon.read(text, fuzzy)
    return _read_cached(text, fuzzy)


def case_conduct(case: object, lexicon: ConductLexicon | None = None) -> frozenset[str]:
    """The act classes of a guiding case: what happened and how it was judged."""
    lex = lexicon or default_conduct()
    texts = [str(getattr(case, f, "") or "") for f in CASE_FIELDS]
    return lex.read("。".join(texts), fuzzy=False)


def pivot(outcome_classes: Iterable[tuple[str, frozenset[str]]], lexicon: ConductLexicon | None = None) -> str | None:
    """What tips the balance among (outcome, act classes) of the best cases, or None when they
    agree: the first grave class (in lexicon order) that the not-tolerated ones state and the
    tolerated ones do not."""
    lex = lexicon or default_conduct()
    items = list(outcome_classes)
    bad = [c for o, c in items if o == "not_tolerated"]
    good = [c for o, c in items if o != "not_tolerated"]
    if not bad or not good:
        return None
    in_good = frozenset().union(*good)
    in_bad = frozenset().union(*bad)
    for c in lex.classes:
        if c in lex.pivots and c in in_bad and c not in in_good:
            return lex.pivots[c]
    for c in lex.classes:  # every grave act is on both sides: the balance is the intent
        if c in lex.pivots and c in in_bad:
            return lex.pivots[c]
    return "intent"


def cues_in(text: str, fuzzy: bool = False, lexicon: ConductLexicon | None = None) -> list[tuple[str, str]]:
    """(cue, class) for every counted cue of ``text``: why :func:`read` found what it found."""
    lex = lexicon or default_conduct()
    out: list[tuple[str, str]] = []
    for clause in nz.normalize(text).split():
        found = lex._clause_classes(clause, fuzzy)
        for i in range(len(clause)):
            for j in range(i + 1, min(len(clause), i + lex.max_len) + 1):
                cs = lex.cues.get(clause[i:j])
                if cs and not lex._negated(clause, i):
                    out.extend((clause[i:j], c) for c in cs if c in found)
    return out
