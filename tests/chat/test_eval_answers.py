"""eval-answers: the scoring rules of QA_FORMAT.md, and the dev question set as a regression guard."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.runtime import eval_answers as ea
from bot.runtime.cli import main
from tests.support.paths import DATA


def test_scoring_rules() -> None:
    q = {"q": "x", "must": [["法律", "法规"], ["组织利益"]], "style": "short"}
    assert ea.score(q, "不违反法规；不损害组织利益")
    assert not ea.score(q, "不违反法规")
    assert ea.score({"q": "x", "must": [["ABC"]], "style": "formal"}, "abc")  # case-insensitive
    neg = {"q": "x", "must": [], "style": "negative"}
    assert ea.score(neg, "您好！我是容错纠错助手")
    assert not ea.score(neg, "")  # no reply fails
    assert not ea.score(neg, "……\n依据：容错的三条边界")
    assert not ea.score(neg, "找到 1 个案例", buttons="❌ 不予容错")
    assert ea.score(neg, "没有找到足够接近的指导性案例。", buttons="📘 容错边界")


def test_summary_fields() -> None:
    pos = ea.QaResult({"q": "a", "must": [], "style": "short"}, "x", "", True, 3.0)
    neg = ea.QaResult({"q": "b", "must": [], "style": "negative"}, "", "", False, None)
    out = ea.summary([pos, neg])
    assert out == {"answer_accuracy": 1.0, "negative_refusal": 0.0, "n": 2, "n_neg": 1, "p95_reply_ms": 3.0}


async def test_dev_question_set_regression_guard(settings: Settings, knowledge: KnowledgeService) -> None:
    questions = ea.load_questions(DATA / "qa_dev.jsonl")
    results = await ea.run_questions(questions, settings, KnowledgeService(knowledge.current))
    summary = ea.summary(results)
    failed = [(r.question["q"], r.answer[:60]) for r in results if not r.passed]
    assert summary["answer_accuracy"] >= 0.95, failed
    assert summary["negative_refusal"] >= 0.95, failed
    assert summary["n"] == len(questions) and summary["n_neg"] >= 1


async def test_own_tuning_sets_regression_guard(settings: Settings, knowledge: KnowledgeService) -> None:
    # qa_tune*.jsonl: our own development sets (colloquial, voice, near-scope negatives)
    questions = [q for name in ("qa_tune.jsonl", "qa_tune2.jsonl") for q in ea.load_questions(DATA / name)]
    results = await ea.run_questions(questions, settings, KnowledgeService(knowledge.current))
    summary = ea.summary(results)
    failed = [(r.question["q"], r.answer[:60]) for r in results if not r.passed]
    assert summary["answer_accuracy"] >= 0.95, failed
    assert summary["negative_refusal"] >= 0.9, failed


def test_command_prints_details_then_one_json_line(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {"q": "容错申请要多少天出结果", "topic": "time_limits", "must": [["工作日"]], "style": "short"},
        {"q": "今天天气好吗", "topic": "off_topic", "must": [], "style": "negative"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("CADREBOT_DB_PATH", str(tmp_path / "unused.sqlite3"))
    monkeypatch.delenv("CADREBOT_TELEGRAM_TOKEN", raising=False)
    assert main(["eval-answers", str(path), "--details"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("PASS") and lines[1].startswith("PASS")
    summary = json.loads(lines[-1])
    assert summary["answer_accuracy"] == 1.0 and summary["negative_refusal"] == 1.0 and summary["n"] == 2
