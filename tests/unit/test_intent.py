"""The intent classifier: held-out phrasings, the issue's example wordings, clean training data, speed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge import normalize as nz
from knowledge.intent import INTENTS, IntentModel, model_for, prepare, train_examples
from knowledge.intent.evaluation import confusion, format_matrix, load_phrasings
from knowledge.loader import load_bundled
from tests.support.paths import DATA

EVAL_FILES = [
    DATA / "qa_dev.jsonl",
    *sorted(DATA.glob("*queries.jsonl")),
    *sorted((DATA / "heldout").glob("*.jsonl")),  # every held-out question, phrasing and query file
    *sorted((DATA / "heldout2").glob("*.jsonl")),
    DATA / "intent_dev_en.jsonl",
]
SHARED = Path(__file__).resolve().parents[3] / "shared" / "eval"


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return model_for(load_bundled())


def test_held_out_phrasings_confusion_matrix(model: IntentModel) -> None:
    rows = load_phrasings(DATA / "heldout" / "intent_heldout.jsonl")
    matrix, misses = confusion(model, rows)
    accuracy = 1 - len(misses) / len(rows)
    assert accuracy >= 0.95, format_matrix(matrix) + f"\n{misses}"
    # a question is never read as a situation, and no class is lost
    assert matrix["question"]["situation"] == 0
    for intent in INTENTS:
        total = sum(matrix[intent].values())
        assert matrix[intent][intent] / total >= 0.85, (intent, matrix[intent])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("容错的边界是什么?", "question"),
        ("容错需要什么条件", "question"),
        ("申请容错找谁", "question"),
        ("能不能容错", "question"),
        ("报备是啥", "question"),
        ("啥叫报备", "question"),
        ("被误判了咋办", "question"),
        ("多久能出结果", "question"),
        ("结果不服咋办", "question"),
        ("你好在吗", "greeting"),
    ],
)
def test_issue_wordings(model: IntentModel, text: str, intent: str) -> None:
    assert model.intent(text).label == intent


def _plain(text: str) -> str:
    """Normalised, without punctuation or spaces: two strings equal here are the same sentence."""
    return re.sub(r"[^0-9a-z\u3400-\u9fff]+", "", nz.normalize(text))


def _eval_strings() -> set[str]:
    out: set[str] = set()
    files = [*EVAL_FILES, *sorted(SHARED.glob("*.jsonl"))] if SHARED.exists() else EVAL_FILES
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            for key in ("q", "text", "query"):
                if isinstance(row.get(key), str):
                    out.add(_plain(row[key]))
    return {s for s in out if s}


def test_training_data_shares_no_string_with_any_eval_file() -> None:
    evals = _eval_strings()
    assert len(evals) > 100
    kb = load_bundled()
    ours = [t for t, _ in train_examples()]
    for entry in kb.faq:  # the FAQ phrasings train the topic classifier and the intent one
        ours += [entry.question, *entry.alternatives, *entry.keywords]
    shared = sorted({t for t in ours if _plain(t) in evals})
    assert shared == []


def test_a_not_a_question_is_read_as_whether() -> None:
    assert prepare("能不能容错")[0] == "能否容错"
    assert "不能容错" not in prepare("我这个能不能容错")[0]
    assert prepare("可不可以申请")[0] == "可否申请"


def test_a_model_is_built_once_per_knowledge_base_content(monkeypatch: pytest.MonkeyPatch) -> None:
    # How long a build takes is measured by `make bench`, not asserted here.
    kb = load_bundled()
    first = model_for(kb)
    builds: list[object] = []
    monkeypatch.setattr(IntentModel, "build", classmethod(lambda cls, *a: builds.append(a) or first))
    assert model_for(kb) is first
    assert model_for(load_bundled()) is first  # another object with the same content: the content cache
    assert builds == []
