"""From the evidence of one query to a calibrated confidence per shortlisted entry.

Confidence is calibrated on scale-free evidence only, so it transfers to knowledge bases of
other sizes and crisis domains: the score in units of "one fully specific shared term" (so it
does not grow with the collection), and the share of the query's informative content words
(weighted by their rarity in general Chinese) that the entry evidences. A rapidfuzz partial
ratio (on fuzzy pinyin) of the query against each shortlisted entry's title and keywords
discounts the runners-up that read less like the query. For cases, what the cadre did
(conduct) counts for more than the crisis nouns, and the sentence vectors' cosine re-ranks
without ever making a match more confident.
"""

from __future__ import annotations

import math

import numpy as np
from rapidfuzz import fuzz, process

from knowledge import conduct as cd
from knowledge import normalize as nz
from knowledge.matching.index import K1, Index
from knowledge.matching.lexicon import Lexicon, word_info
from knowledge.matching.query import EVENT_CUES, INFO_QUESTION, STATE_LE, WRITING_TASK, Query, is_incident

# Calibration (see ``_calibrate``): confidence is a logistic function of scale-free
# evidence; CONF_THRESHOLD is where an entry is offered as a confident match.
STRENGTH_REF = 1.9
STRENGTH_SLOPE = 2.5
COVERAGE_SLOPE = 3.0
SHARE_SLOPE = 1.0
FUZZY_SLOPE = 1.0
# A short query whose content words all sit in an entry's headline (title + keywords) is as
# specific as it can be: HEAD_SLOPE logits per unit of headline coverage above HEAD_REF.
HEAD_REF = 0.7
HEAD_SLOPE = 4.0
# A message that neither narrates an event nor names a lapse reads as a routine question.
ROUTINE_SHIFT = 1.5
TASK_SHIFT = 2.5  # ... and one that asks for a document to be drafted is a writing task
# Conduct (knowledge/conduct.py, knowledge/lexicon/conduct.yaml): what the cadre did counts
# for more than the crisis nouns. Per shortlisted case, in logits: each act class shared with
# the query (at most ACT_SHARED_MAX), an act the query states that the case has none of, a
# grave act (private gain, falsification...) the query states that the case lacks; and for the
# query as a whole, a message that states no act at all.
ACT_AGREE = 0.6
ACT_SHARED_MAX = 2
ACT_MISS = 0.8
ACT_GRAVE_MISS = 1.5
NO_ACT_SHIFT = 0.6
# ... and one that states no act, narrates no event and asks for information (how much,
# which, how long, does it spread...) is a question about crisis things, not a situation
INFO_SHIFT = 3.0
# A short or reworded message whose act the best case shares, and which that case explains far
# better than any other (logit margin above MARGIN_REF), is a match: MARGIN_SLOPE logits per
# unit of margin above MARGIN_REF, at most MARGIN_CAP (query-level: the order stands).
MARGIN_REF = 3.0
MARGIN_SLOPE = 0.5
MARGIN_CAP = 3.0
# a case demoted by the conduct rule (a tolerated look-alike for a grave act, a grave
# not-tolerated case for an honest slip) is ranked after every other case and kept under the
# threshold by this many logits
DEMOTED_MARGIN = 0.5
# Semantic signal (knowledge/semantic.py): z-scored cosine of the message's and each case's
# sentence vectors, over the whole collection; SEM_WEIGHT logits per standard deviation,
# relative to the lexically best case (it re-ranks, it does not make a match confident).
SEM_WEIGHT = 1.0
CONF_THRESHOLD = 0.5


