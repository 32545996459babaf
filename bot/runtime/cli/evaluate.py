"""``cadrebot eval-match``, ``eval-answers`` and ``eval-intent``: the measured figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.runtime.cli.common import Handler


def add_parsers(sub: Any) -> None:
    evaluate = sub.add_parser("eval-match", help="measure matching on a case file and a query file")
    evaluate.add_argument("cases", type=Path)
    evaluate.add_argument("queries", type=Path)
    eval_answers = sub.add_parser("eval-answers", help="measure answers to a question file through the real chat")
    eval_answers.add_argument("questions", type=Path)
    eval_answers.add_argument("--details", action="store_true", help="one line per question before the summary")
    eval_intent = sub.add_parser("eval-intent", help="the intent classifier's confusion matrix on labelled phrasings")
    eval_intent.add_argument("phrasings", type=Path)


async def _eval_match(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.evaluation import run_eval
    from knowledge.loader import KnowledgeError

    try:
        result = await asyncio.to_thread(run_eval, args.cases, args.queries)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0


async def _eval_answers(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import eval_answers

    return await eval_answers.command(settings, args.questions, details=args.details)


async def _eval_intent(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.intent.evaluation import run

    summary, matrix, misses = await asyncio.to_thread(run, args.phrasings)
    print(matrix)
    for row, got in misses:
        print(f"MISS\t{row['intent']} -> {got}\t{row['text']}")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


COMMANDS: dict[str, Handler] = {"eval-match": _eval_match, "eval-answers": _eval_answers, "eval-intent": _eval_intent}
