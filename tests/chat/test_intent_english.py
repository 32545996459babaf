"""An English-locale user's messages: intent and FAQ topic by meaning, across languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.local_chat import LocalChat
from knowledge.intent import IntentModel, model_for
from knowledge.intent.crosslingual import is_latin
from knowledge.intent.evaluation import confusion, format_matrix, load_phrasings
from knowledge.loader import load_bundled
from tests.support.flows import register, texts
from tests.support.paths import DATA

DEV = DATA / "intent_dev_en.jsonl"


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return model_for(load_bundled())


def test_english_dev_phrasings(model: IntentModel) -> None:
    rows = load_phrasings(DEV)
    matrix, misses = confusion(model, rows)
    assert 1 - len(misses) / len(rows) >= 0.88, format_matrix(matrix) + f"\n{misses}"
    assert matrix["situation"]["situation"] == 10  # nothing a cadre did is taken for small talk


def test_an_english_question_reaches_the_chinese_faq_entry(model: IntentModel) -> None:
    kb = load_bundled()
    chinese = model.topic("申请容错需要提交哪些材料")
    english = model.topic("which materials do I need to hand in when I apply for tolerance")
    assert chinese is not None and english is not None
    assert english.label == chinese.label
    assert any(entry.id == english.label for entry in kb.faq)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_script_detection_never_fails(text: str) -> None:
    assert is_latin(text) in (True, False)


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("how do I apply", True),
        ("容错怎么申请", False),
        ("ok", False),
        ("我想问 apply 怎么弄", False),
        ("PR-2026 报备", False),
    ],
)
def test_script_detection(text: str, latin: bool) -> None:
    assert is_latin(text) is latin


async def test_an_english_user_gets_a_greeting_and_an_answer(chat: LocalChat) -> None:
    await register(chat, 501, "cadre", "甲社区")
    asked = await chat.send(501, "/lang")
    await chat.press_label(501, asked[-1], "English")
    greeting = texts(await chat.send(501, "hello, are you there?"))
    answer = texts(await chat.send(501, "what are the boundaries of fault tolerance"))
    assert "No answer found" not in greeting and "No answer found" not in answer, (greeting, answer)
    assert "law" in answer.lower() or "法" in answer, answer  # the boundaries entry names the law first