def features(
    q: Query,
    rows: dict[str, int],
    index: Index,
    scores: np.ndarray,
    top: np.ndarray,
    contains: np.ndarray,
    lex: Lexicon,
    situation: bool = False,
    dense: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Scale-free evidence for the shortlisted entries, and the calibrated confidence.

    * strength: the BM25F score in units of "one query term that only this entry has,
      at saturation" (idf of an unseen term x (k1 + 1)); it grows with the amount of
      specific, shared content and does not depend on the size of the collection.
    * word coverage: the share of the query's content words, weighted by how
      informative each is in general Chinese, that the entry evidences (by characters,
      sound or synonym).
    * share: score / best score of the shortlist; fuzzy: rapidfuzz partial ratio of the
      query against title + keywords, relative to the best in the shortlist. Both only
      discount runners-up, never raise the best entry's confidence.
    """
    strength = scores[top] / (index.idf_unseen * (K1 + 1.0))
    wcov = _word_coverage(q, rows, contains)
    fuzzy = _fuzzy(index, q, top)
    logit = _calibrate(strength, wcov, scores[top] / max(float(scores[top].max()), 1e-9), fuzzy)
    demoted = np.zeros(len(top), dtype=bool)
    if situation:
        act_adj, demoted = _conduct(q, index, top)
        logit = logit + act_adj
    if dense is not None and len(dense):
        # relative to the best case by the lexical evidence, and never above it: the vectors
        # may re-rank (a synonym, a rewording), they never make a match more confident
        b = int(np.argmax(logit))
        fused = logit + SEM_WEIGHT * (dense - float(dense[b]))
        rank = fused  # the order follows the fused evidence ...
        logit = np.minimum(fused, float(logit[b]))  # ... the confidence stays the lexical one's
    else:
        rank = logit
    # headline coverage is only ever read for the best entry: computed for that one only
    # (the other entries' values are left as NaN)
    hcov = np.zeros(len(top))
    # query-level shifts (the same for every shortlisted entry, so the ranking stands):
    # how completely the best entry's headline explains a query of two or more content
    # words, and whether the message reads as an incident at all
    shift = 0.0
    if situation and len(q.words) >= 2 and len(logit):
        best = int(np.argmax(logit))
        hcov[:] = np.nan
        hcov[best] = _head_coverage(q, index, top[best : best + 1])[0]
        shift += HEAD_SLOPE * max(float(hcov[best]) - HEAD_REF, 0.0)
    if situation and not is_incident(q, lex):
        shift -= ROUTINE_SHIFT
    if situation and WRITING_TASK.search(q.norm):
        shift -= TASK_SHIFT
    if situation and not q.acts:
        shift -= NO_ACT_SHIFT
        if INFO_QUESTION.search(q.norm) and not EVENT_CUES.search(STATE_LE.sub(" ", q.norm)):
            shift -= INFO_SHIFT
    if situation and q.acts and len(logit):
        shift += _margin_shift(q, index, top, logit, demoted)
    logit = np.clip(logit + shift, -30.0, 30.0)
    if demoted.any():
        cap = -math.log(1.0 / CONF_THRESHOLD - 1.0) - DEMOTED_MARGIN
        logit = np.where(demoted, np.minimum(logit, cap), logit)
    conf = 1.0 / (1.0 + np.exp(-logit))
    return {
        "hcov": hcov,
        "strength": strength,
        "wcov": wcov,
        "fuzzy": fuzzy,
        "logit": logit,
        "confidence": conf,
        "demoted": demoted,
        "rank": rank,
    }


def _margin_shift(q: Query, index: Index, top: np.ndarray, logit: np.ndarray, demoted: np.ndarray) -> float:
    """Query-level lift for a best case that shares the message's act and stands far above
    every other shortlisted case (see MARGIN_REF)."""
    live = np.flatnonzero(~demoted)
    if not len(live):
        return 0.0
    b = int(live[np.argmax(logit[live])])
    if not (q.acts & index.acts[int(top[b])]):
        return 0.0
    others = np.delete(logit, b)
    gap = float(logit[b] - others.max()) if len(others) else MARGIN_REF + MARGIN_CAP / MARGIN_SLOPE
    return MARGIN_SLOPE * min(max(gap - MARGIN_REF, 0.0), MARGIN_CAP / MARGIN_SLOPE)


def _conduct(q: Query, index: Index, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per shortlisted case: a logit adjustment for how its conduct fits the message's, and
    whether the conduct rule demotes it. The rule: a message that states a grave act
    (private gain, falsification, concealment, violence...) never gets first a
    tolerated case that has none of those acts; a message that states an honest slip and
    no grave act never gets first a not-tolerated case built on a grave act."""
    adj = np.zeros(len(top))
    demoted = np.zeros(len(top), dtype=bool)
    qa = q.acts
    if not qa or not index.acts:
        return adj, demoted
    grave = cd.default_conduct().grave
    q_grave = qa & grave
    slip_only = "clerical_slip" in qa and not q_grave
    for j, d in enumerate(top):
        d = int(d)
        ca, outcome = index.acts[d], index.outcomes[d]
        shared = qa & ca
        adj[j] += ACT_AGREE * min(len(shared), ACT_SHARED_MAX)
        if q_grave - ca:
            adj[j] -= ACT_GRAVE_MISS
            if outcome != "not_tolerated" and not (q_grave & ca):
                demoted[j] = True
        if slip_only and outcome == "not_tolerated" and ca & grave:
            demoted[j] = True
    # conduct only discounts the cases that fit the act less well than the best fitting
    # one; a best case that shares no act with a message that states one is not a
    # confident match (ACT_MISS, the same for every case: the order stands)
    best = float(adj.max())
    adj -= best
    if best <= 0.0:
        adj -= ACT_MISS
    return adj, demoted


def _fuzzy(index: Index, q: Query, top: np.ndarray) -> np.ndarray:
    """rapidfuzz partial ratio (0..1) of the query's content, in fuzzy pinyin, against
    each shortlisted entry's title and keywords: the best-aligned stretch, so it rewards
    a query that reads like the entry's headline even through typos."""
    if not q.runs:
        return np.zeros(len(top))
    qpy = nz.pinyin_line(" ".join(q.runs))
    heads = [index.heads[int(d)] for d in top]
    got = process.cdist([qpy], heads, scorer=fuzz.partial_ratio, dtype=np.float32)
    return got[0].astype(np.float64) / 100.0


def _head_coverage(q: Query, index: Index, top: np.ndarray) -> np.ndarray:
    """Share of the query's content words (weighted as in word coverage) that an entry's
    title and keywords evidence."""
    out = np.zeros(len(top))
    if not q.words:
        return out
    infos = [word_info(w) for w, _ in q.words]
    den = sum(infos)
    for j, d in enumerate(top):
        ht = index.head_terms(int(d))
        out[j] = sum(i for (_w, ev), i in zip(q.words, infos, strict=True) if any(e in ht for e in ev)) / den
    return out


def _word_coverage(q: Query, rows: dict[str, int], contains: np.ndarray) -> np.ndarray:
    """Share of the query's content words (weighted by how informative they are in
    general Chinese, from jieba's dictionary) that an entry evidences."""
    n_docs = contains.shape[1]
    if not q.words:
        return np.zeros(n_docs)
    num = np.zeros(n_docs)
    den = 0.0
    for w, ev in q.words:
        info = word_info(w)
        den += info
        r = [rows[e] for e in ev if e in rows]
        if r:
            num += info * contains[r].any(axis=0)
    return num / den if den else np.zeros(n_docs)


def _calibrate(strength: np.ndarray, wcov: np.ndarray, share: np.ndarray, fuzzy: np.ndarray) -> np.ndarray:
    """Logit of the confidence, linear in log-strength and word coverage: 0.5 at STRENGTH_REF with half the
    query's informative words evidenced; each doubling of strength is worth ~1.7 logits.
    ``share`` (score / best score of the query) discounts the runners-up, so a long text
    that touches many entries a little does not make all of them "certain"."""
    x = (
        STRENGTH_SLOPE * np.log(np.maximum(strength, 1e-6) / STRENGTH_REF)
        + COVERAGE_SLOPE * (wcov - 0.5)
        + SHARE_SLOPE * np.log(np.maximum(share, 1e-6))
        + FUZZY_SLOPE * (fuzzy - float(fuzzy.max(initial=0.0)))
    )
    return np.clip(x, -30.0, 30.0)
