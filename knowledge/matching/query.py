"""What a message says, read once per query: its terms, content words, synonym groups and acts,
and the wording cues that tell a question, a narrated incident or a writing task apart."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge import conduct as cd
from knowledge import normalize as nz
from knowledge.matching.lexicon import Lexicon

# Query-side weight of each term kind (``b:`` bigram, ``p:`` fuzzy pinyin, ``s:`` synonym group).
QW = {"b": 1.0, "p": 0.6, "s": 0.9}


@dataclass(frozen=True)
class Query:
    norm: str
    runs: tuple[str, ...]
    terms: tuple[str, ...]
    weights: tuple[float, ...]
    groups: frozenset[int]
    # content words of the query, each with the terms that evidence it in an entry
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    bigrams: frozenset[str] = frozenset()
    pinyin: frozenset[str] = frozenset()
    acts: frozenset[str] = frozenset()  # act classes the message states (knowledge/conduct.py)


QUESTION_CUES = re.compile(
    r"吗|么|怎么|怎样|如何|什么|啥|哪些|哪里|哪个|能不能|可不可以|是否|能否|可否|要不要|会不会|算不算|是不是|有没有|"
    r"多少|多久|何时|为什么|为何|\?"
)


CASE_STOPWORDS = ("function", "filler", "generic")
ANSWER_STOPWORDS = ("function", "filler")  # 容错/免责... are topic words for the FAQ


NARRATIVE_CUES = re.compile(
    r"我们|我就|我让|我叫|我找|我把|同事|书记|主任|网格员|当时|那天|昨天|昨晚|今天|上周|前几天|后来|结果|"
    r"已经|[0-9一二两三四五六七八九十百千几]+(?:个|户|人|份|套|天|次|万|块|元|辆|间|小时)|了"
)


EVENT_CUES = re.compile(r"了|被|过")
# 了 closing a degree phrase (太吵了, 越来越难吃了) marks a state, not an event
STATE_LE = re.compile(r"(?:太|越来越)[\u4e00-\u9fff]{1,3}?了")
# a request to draft a document (方案怎么写, 帮我写总结) is a writing task, never a situation
WRITING_TASK = re.compile(r"(?:怎么|如何|咋|怎样)写|帮(?:我|忙)写|模板|范文")
# information-question wording: amounts, choices, durations, standards, yes/no about things
INFO_QUESTION = re.compile(
    r"多少|多大|多深|多高|多长|多久|几[天次个岁针度吨种家年月号点]|怎么算|怎么弄|怎么样|怎么回事|标准|是什么|是啥|啥是|"
    r"什么样|什么时候|啥时候|何时|几时|哪天|哪个|哪家|哪里|哪儿|哪些|哪种|一般|有没有|会不会|能不能|是不是|可不可以|吗$|么$|呢$"
)
# 漏 of 泄漏 is a hazard (a leak), not an omission
LAPSE_CUES = re.compile(r"[没未不无错假虚擅私乱偷瞒]|(?<!泄)漏|强行|硬")


def is_incident(q: Query, lex: Lexicon) -> bool:
    """Does the message read as a described incident? It must narrate an event (aspect
    markers) or name a lapse (negation, error, concealment...) in its content, and its
    lexicon words, if any, must not all be mere things, places and people (食堂 + 饭).
    Question words (会不会, 能不能) are stopwords, cut from the content runs before the
    lapse cues are looked for."""
    if q.groups and q.groups <= lex.objects:
        return False
    return bool(EVENT_CUES.search(STATE_LE.sub(" ", q.norm)) or LAPSE_CUES.search(" ".join(q.runs)))


def analyse_query(text: str, lex: Lexicon, stop: tuple[str, ...] = CASE_STOPWORDS) -> Query:
    norm = nz.normalize(text)
    runs, qwords = nz.segment(norm, nz.load_stopwords(stop))
    # a two-character token that is no lexicon word but two single-character ones (发|菜)
    # is read as those two words
    qwords = [
        part
        for w in qwords
        for part in (
            (w[0], w[1]) if len(w) == 2 and w not in lex.multi and w[0] in lex.single and w[1] in lex.single else (w,)
        )
    ]
    weights: dict[str, float] = {}
    groups: set[int] = set()
    lex_hits: list[tuple[int, str]] = []  # (group, the query's text that matched it)

    def add(term: str, w: float) -> None:
        if w > weights.get(term, 0.0):
            weights[term] = w

    runs = [sub for run in runs for sub in nz.content_runs(run)]
    for run in runs:
        if not nz.is_cjk(run[0]):
            if len(run) >= 2:
                add("b:" + run, QW["b"])
            continue
        if len(run) == 1:
            gs = lex.single.get(run)
            if gs:
                groups.update(gs)
            continue
        for i in range(len(run) - 1):
            add("b:" + run[i : i + 2], QW["b"])
        for k in nz.pinyin_bigrams(run):
            add("p:" + k, QW["p"])
        for g, lw in (*lex.scan(run), *lex.scan_pinyin(run)):
            groups.add(g)
            lex_hits.append((g, lw))
    # single-character lexicon words count only as whole jieba tokens (买, 菜 ...)
    for w in qwords:
        if len(w) == 1:
            gs = lex.single.get(w)
            if gs:
                groups.update(gs)
    # lexicon words (or their homophones) that a stopword character cuts in two (地|镇 for 地震)
    for seg in nz.content_runs(norm):
        if len(seg) >= 2 and nz.is_cjk(seg[0]):
            for g, lw in (*lex.scan(seg), *lex.scan_pinyin(seg)):
                if g not in groups and not any(lw in r for r in runs):
                    groups.add(g)
                    lex_hits.append((g, lw))
    for g in groups:
        add("s:" + str(g), QW["s"])
    terms = tuple(weights)
    cwords: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for w in qwords:
        if w in seen or not nz.is_cjk(w[0]):
            continue
        seen.add(w)
        ev: list[str] = []
        if len(w) >= 2:
            ev.extend("p:" + k for k in nz.pinyin_bigrams(w))
            ev.extend("s:" + str(g) for g, _ in lex.scan(w))
            ev.extend("s:" + str(g) for g, _ in lex.scan_pinyin(w))
        else:
            ev.extend("s:" + str(g) for g in lex.single.get(w, ()))
        # a word inside a longer lexicon match (人头|数 in 人头数) is evidenced by that group
        ev.extend("s:" + str(g) for g, lw in lex_hits if w in lw)
        if not ev:
            continue
        cwords.append((w, tuple(dict.fromkeys(e for e in ev if e in weights))))
    return Query(
        norm=norm,
        runs=tuple(runs),
        terms=terms,
        weights=tuple(weights[t] for t in terms),
        groups=frozenset(groups),
        words=tuple(cwords),
        bigrams=frozenset(t[2:] for t in terms if t[0] == "b"),
        pinyin=frozenset(t[2:] for t in terms if t[0] == "p"),
        acts=cd.read(text, fuzzy=True),
    )
