"""Free text from a cadre: intent first, then the retrieval that intent calls for.

Every message is one of (``knowledge.intent``): a greeting or thanks, a procedural question
(-> FAQ/article answer with its source), a described situation (-> guiding cases), a request to
write a document (-> the bot does not write documents; the application steps), or off-topic
(-> a plain fallback). A question is never turned into a situation: the question words carry the
intent, so "多久能出结果" or "结果不服咋办" gets an answer or a plain "not found", never cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, get_args

from bot.kb.service import Snapshot
from knowledge.intent import Guess, IntentModel, model_for
from knowledge.matching import Hit, Matcher, MatchResult

Mode = Literal["ask", "cases"]
MODES: tuple[Mode, ...] = get_args(Mode)
Kind = Literal["answer", "cases", "nothing", "greeting", "writing", "offtopic"]

# A topic guess this sure names the FAQ entry even where the lexical matcher is unsure ...
TOPIC_SURE = 0.45
# ... and, when the message is clearly a question, one this sure still beats "not found" ...
TOPIC_ENOUGH = 0.2
# ... unless the confident lexical hit gets at least this share of the topic guess's probability.
NEAR_TIE = 0.9
# ... "clearly a question" meaning an intent probability at least this.
QUESTION_SURE = 0.7
# An off-topic guess weaker than this gives way to a confident answer both signals agree on,
# or to a topic guess this sure (a bare question frame such as "要什么材料").
OFFTOPIC_SURE = 0.6
TOPIC_CERTAIN = 0.85
# A question whose answer is not found shows confident cases only if it also reads partly as a story.
SITUATION_SHARE = 0.3

_NONE = MatchResult(hits=(), confident=False, ambiguous=False)
# What anyone may be told, registered or not: the policy (FAQ, articles) and the way in. Guiding
# cases describe real filings, so they are for registered users only.
PUBLIC_KINDS: frozenset[Kind] = frozenset({"answer", "greeting", "writing", "offtopic", "nothing"})


@dataclass(frozen=True)
class Advice:
    kind: Kind
    result: MatchResult
    asked: Mode  # what the user was understood to want, for the wording of "nothing found"
    intent: str = ""  # the classifier's label (empty for a forced mode)


def advise(snapshot: Snapshot, text: str, force: Mode | None = None) -> Advice:
    matcher = snapshot.matcher
    model = model_for(snapshot.kb)
    if force == "ask":
        result = answer(model, matcher, text, sure_question=True)
        return Advice("answer" if result.confident else "nothing", result, "ask")
    if force == "cases":
        result = matcher.match_cases(text)
        return Advice("cases" if result.confident else "nothing", result, "cases")
    guess = model.intent(text)
    label = guess.label
    if label == "greeting":
        return Advice("greeting", _NONE, "ask", label)
    if label == "writing":
        return Advice("writing", _NONE, "ask", label)
    if label == "offtopic":
        # a weak off-topic guess gives way where both answer signals name the same entry, or
        # where the topic classifier is all but certain
        if guess.p < OFFTOPIC_SURE and _prob(guess, "question") > 0.2:
            lexical, topic = matcher.answer(text), model.topic(text)
            if topic and topic.p >= TOPIC_SURE and lexical.confident and topic.label == lexical.hits[0].id:
                return Advice("answer", lexical, "ask", label)
            if topic and topic.p >= TOPIC_CERTAIN:  # a bare question frame: "要什么材料"
                return Advice("answer", _topic_result(topic), "ask", label)
        return Advice("offtopic", _NONE, "ask", label)
    if label == "question":
        # a fair topic guess answers only a message that is clearly a question: small talk
        # that is weak on both counts is "not found", not a policy answer
        result = answer(model, matcher, text, sure_question=guess.p >= QUESTION_SURE)
        if result.confident:
            return Advice("answer", result, "ask", label)
        if _prob(guess, "situation") >= SITUATION_SHARE:
            cases = matcher.match_cases(text)
            if cases.confident:
                return Advice("cases", cases, "cases", label)
        return Advice("nothing", result, "ask", label)
    # a described situation: the closest guiding cases, else a confident answer, else say so ...
    cases = matcher.match_cases(text)
    if cases.confident:
        return Advice("cases", cases, "cases", label)
    # ... when both answer signals agree on it: a story is not a question, so the lexical
    # matcher alone, barely over its threshold, is not enough
    lexical, topic = matcher.answer(text), model.topic(text)
    if topic is not None and topic.p >= TOPIC_SURE:
        return Advice("answer", _topic_result(topic), "ask", label)
    if lexical.confident and topic is not None and topic.label == lexical.hits[0].id:
        return Advice("answer", lexical, "ask", label)
    return Advice("nothing", cases, "cases", label)


def answer(model: IntentModel, matcher: Matcher, text: str, *, sure_question: bool) -> MatchResult:
    """The FAQ entry or article for a question: the topic classifier and the lexical matcher together.

    For a message that is clearly a question a fair topic guess wins (the classifier, trained on
    many phrasings of each entry, generalises better than the lexical matcher's confidence, which
    is calibrated for cases), unless the lexical hit is confident and the classifier rates it
    nearly as high. For anything less clear only a sure topic guess, or a confident lexical hit
    the classifier agrees with, answers.
    """
    lexical = matcher.answer(text)
    topic = model.topic(text)
    if topic is None:
        return lexical
    lex_top = lexical.hits[0].id if lexical.confident else None
    if sure_question:
        if lex_top is not None and _rank_p(topic, lex_top) >= NEAR_TIE * topic.p:
            return lexical
        if topic.p >= TOPIC_ENOUGH:
            return _topic_result(topic)
        if lex_top is not None:
            return lexical
    else:
        if topic.p >= TOPIC_SURE:
            return _topic_result(topic)
        if lex_top is not None and lex_top == topic.label:
            return lexical
    return replace(lexical, confident=False, ambiguous=False)


def _rank_p(topic: Guess, label: str) -> float:
    return next((p for lab, p in topic.probs if lab == label), 0.0)


def _topic_result(topic: Guess) -> MatchResult:
    hits = tuple(Hit(id=label, kind="faq", score=p, confidence=p, why=()) for label, p in topic.probs[:3])
    return MatchResult(hits=hits, confident=True, ambiguous=False)


def _prob(guess: Guess, label: str) -> float:
    return next((p for lab, p in guess.probs if lab == label), 0.0)
