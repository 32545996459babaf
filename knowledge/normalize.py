"""Text normalisation and tokenisation for matching Chinese text typed on a phone.

Everything here is deterministic and pure (caches aside), so the matcher can apply the very
same steps to the knowledge base at build time and to a query at run time:

* :func:`normalize` folds a text to one canonical form: NFKC (full-width -> half-width),
  Traditional -> Simplified (OpenCC ``t2s``), lower case, and every punctuation mark, symbol,
  emoji, control/format character (RTL marks, zero-width joiners...) turned into a space.
  It never raises and is idempotent.
* :func:`segments` / :func:`char_bigrams` give character n-grams inside runs of text.
* :func:`char_readings` / :func:`pinyin_bigrams` / :func:`pinyin_key` give toneless,
  "fuzzy" pinyin (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing merged) so that a word typed
  with a pinyin IME slip or a homophone (风控 for 封控, 荣错 for 容错) has the same key.
* :func:`segment` / :func:`words` segment with jieba and drop stopwords (the lists in
  ``knowledge/lexicon/stopwords.yaml``: function words, chat filler, generic case-question
  words).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import yaml

__all__ = [
    "char_bigrams",
    "char_readings",
    "content_runs",
    "fuzzy_syllable",
    "is_cjk",
    "load_stopwords",
    "normalize",
    "normalize_many",
    "pinyin_bigrams",
    "pinyin_key",
    "pinyin_line",
    "segment",
    "segments",
    "to_simplified",
    "token_runs",
    "warm_up",
    "words",
]

LEXICON_DIR = Path(__file__).with_name("lexicon")

# --------------------------------------------------------------------------- normalisation

_cc_lock = threading.Lock()
_cc = None


def _converter():
    global _cc
    if _cc is None:
        with _cc_lock:
            if _cc is None:
                import opencc

                _cc = opencc.OpenCC("t2s")
    return _cc


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese (OpenCC t2s); other scripts pass through."""
    if not text:
        return text
    try:
        return _converter().convert(text)
    except Exception:  # pragma: no cover - opencc is robust, be defensive anyway
        return text


