"""``cadrebot eval-answers QUESTIONS.jsonl``: answer quality measured through the real chat.

Every question is typed, as a registered cadre in a private chat, into the very same
python-telegram-bot ``Application`` the console and the tests drive (``bot/runtime/local_chat.py``), so
the intent classifier, the FAQ/article retrieval, the case matcher and the reply views are all
the production path. The file format and the scoring are ``../shared/eval/QA_FORMAT.md``:

- the answer is the plain text of every message sent to that chat in reply (until quiet for
  about 0.6 s, at most 10 s), joined;
- a non-negative question passes when every ``must`` group has one of its words in the answer
  (case-insensitive substring);
- a negative passes when there is a reply and it neither cites a source ("依据") nor shows a
  case-outcome badge (in the text or on a button), unless it says plainly "没有找到".

A form a question happens to open is cancelled (``/cancel``) before the next question.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.runtime.local_chat import LocalChat
from bot.transport.local_api import SentMessage
from knowledge.evaluation import percentile

__all__ = ["QaResult", "load_questions", "run_questions", "score", "summary"]

CADRE_ID = 424_242
QUIET_S = 0.6
MAX_WAIT_S = 10.0
_BADGES = ("予以容错", "部分容错", "不予容错")
_NOTHING = "没有找到"
_SOURCE = "依据"


@dataclass(frozen=True)
class QaResult:
    question: dict
    answer: str  # joined plain text of every reply
    buttons: str  # joined button labels
    passed: bool
    first_reply_ms: float | None


def load_questions(path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise ValueError(f"{path}:{n}: every line needs a string field 'q'")
        out.append(item)
    return out


def is_negative(question: dict) -> bool:
    return question.get("style") == "negative"


def score(question: dict, answer: str, buttons: str = "") -> bool:
    """One question against the joined plain answer text (and button labels, for negatives)."""
    if is_negative(question):
        if not answer.strip():
            return False
        if _NOTHING in answer:
            return True
        shown = answer + "\n" + buttons
        return _SOURCE not in answer and not any(b in shown for b in _BADGES)
    low = answer.lower()
    groups = question.get("must") or []
    return all(any(str(w).lower() in low for w in group) for group in groups)


async def _collect(chat: LocalChat, user_id: int, text: str) -> tuple[list[SentMessage], float | None]:
    """Send ``text`` and gather every message to that chat until quiet (QUIET_S, at most MAX_WAIT_S).

    ``LocalChat.send`` returns once the update is processed and the notification outbox is
    drained, so whatever the handlers sent is already logged; the bot can only send more from
    tasks it still has pending (``Application.create_task``). The quiet window is waited out
    only while such work exists: the semantics of "quiet for 0.6 s" without sleeping 0.6 s a
    question.
    """
    start = time.perf_counter()
    before = len(chat.api.log)
    first: float | None = None
    await chat.send(user_id, text)
    if len(chat.api.log) > before:
        first = (time.perf_counter() - start) * 1000
    seen, last_change = len(chat.api.log), time.perf_counter()
    while _pending(chat) and time.perf_counter() - start < MAX_WAIT_S:
        await asyncio.sleep(0.05)
        await chat.settle()
        if len(chat.api.log) != seen:
            seen, last_change = len(chat.api.log), time.perf_counter()
            if first is None:
                first = (time.perf_counter() - start) * 1000
        elif time.perf_counter() - last_change >= QUIET_S:
            break
    replies = [m for m in chat.api.log[before:] if m.chat_id == user_id]
    return replies, first


def _pending(chat: LocalChat) -> bool:
    """Work the Application still has in flight (tasks created for handlers that do not block)."""
    tasks = getattr(chat.application, "_Application__create_task_tasks", ())
    return any(not t.done() for t in tasks)


async def run_questions(
    questions: Sequence[dict], settings: Settings, knowledge: KnowledgeService | None = None
) -> list[QaResult]:
    """Put every question to a fresh bot (its own temporary database) as one registered cadre."""
    with tempfile.TemporaryDirectory(prefix="cadrebot-eval-") as tmp:
        local = settings.model_copy(
            update={
                "telegram_token": None,
                "db_path": Path(tmp) / "eval.sqlite3",
                "admin_ids": [],
                "rate_limit_per_minute": 1_000_000,
            }
        )
        chat = await LocalChat.start(local, knowledge)
        try:
            await chat.services.users.add(CADRE_ID, "cadre", "评测社区", display_name="评测干部")
            results = []
            for question in questions:
                replies, first = await _collect(chat, CADRE_ID, question["q"])
                answer = "\n".join(m.plain for m in replies)
                buttons = "\n".join(label for m in replies for label, _ in m.buttons)
                results.append(QaResult(question, answer, buttons, score(question, answer, buttons), first))
                await chat.send(CADRE_ID, "/cancel")  # whatever the question opened is closed
        finally:
            await chat.stop()
    return results


def summary(results: Sequence[QaResult]) -> dict:
    pos = [r for r in results if not is_negative(r.question)]
    neg = [r for r in results if is_negative(r.question)]
    times = [r.first_reply_ms for r in results if r.first_reply_ms is not None]
    return {
        "answer_accuracy": round(sum(r.passed for r in pos) / len(pos), 4) if pos else 0.0,
        "negative_refusal": round(sum(r.passed for r in neg) / len(neg), 4) if neg else 0.0,
        "n": len(results),
        "n_neg": len(neg),
        "p95_reply_ms": round(percentile(times, 95), 1),
    }


def detail_line(result: QaResult, width: int = 60) -> str:
    q = result.question
    head = " ".join(result.answer.split())[:width]
    return f"{'PASS' if result.passed else 'FAIL'}\t{q.get('topic', '')}\t{q.get('style', '')}\t{q['q']}\t{head}"


async def command(settings: Settings, path: Path, details: bool = False) -> int:
    questions = load_questions(path)
    results = await run_questions(questions, settings)
    if details:
        for result in results:
            print(detail_line(result))
    print(json.dumps(summary(results), ensure_ascii=False))
    return 0
