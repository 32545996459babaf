"""Synonym groups (``knowledge/lexicon/*.yaml``) and how informative a word is.

The lexicon is data: ``synonyms.yaml`` and ``conduct.yaml`` groups meet words that share no
character (买/采购/进货, 隔离衣/防护服), on characters and, for a query, on fuzzy pinyin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from knowledge import normalize as nz


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
def word_info(word: str) -> float:
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
    for path in sorted(nz.LEXICON_DIR.glob("*.yaml")):
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
