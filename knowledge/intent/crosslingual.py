"""Messages in a Latin script — an English-locale user — classified by meaning.

The n-gram classifiers of :mod:`knowledge.intent` learn Chinese phrasings; English text shares no
n-gram with them and fell to whichever class owns the few Latin examples ("hello", "ok"). The
multilingual sentence encoder (:mod:`knowledge.semantic`) puts an English question near the
Chinese phrasings that mean the same, so a logistic regression over the *vectors* of the very
same training examples reads English without one English training sentence, and the FAQ topic
is found the same way. Vectors of the training texts come from the disk cache after the first
build, so this adds a file read to a model build.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from knowledge import semantic

__all__ = ["VectorClassifier", "is_latin"]

_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")
PER_CLASS = 150  # examples per class: enough for a 512-dim LR, and the build stays around a second


def is_latin(text: str) -> bool:
    """Written in a Latin script: at least three letters and more letters than Chinese characters."""
    letters = len(_LATIN.findall(text or ""))
    return letters >= 3 and letters > len(_CJK.findall(text))


class VectorClassifier:
    """Logistic regression over sentence vectors; ``predict`` gives the same ``Guess`` as the n-gram one."""

    def __init__(self, examples: Sequence[tuple[str, str]], c: float, shelf: str, seed: int = 7) -> None:
        by_label: dict[str, list[str]] = defaultdict(list)
        for text, label in examples:
            by_label[label].append(text)
        rng = random.Random(seed)  # deterministic: the same knowledge base trains the same model
        texts: list[str] = []
        labels: list[str] = []
        for label in sorted(by_label):
            unique = list(dict.fromkeys(by_label[label]))
            chosen = unique if len(unique) <= PER_CLASS else rng.sample(unique, PER_CLASS)
            texts += chosen
            labels += [label] * len(chosen)
        x = semantic.text_vectors(texts, shelf)
        self.model = LogisticRegression(C=c, max_iter=1000, class_weight="balanced")
        with threadpool_limits(limits=1):
            self.model.fit(x, labels)
        self.classes = [str(c) for c in self.model.classes_]

    def predict(self, text: str):  # -> knowledge.intent.Guess (imported late: that module imports this one)
        from knowledge.intent import Guess

        probs = self.model.predict_proba(semantic.query_vector(text)[None, :])[0]
        order = np.argsort(-probs)
        ranked = tuple((self.classes[i], float(probs[i])) for i in order)
        return Guess(ranked[0][0], ranked[0][1], ranked)
