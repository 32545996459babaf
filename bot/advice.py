"""Free text from a cadre: is it a question (answer it) or a situation (show the closest cases)?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.knowledge_service import Snapshot
from knowledge.matcher import MatchResult

Mode = Literal["ask", "cases"]


@dataclass(frozen=True)
class Advice:
    kind: Literal["answer", "cases", "nothing"]
    result: MatchResult
    asked: Mode  # what the user was understood to want, for the wording of "nothing found"


def advise(snapshot: Snapshot, text: str, force: Mode | None = None) -> Advice:
    matcher = snapshot.matcher
    if force == "ask":
        result = matcher.answer(text)
        return Advice("answer" if result.confident else "nothing", result, "ask")
    if force == "cases":
        result = matcher.match_cases(text)
        return Advice("cases" if result.confident else "nothing", result, "cases")
    wanted: Mode = "ask" if matcher.classify(text) == "question" else "cases"
    first = matcher.answer(text) if wanted == "ask" else matcher.match_cases(text)
    if first.confident:
        return Advice("answer" if wanted == "ask" else "cases", first, wanted)
    # A question phrased like a situation (or the reverse) still deserves the confident answer.
    other = matcher.match_cases(text) if wanted == "ask" else matcher.answer(text)
    if other.confident:
        return Advice("cases" if wanted == "ask" else "answer", other, "cases" if wanted == "ask" else "ask")
    return Advice("nothing", first, wanted)