_NON_WORD = re.compile(r"[\W_]+")
# common ASCII, CJK and full-width punctuation and spaces (not line breaks), no letters
_PUNCT = re.compile(
    r"[ \t\r\f\v!-/:-@\[-`{-~\u2010-\u2027\u3000-\u3004\u3008-\u3011\u3014-\u301f"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = text.lower()
    # \w is str.isalnum() (letters and numbers of every script) plus "_": punctuation,
    # symbols and emoji, marks, control and format characters all become spaces
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def normalize(text: str) -> str:
    """Canonical form of ``text``; never raises, ``normalize(normalize(x)) == normalize(x)``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Make sure we have valid code points only (lone surrogates cannot be encoded).
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    prev = text
    for _ in range(6):
        cur = _fold_once(prev)
        if cur == prev:
            return cur
        prev = cur
    return prev


def normalize_many(texts: Sequence[str]) -> list[str]:
    """Normalise many texts in one pass of the C-level steps (for indexing); equal to
    ``[normalize(t) for t in texts]`` except for rare multi-step Traditional chains."""
    if len(texts) <= 1:
        return [normalize(t) for t in texts]
    joined = "\n".join(("" if t is None else str(t)).replace("\n", " ") for t in texts)
    joined = joined.encode("utf-8", "replace").decode("utf-8", "replace")
    # punctuation first: full-width marks are what usually makes CJK text non-NFKC
    # punctuation first (every path turns it into a space): full-width marks are what
    # usually makes Chinese text non-NFKC, so most texts skip NFKC altogether
    joined = _PUNCT.sub(" ", joined)
    folded = not unicodedata.is_normalized("NFKC", joined)
    if folded:
        joined = unicodedata.normalize("NFKC", joined)
    joined = to_simplified(joined).lower()
    parts = joined.split("\n")
    if len(parts) != len(texts):  # a character folded into a line break: be exact instead
        return [normalize(t) for t in texts]
    # one pass of the fold; a second pass changes only rare chains (乾 -> 乾 -> 干)
    return [" ".join(_NON_WORD.sub(" ", part).split()) for part in parts]


# --------------------------------------------------------------------------- characters


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x2FA1F
        or 0xF900 <= o <= 0xFAFF
        or o == 0x3007
    )


_SEG_RE = re.compile(r"\S+")


def segments(norm: str) -> list[str]:
    """Runs of text without spaces in a normalised string."""
    return _SEG_RE.findall(norm)


def char_bigrams(norm: str) -> list[str]:
    """Character bigrams inside each run of CJK characters of a normalised string.

    A run of a single CJK character yields that character; Latin/digit runs yield the run
    itself (lower-cased words like ``pcr`` or ``120``).
    """
    out: list[str] = []
    for run in content_runs(norm):
        if len(run) == 1 or not is_cjk(run[0]):
            out.append(run)
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


_RUN_RE = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+|[a-z0-9]+")


def content_runs(norm: str) -> list[str]:
    """Maximal runs of CJK characters, or of ASCII letters/digits."""
    return _RUN_RE.findall(norm)


# --------------------------------------------------------------------------- pinyin

_INITIAL_FOLD = (("zh", "z"), ("ch", "c"), ("sh", "s"))


@functools.lru_cache(maxsize=4096)
def fuzzy_syllable(syl: str) -> str:
    """Fold a toneless pinyin syllable so IME-confusable ones collide (zh/z, ang/an, n/l...)."""
    s = syl.lower().replace("ü", "v").replace("u:", "v")
    for a, b in _INITIAL_FOLD:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    if s.startswith("l") and len(s) > 1:
        s = "n" + s[1:]
    if s.endswith("ng") and len(s) > 2 and s[-3] in "aei":
        s = s[:-1]
    return s


_py_lock = threading.Lock()
_READINGS: dict[str, tuple[str, ...]] = {}


def char_readings(ch: str) -> tuple[str, ...]:
    """All fuzzy toneless readings of one character (the character itself if not Chinese)."""
    got = _READINGS.get(ch)
    if got is not None:
        return got
    if not is_cjk(ch):
        got = (ch,)
    else:
        try:
            from pypinyin import Style, pinyin

            raw = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="default")[0]
        except Exception:  # pragma: no cover
            raw = [ch]
        seen: list[str] = []
        for r in raw:
            f = fuzzy_syllable(r) if r and r.isascii() else ch
            if f not in seen:
                seen.append(f)
        got = tuple(seen[:2]) or (ch,)
    with _py_lock:
        _READINGS[ch] = got
    return got


def pinyin_bigrams(norm: str) -> list[str]:
    """Fuzzy-pinyin keys of adjacent CJK characters (all readings of polyphones)."""
    return list(_pinyin_bigrams(norm))


@functools.lru_cache(maxsize=65536)
def _pinyin_bigrams(norm: str) -> tuple[str, ...]:
    out: list[str] = []
    for run in content_runs(norm):
        if not is_cjk(run[0]):
            continue
        if len(run) == 1:
            out.extend(char_readings(run))
            continue
        readings = [char_readings(c) for c in run]
        for i in range(len(run) - 1):
            a, b = readings[i], readings[i + 1]
            if len(a) == 1 and len(b) == 1:
                out.append(a[0] + "_" + b[0])
            else:
                out.extend(x + "_" + y for x in a for y in b)
    return tuple(out)


_FIRST: dict[str, str] = {}


def pinyin_line(norm: str) -> str:
    """A normalised text in fuzzy pinyin (first reading of each Chinese character), runs
    separated by spaces: the string the fuzzy (rapidfuzz) comparison works on."""
    first = _FIRST
    out: list[str] = []
    for run in content_runs(norm):
        if not is_cjk(run[0]):
            out.append(run)
            continue
        syl = []
        for c in run:
            r = first.get(c)
            if r is None:
                r = first[c] = char_readings(c)[0]
            syl.append(r)
        out.append("".join(syl))
    return " ".join(out)


def pinyin_key(text: str) -> str:
    """Fuzzy pinyin of a short word using each character's first reading, e.g. 荣错 -> rong_cuo."""
    return "_".join(char_readings(c)[0] for c in normalize(text) if not c.isspace())


# --------------------------------------------------------------------------- words

_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def warm_up() -> None:
    """Load the lazy resources (jieba dictionary, OpenCC, pypinyin, stopwords) now, so the
    first query does not pay for them."""
    _jieba()
    to_simplified("預熱")
    char_readings("预")
    load_stopwords()


@functools.lru_cache(maxsize=4)
def load_stopwords(keys: tuple[str, ...] = ("function", "filler", "generic")) -> frozenset[str]:
    """Stopwords of the given lists of ``knowledge/lexicon/stopwords.yaml``: ``function``
    words, chat ``filler``, and ``generic`` case-question words (会不会被追责, 容错...)."""
    path = LEXICON_DIR / "stopwords.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        data = {}
    out: set[str] = set()
    for key in keys:
        for w in data.get(key) or ():
            w = normalize(str(w)).replace(" ", "")
            if w:
                out.add(w)
    return frozenset(out)


_LE_INSIDE = re.compile(r"(?<=.)(了)")


def _lcut(jb, seg: str) -> list[str]:
    """jieba words of one run, with the perfective particle 了 cut out of the verb chunks the
    dictionary glues it into (开了个 -> 开 了 个, 摔断了 -> 摔断 了); a leading 了 (了解) stays.

    Cached per run: the jieba dictionary is loaded once and never modified afterwards."""
    return list(_lcut_cached(jb, seg))


@functools.lru_cache(maxsize=65536)
def _lcut_cached(jb, seg: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in jb.lcut(seg, HMM=False):
        if len(w) >= 2 and "了" in w[1:]:
            out.extend(p for p in _LE_INSIDE.split(w) if p)
        else:
            out.append(w)
    return tuple(out)


def words(norm: str, drop_stop: bool = True) -> list[str]:
    """jieba words of a normalised string (no spaces), function words dropped."""
    stop = load_stopwords() if drop_stop else frozenset()
    jb = _jieba()
    out: list[str] = []
    for seg in segments(norm):
        for w in _lcut(jb, seg):
            if w and not w.isspace() and w not in stop:
                out.append(w)
    return out


def token_runs(norm: str) -> list[str]:
    """Runs of consecutive content words: the text with function words cut out.

    ``"我没走程序直接找超市"`` -> ``["走程序直接找超市"]`` minus stopwords, so that
    n-grams are not formed across filler like 的/了/我.
    """
    return segment(norm)[0]


def segment(norm: str, stop: frozenset[str] | None = None) -> tuple[list[str], list[str]]:
    """One jieba pass over a normalised string: (content runs, content words).

    Content runs are the text with stopwords cut out (see :func:`token_runs`); content
    words are the jieba words that are not stopwords (``stop`` defaults to all lists).
    """
    stop = load_stopwords() if stop is None else stop
    jb = _jieba()
    runs: list[str] = []
    kept: list[str] = []
    for seg in segments(norm):
        cur: list[str] = []
        for w in _lcut(jb, seg):
            if w in stop:
                if cur:
                    runs.append("".join(cur))
                    cur = []
            else:
                cur.append(w)
                kept.append(w)
        if cur:
            runs.append("".join(cur))
    return runs, kept
