"""The matcher (knowledge/matching/) and its evaluation on the development set."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import normalize as nz
from knowledge.evaluation import evaluate, load_cases, load_queries, run_eval
from knowledge.matching import Hit, Matcher, MatchResult
from knowledge.models import FaqEntry, PolicyArticle
from tests.support.paths import DATA

DEV_CASES = DATA / "dev_cases.json"
DEV_QUERIES = DATA / "dev_queries.jsonl"
FLOOD_CASES = DATA / "dev_flood_cases.json"  # formerly heldout/flood: tuned on, so a dev set
FLOOD_QUERIES = DATA / "dev_flood_queries.jsonl"


@pytest.fixture(scope="module")
def cases():
    return load_cases(DEV_CASES)


@pytest.fixture(scope="module")
def queries():
    return load_queries(DEV_QUERIES)


@pytest.fixture(scope="module")
def matcher(cases) -> Matcher:
    return Matcher.build(cases)


@pytest.fixture(scope="module")
def dev_report(cases, queries, matcher) -> dict:
    return evaluate(cases, queries, matcher=matcher)


# --------------------------------------------------------------------------- regression guard


def test_dev_set_ranking(dev_report: dict) -> None:
    assert dev_report["n"] == 135
    assert dev_report["top1"] >= 0.95, dev_report
    assert dev_report["top3"] >= 0.97, dev_report
    assert dev_report["mrr"] >= 0.95, dev_report


def test_dev_set_abstention(dev_report: dict) -> None:
    assert dev_report["abstention"] >= 0.9, dev_report
    assert dev_report["false_abstention"] <= 0.06, dev_report


def test_report_has_exactly_the_documented_keys(dev_report: dict) -> None:
    assert set(dev_report) == {"top1", "top3", "mrr", "abstention", "false_abstention", "n", "p50_ms", "p95_ms"}
    assert all(isinstance(v, (int, float)) for v in dev_report.values())


def test_dev_flood_set_generalises() -> None:
    # Another crisis domain (tuned on since: a dev set now; the held-out sets are measured apart).
    report = run_eval(FLOOD_CASES, FLOOD_QUERIES)
    assert report["top1"] >= 0.9, report
    assert report["top3"] >= 0.95, report
    assert report["abstention"] >= 0.85, report
    assert report["false_abstention"] <= 0.1, report


def test_mixed_domains_keep_their_own_cases(cases) -> None:
    flood = load_cases(FLOOD_CASES)
    m = Matcher.build([*cases, *flood])
    res = m.match_cases("台风要来了，危房里的老人死活不肯撤离，我们把他抬上车送到安置点，胳膊擦伤了")
    assert res.hits[0].id.startswith("F")
    res = m.match_cases("封控时志愿者把居民的身份证号和电话泄露了出去")
    assert res.hits[0].id.startswith("D")


def test_negative_queries_abstain(matcher: Matcher, queries) -> None:
    negatives = [q["query"] for q in queries if not q["expected"]]
    assert len(negatives) >= 10
    abstained = sum(not matcher.match_cases(q).confident for q in negatives)
    assert abstained / len(negatives) >= 0.9
    for q in ("晚上吃点啥好呢", "帮我查一下明天的天气", "今天值班好累啊，你叫什么名字"):
        assert not matcher.match_cases(q).confident, q


def test_all_sets_meet_the_abstention_targets() -> None:
    dev = run_eval(DEV_CASES, DEV_QUERIES)
    assert dev["abstention"] >= 0.95, dev
    assert dev["false_abstention"] <= 0.03, dev
    assert dev["top1"] >= 0.97 and dev["top3"] >= 0.99, dev
    for name in ("flood", "mixed"):
        report = run_eval(DATA / f"dev_{name}_cases.json", DATA / f"dev_{name}_queries.jsonl")
        assert report["abstention"] >= 0.95, (name, report)
        assert report["false_abstention"] <= 0.03, (name, report)


def test_routine_messages_are_not_incidents(matcher: Matcher) -> None:
    # topic words shared with a case, but no event, lapse or act: a routine remark or question
    for q in ("今年单位组织疗养的费用可以报销吗", "办公楼食堂的菜越来越咸了", "小区新开的菜店价格太贵了"):
        assert not matcher.match_cases(q).confident, q
    # a request to draft a document is a writing task, even when it names a hazard
    flood = Matcher.build(load_cases(FLOOD_CASES))
    assert not flood.match_cases("防汛巡堤值班制度怎么写").confident
    assert not flood.match_cases("帮我写一份台风转移群众的通知").confident


def test_short_query_fully_in_a_headline_is_confident(matcher: Matcher) -> None:
    res = matcher.match_cases("征用酒店没签协议")
    assert res.confident
    assert res.hits[0].id == "D005"


def test_routine_shift_keeps_the_ranking(cases) -> None:
    # query-level shifts move every shortlisted entry alike: the order is the evidence's
    # (lexical evidence only: the sentence vectors of two different texts differ a little)
    matcher = Matcher.build(cases, semantic=False)
    a = [h.id for h in matcher.match_cases("防护服质量不达标", k=5).hits]
    b = [h.id for h in matcher.match_cases("防护服质量不达标了", k=5).hits]
    assert a == b


# --------------------------------------------------------------------------- robustness


def test_traditional_query_matches_like_simplified(matcher: Matcher) -> None:
    import opencc

    s2t = opencc.OpenCC("s2t")
    simplified = "封控期间志愿者招募把关不严，把居民的个人信息泄露出去了"
    traditional = s2t.convert(simplified)
    assert traditional != simplified
    a = matcher.match_cases(simplified)
    b = matcher.match_cases(traditional)
    assert a.hits and b.hits
    assert a.hits[0].id == b.hits[0].id
    assert [h.id for h in a.hits] == [h.id for h in b.hits]


def test_homophone_typo_query(matcher: Matcher) -> None:
    clean = matcher.match_cases("封控时临时征用酒店当隔离点，没签书面协议，现在补偿有纠纷")
    typo = matcher.match_cases("风控时临时征用久店当格离点，没签书面协议，现在补偿有纠纷")
    assert clean.hits[0].id == typo.hits[0].id
    assert typo.confident


def test_full_width_and_emoji_do_not_matter(matcher: Matcher) -> None:
    a = matcher.match_cases("志愿者把居民电话泄露了")
    b = matcher.match_cases("志愿者😡把居民电话泄露了！！！　")
    assert a.hits[0].id == b.hits[0].id


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "？？？", "\u200f\u200b", "的了吗", "a"])
def test_empty_or_meaningless_text_is_never_confident(matcher: Matcher, text: str) -> None:
    res = matcher.match_cases(text)
    assert isinstance(res, MatchResult)
    assert not res.confident
    assert not res.ambiguous


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_matcher_never_raises(text: str) -> None:
    m = _small_matcher()
    for res in (m.match_cases(text), m.answer(text), m.related_cases(text)):
        assert len(res.hits) <= 5
        assert all(0.0 <= h.confidence <= 1.0 for h in res.hits)
    assert m.classify(text) in ("question", "situation")


_SMALL: list[Matcher] = []


def _small_matcher() -> Matcher:
    if not _SMALL:
        _SMALL.append(Matcher.build(load_cases(DEV_CASES)[:8], FAQ, ARTICLES))
    return _SMALL[0]


# --------------------------------------------------------------------------- result shape


def test_hits_shape_order_and_confidence(matcher: Matcher) -> None:
    res = matcher.match_cases("临时借用学校操场做核酸采样点，审批手续没办完", k=3)
    assert res.confident
    assert 1 <= len(res.hits) <= 3
    assert all(isinstance(h, Hit) and h.kind == "case" for h in res.hits)
    confs = [h.confidence for h in res.hits]
    assert confs == sorted(confs, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confs)
    assert len({h.id for h in res.hits}) == len(res.hits)


def test_k_limits_hits(matcher: Matcher) -> None:
    assert len(matcher.match_cases("防护服采购", k=1).hits) == 1
    assert len(matcher.related_cases("防护服采购质量不合格", k=5).hits) == 5
    assert matcher.match_cases("防护服采购", k=0).hits == ()


def test_why_names_real_shared_terms(matcher: Matcher, cases) -> None:
    by_id = {c.id: c for c in cases}
    query = "我们招的志愿者没审核背景，把居民身份证号传出去了"
    res = matcher.match_cases(query)
    top = res.hits[0]
    assert 1 <= len(top.why) <= 5
    case = by_id[top.id]
    case_text = nz.normalize(" ".join([case.title, *case.keywords, case.background, case.error_elements]))
    for word in top.why:
        assert len(word) >= 2
        # every reason is the case's own wording
        assert nz.normalize(word).replace(" ", "") in case_text.replace(" ", "") or word in case.keywords
    # and at least one of them is literally shared with the query
    assert any(nz.normalize(w) in nz.normalize(query) for w in top.why) or any(
        set(nz.char_bigrams(nz.normalize(w))) & set(nz.char_bigrams(nz.normalize(query))) for w in top.why
    )


def test_ambiguity_flag_on_near_duplicates(cases) -> None:
    base = cases[0]
    twin = base.model_copy(update={"id": "TWIN"})
    m = Matcher.build([*cases, twin])
    res = m.match_cases(base.title)
    assert res.confident
    assert {h.id for h in res.hits[:2]} == {base.id, "TWIN"}
    assert res.ambiguous


def test_build_with_nothing() -> None:
    m = Matcher.build([])
    assert m.match_cases("防护服").hits == ()
    assert m.answer("什么是容错").hits == ()
    assert m.classify("什么是容错？") == "question"


def test_concurrent_reads_are_consistent(matcher: Matcher, queries) -> None:
    texts = [q["query"] for q in queries[:40]]
    expected = [[h.id for h in matcher.match_cases(t).hits] for t in texts]
    errors: list[str] = []

    def worker() -> None:
        for t, want in zip(texts, expected, strict=True):
            got = [h.id for h in matcher.match_cases(t).hits]
            if got != want:
                errors.append(t)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# --------------------------------------------------------------------------- FAQ / articles

FAQ = [
    FaqEntry(
        id="Q1",
        question="什么是“三个区分开来”？",
        alternatives=["三个区分开来是什么意思"],
        answer="把干部在推进改革中因缺乏经验、先行先试出现的失误错误，同明知故犯的违纪违法行为区分开来……",
        keywords=["三个区分开来"],
    ),
    FaqEntry(
        id="Q2",
        question="申请容错需要准备哪些材料？",
        alternatives=["容错申请要交什么材料", "申请免责要带什么"],
        answer="书面申请、情况说明、相关证据材料，以及事前事中报备的记录。",
        keywords=["申请材料", "证据"],
    ),
    FaqEntry(
        id="Q3",
        question="垫付的应急开支没有正规发票能报销吗？",
        alternatives=["自己垫钱买物资没发票怎么报"],
        answer="可凭收据、付款记录和情况说明按程序申请报销，由财务审核。",
        keywords=["垫付", "报销", "票据"],
    ),
]
ARTICLES = [
    PolicyArticle(
        id="A1",
        topic="boundaries",
        title="容错的三条边界",
        summary="不违反法律法规、不损害组织根本利益、不侵害他人合法权益。",
        body="容错必须守住三条边界：一是不违反法律法规；二是不损害组织根本利益；三是不侵害他人合法权益。",
        keywords=["三条边界", "法律法规"],
    ),
]


@pytest.fixture(scope="module")
def full(cases) -> Matcher:
    return Matcher.build(cases, FAQ, ARTICLES)


def test_answer_finds_faq_entries(full: Matcher) -> None:
    res = full.answer("三个区分开来指的是什么")
    assert res.confident and res.hits[0].id == "Q1" and res.hits[0].kind == "faq"
    res = full.answer("申请容错得交哪些材料？")
    assert res.confident and res.hits[0].id == "Q2"
    res = full.answer("自己先垫钱买了东西，没有发票还能报吗")
    assert res.hits[0].id == "Q3"


def test_answer_finds_articles(full: Matcher) -> None:
    res = full.answer("容错有哪几条边界")
    assert res.hits[0].id == "A1" and res.hits[0].kind == "article"


def test_answer_abstains_off_topic(full: Matcher) -> None:
    assert not full.answer("晚上吃点啥好呢").confident
    assert not full.answer("帮我查一下明天的天气").confident


def test_answer_never_returns_cases_and_cases_never_return_faq(full: Matcher) -> None:
    assert all(h.kind in ("faq", "article") for h in full.answer("防护服采购不合格怎么办", k=5).hits)
    assert all(h.kind == "case" for h in full.match_cases("申请容错需要哪些材料", k=5).hits)


def test_classify(full: Matcher, queries) -> None:
    assert full.classify("什么是三个区分开来？") == "question"
    assert full.classify("申请容错需要准备哪些材料") == "question"
    situations = [q["query"] for q in queries if q["expected"] and q["style"] in ("long", "colloquial")]
    share = sum(full.classify(s) == "situation" for s in situations) / len(situations)
    assert share >= 0.85


def test_no_dev_ids_or_queries_in_the_matcher() -> None:
    knowledge = Path(__file__).parents[2] / "knowledge"
    src = "".join(p.read_text(encoding="utf-8") for p in (knowledge / "matching").glob("*.py"))
    lex = "".join(p.read_text(encoding="utf-8") for p in (knowledge / "lexicon").glob("*"))
    for line in DEV_QUERIES.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)["query"]
        assert q not in src and q not in lex
    assert '"D0' not in src


# --------------------------------------------------------------------------- issue #11: conduct, semantic


def test_dev_extra_set_abstains_on_information_questions() -> None:
    # a dev set (tuned on) with negatives that name crisis things but describe no act
    report = run_eval(DATA / "dev_extra_cases.json", DATA / "dev_extra_queries.jsonl")
    assert report["top1"] >= 0.97 and report["top3"] >= 0.99, report
    assert report["abstention"] >= 0.95, report
    assert report["false_abstention"] <= 0.05, report


def test_distractor_files_and_synthetic_cases_join_the_pool() -> None:
    from knowledge.evaluation import with_distractors

    base = load_cases(DATA / "dev_mixed_cases.json")
    pool = with_distractors(base, [DATA / "dev_flood_cases.json", DATA / "dev_mixed_cases.json"], synthetic=30)
    assert len(pool) == len(base) + 12 + 30
    assert len({c.id for c in pool}) == len(pool)


@pytest.fixture(scope="module")
def semantic_matcher(cases, tmp_path_factory):
    import os

    old = os.environ.get("CADREBOT_VECTOR_CACHE")
    os.environ["CADREBOT_VECTOR_CACHE"] = str(tmp_path_factory.mktemp("vectors"))
    yield Matcher.build(cases, semantic=True)
    if old is None:
        os.environ.pop("CADREBOT_VECTOR_CACHE", None)
    else:
        os.environ["CADREBOT_VECTOR_CACHE"] = old


def test_semantic_vectors_come_from_the_shipped_model_and_are_cached(semantic_matcher: Matcher, cases, monkeypatch):
    import os

    from knowledge import semantic as sem

    vecs = semantic_matcher._cases.vectors
    assert vecs is not None and vecs.shape == (len(cases), 512)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    cache = Path(os.environ["CADREBOT_VECTOR_CACHE"])
    assert list(cache.glob(f"{sem.model_version()}-*.npz"))

    def no_model(texts):  # a second build of the same cases must not compute a vector
        raise AssertionError("recomputed")

    monkeypatch.setattr(sem, "encode", no_model)
    again = sem.case_vectors(cases)
    assert np.allclose(again, vecs, atol=1e-2)


def test_semantic_fusion_keeps_the_dev_figures(semantic_matcher: Matcher, cases, queries) -> None:
    report = evaluate(cases, queries, matcher=semantic_matcher)
    assert report["top1"] >= 0.97 and report["top3"] >= 0.99, report
    assert report["abstention"] >= 0.95 and report["false_abstention"] <= 0.03, report


def test_an_english_message_reaches_chinese_cases_by_meaning(semantic_matcher: Matcher, cases) -> None:
    from knowledge import semantic as sem

    vecs = semantic_matcher._cases.vectors
    ids = [c.id for c in cases]
    by_title = {c.id: c.title for c in cases}
    got = ids[int(np.argmax(vecs @ sem.query_vector("A volunteer leaked residents' ID numbers and phone numbers")))]
    assert "信息" in by_title[got], by_title[got]


def test_dev_short_queries_guard() -> None:
    # very short phone-typed situations (a dev set): the level reached, kept from falling
    report = run_eval(DATA / "dev_extra_cases.json", DATA / "dev_extra_short_queries.jsonl")
    assert report["top1"] >= 0.85 and report["top3"] >= 0.95, report
    assert report["abstention"] >= 0.95, report
    assert report["false_abstention"] <= 0.2, report
