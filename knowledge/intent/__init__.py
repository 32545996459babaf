"""What a free text wants, before any retrieval: greeting, question, situation, writing, off-topic.

Two small scikit-learn logistic regressions over the same features:

- **intent** (5 classes), trained on our own labelled phrasings (``train.yaml``, expanded from
  templates) plus what the knowledge base itself says: every FAQ question and alternative is a
  *question*, every guiding case's title and opening is a *situation*;
- **topic** (one class per FAQ entry), trained on each entry's question, alternatives and
  keywords, so a procedural question reaches its FAQ entry in words the entry never listed.

Features: TF-IDF over character 1-3-grams of the normalised text (simplified, folded, no
punctuation), plus TF-IDF over 1-2-grams of its *fuzzy pinyin* syllables, so a homophone slip
(荣错, 抱备, 申述, 复合) reads like the word meant, plus two hand features (a question mark was
typed; the length). Training takes a fraction of a second; a model is built once per knowledge
base (``model_for``, cached by content) and off the event loop (``KnowledgeService``).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from knowledge import normalize as nz
from knowledge import semantic
from knowledge.intent.crosslingual import VectorClassifier, is_latin

Intent = Literal["greeting", "question", "situation", "writing", "offtopic"]
INTENTS: tuple[Intent, ...] = ("greeting", "question", "situation", "writing", "offtopic")

TRAIN_FILE = Path(__file__).with_name("train.yaml")
FILLER = True
MAX_CASE_EXAMPLES = 400  # a 10,000-case base still trains in well under a second
CASE_OPENING = 60  # characters of a case background used as a situation example

__all__ = ["INTENTS", "Guess", "IntentModel", "build_examples", "model_for", "prepare", "train_examples"]

_DROP = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
# An A-not-A question (能不能, 可不可以, 是不是, 会不会 ...) asks "whether": read it as A否, so
# "能不能容错" does not contain the "不能容错" of the never-tolerated questions.
_A_NOT_A = re.compile(r"(可)不可以|(应)不应该|([\u4e00-\u9fff])不\3")


# Discourse filler of spoken and typed questions (就是我想问问那个..., 你跟我讲讲, ...啊): it says
# nothing about what is asked and dilutes the n-grams of what is, so it is cut before featurising.
_FILLER = re.compile(
    r"我想(?:问问|问一下|问下|知道|了解一下|了解|搞清楚|弄清楚)|请问一下|请问|问一下|问问|麻烦(?:你|您)?|"
    r"(?:你|您)(?:给我|跟我|帮我)?(?:讲讲|说说|讲一下|说一下|介绍一下)|(?:给我|跟我)(?:讲讲|说说|讲一下|说一下)|"
    r"就是说|就是|那个|这个事|这个|一下子|一下|到底|具体|一般|大概|究竟|"
    r"[啊呀呢吧嘛哈哦噢啦呗]+$|[啊呀呢吧嘛哈哦噢啦呗](?=[，,。？?！!\s])"
)


def prepare(text: str) -> tuple[str, str]:
    """(compact normalised text, fuzzy-pinyin token line with hand features) of one message."""
    raw = text if isinstance(text, str) else ""
    norm = nz.normalize(raw)
    core = _FILLER.sub("", norm) if FILLER else norm
    compact = _A_NOT_A.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "否", _DROP.sub("", core or norm))
    tokens = []
    for ch in compact:
        if nz.is_cjk(ch):
            readings = nz.char_readings(ch)
            tokens.append(nz.fuzzy_syllable(readings[0]) if readings else ch)
        else:
            tokens.append(ch)
    if "?" in raw or "？" in raw or "吗" in compact:
        tokens.append("_qmark_")
    n = len(compact)
    tokens.append("_len_" + ("s" if n <= 6 else "m" if n <= 16 else "l" if n <= 40 else "xl"))
    return compact, " ".join(tokens)


def _csr(matrix: object) -> sparse.csr_matrix:
    """The matrix, checked: scikit-learn and SciPy are untyped here (the checker infers a union of every
    shape they can return), and these calls give CSR matrices; anything else is a bug to stop on."""
    if not isinstance(matrix, sparse.csr_matrix):
        raise TypeError(f"expected a CSR matrix, got {type(matrix).__name__}")
    return matrix


class _Features:
    """Character n-grams of the text + pinyin n-grams (+ hand features), one sparse matrix."""

    def __init__(self) -> None:
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        self.pinyin = TfidfVectorizer(
            analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, lowercase=False
        )

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        prepared = [prepare(t) for t in texts]
        a = _csr(self.chars.fit_transform([p[0] or "_" for p in prepared]))
        b = _csr(self.pinyin.fit_transform([p[1] for p in prepared]))
        return _csr(sparse.hstack([a, 0.7 * b], format="csr"))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        prepared = [prepare(t) for t in texts]
        a = _csr(self.chars.transform([p[0] or "_" for p in prepared]))
        b = _csr(self.pinyin.transform([p[1] for p in prepared]))
        return _csr(sparse.hstack([a, 0.7 * b], format="csr"))


@dataclass(frozen=True)
class Guess:
    label: str
    p: float  # probability of the label
    probs: tuple[tuple[str, float], ...]  # every class, best first


class _Classifier:
    def __init__(self, texts: Sequence[str], labels: Sequence[str], c: float) -> None:
        self.features = _Features()
        x = self.features.fit_transform(texts)
        self.model = LogisticRegression(C=c, solver="newton-cg", max_iter=500, class_weight="balanced")
        # one BLAS thread: with a thread per core the small fit runs ten times slower, and it
        # shares the machine with the bot's event loop anyway
        with threadpool_limits(limits=1):
            self.model.fit(x, list(labels))
        self.classes = [str(c) for c in self.model.classes_]

    def predict(self, text: str) -> Guess:
        probs = self.model.predict_proba(self.features.transform([text]))[0]
        order = np.argsort(-probs)
        ranked = tuple((self.classes[i], float(probs[i])) for i in order)
        return Guess(ranked[0][0], ranked[0][1], ranked)


# --------------------------------------------------------------------------- training data


@cache
def _train_file() -> dict:
    return yaml.safe_load(TRAIN_FILE.read_text(encoding="utf-8"))


def _expand(spec: dict) -> list[str]:
    out = [str(text) for text in spec.get("examples", []) or []]
    for frame in spec.get("frames", []) or []:
        out += [frame.replace("{x}", str(filler)) for filler in spec.get("fillers", []) or []]
    return out


def train_examples() -> list[tuple[str, str]]:
    """(text, intent) from ``train.yaml`` alone: plain examples, then every frame x filler.

    The topic phrasings (``topics:``) are questions too.
    """
    out: list[tuple[str, str]] = []
    for intent, spec in _train_file().items():
        if intent == "topics":
            out += [(text, "question") for topic in spec.values() for text in _expand(topic)]
        else:
            out += [(text, intent) for text in _expand(spec)]
    return out


def topic_phrasings() -> dict[str, list[str]]:
    """FAQ id -> the extra phrasings of ``train.yaml`` for that entry (``F006b`` adds to ``F006``)."""
    out: dict[str, list[str]] = {}
    for key, spec in (_train_file().get("topics") or {}).items():
        out.setdefault(re.sub(r"[a-z]+$", "", str(key)), []).extend(_expand(spec))
    return out


def build_examples(faq: Iterable, cases: Iterable) -> list[tuple[str, str]]:
    """The training set of the intent classifier: ``train.yaml`` plus the knowledge base's own texts."""
    out = train_examples()
    for entry in faq:
        out += [(q, "question") for q in (entry.question, *entry.alternatives) if q]
    cases = list(cases)
    step = max(1, len(cases) // MAX_CASE_EXAMPLES)
    for case in cases[::step][:MAX_CASE_EXAMPLES]:
        out.append((case.title, "situation"))
        opening = re.split(r"[。！？!?]", case.background, maxsplit=1)[0][:CASE_OPENING]
        if opening:
            out.append((opening, "situation"))
    return out


def topic_examples(faq: Iterable) -> list[tuple[str, str]]:
    extra = topic_phrasings()
    out = []
    for entry in faq:
        out += [(q, entry.id) for q in (entry.question, *entry.alternatives) if q]
        out += [(q, entry.id) for q in extra.get(entry.id, [])]
        out += [(k, entry.id) for k in entry.keywords if len(k) >= 2]
    return out


# --------------------------------------------------------------------------- the model


class IntentModel:
    """Immutable once built; ``intent`` and ``topic`` are thread-safe reads."""

    def __init__(
        self,
        intent: _Classifier,
        topic: _Classifier | None,
        latin_intent: VectorClassifier | None = None,
        latin_topic: VectorClassifier | None = None,
    ) -> None:
        self._intent = intent
        self._topic = topic
        self._latin_intent = latin_intent
        self._latin_topic = latin_topic

    @classmethod
    def build(cls, faq: Sequence = (), cases: Sequence = ()) -> IntentModel:
        examples = build_examples(faq, cases)
        intent = _Classifier([t for t, _ in examples], [lab for _, lab in examples], c=8.0)
        topics = topic_examples(faq)
        topic = latin_topic = None
        if len({lab for _, lab in topics}) >= 2:
            topic = _Classifier([t for t, _ in topics], [lab for _, lab in topics], c=20.0)
        latin_intent = None
        if semantic.available():
            latin_intent = VectorClassifier(examples, c=4.0, shelf="intent")
            if topic is not None:
                latin_topic = VectorClassifier(topics, c=8.0, shelf="topic")
        return cls(intent, topic, latin_intent, latin_topic)

    def intent(self, text: str) -> Guess:
        if self._latin_intent is not None and is_latin(text):
            return self._latin_intent.predict(text)
        return self._intent.predict(text)

    def topic(self, text: str) -> Guess | None:
        """The FAQ entry a procedural question asks about (None without at least two entries)."""
        if self._latin_topic is not None and is_latin(text):
            return self._latin_topic.predict(text)
        return self._topic.predict(text) if self._topic is not None else None


_CACHE: OrderedDict[str, IntentModel] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def _fingerprint(faq: Sequence, cases: Sequence, articles: Sequence) -> str:
    h = hashlib.sha1(TRAIN_FILE.read_bytes())
    for entry in faq:
        h.update("\x1f".join((entry.id, entry.question, *entry.alternatives, entry.answer, *entry.keywords)).encode())
    for article in articles:
        h.update(f"{article.id}\x1f{article.title}\x1f{article.summary}\x1f{article.body}".encode())
    h.update(b"\x1e")
    for case in cases:
        h.update(f"{case.id}\x1f{case.title}\x1f{case.background[:CASE_OPENING]}".encode())
    return h.hexdigest()


_BY_KB: OrderedDict[int, tuple[object, IntentModel]] = OrderedDict()  # id(kb) -> (kb kept alive, model)


def model_for(kb) -> IntentModel:
    """The model for a knowledge base: looked up by object first (per message), then by content."""
    with _LOCK:
        known = _BY_KB.get(id(kb))
        if known is not None and known[0] is kb:
            return known[1]
    key = _fingerprint(kb.faq, kb.cases, kb.articles)
    with _LOCK:
        model = _CACHE.get(key)
    if model is None:
        model = IntentModel.build(kb.faq, kb.cases)
    with _LOCK:
        _CACHE[key] = model
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        _BY_KB[id(kb)] = (kb, model)
        while len(_BY_KB) > _CACHE_SIZE:
            _BY_KB.popitem(last=False)
    return model
