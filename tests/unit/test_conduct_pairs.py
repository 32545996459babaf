"""Conduct: reading what a cadre did (knowledge/conduct.py) and the rule that follows from it —
fraud is never first for an honest slip, a tolerated look-alike is never first (with
confidence) for a kickback. The pairs below are written for this test, not taken from any
evaluation set."""

from __future__ import annotations

import pytest

from bot.i18n import LOCALES, Catalogue
from knowledge import conduct as cd
from knowledge.evaluation import load_cases
from knowledge.loader import load_bundled
from knowledge.matching import Matcher
from knowledge.models import GuidingCase
from tests.support.paths import DATA

# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("上报的户数填错了，多填了30户", {"clerical_slip"}, {"falsification", "private_gain"}),
        ("采购口罩时收了供应商五千块回扣", {"private_gain", "procurement"}, set()),
        ("收了司机三百块钱就让车过去了", {"private_gain"}, set()),
        ("为了通过考核把完成率往大里报", {"falsification"}, {"clerical_slip"}),
        ("把救济粮先分给了自己亲戚", {"favouritism"}, set()),
        ("他儿子来投诉了", set(), {"favouritism"}),  # a relative named is no act
        ("没审批就先把仓库借来用了", {"procedure_skipped", "requisition"}, set()),
        ("户主不配合，我们动手打伤了他", {"violence"}, set()),
    ],
)
def test_reading_acts(text: str, present: set[str], absent: set[str]) -> None:
    got = cd.read(text)
    assert present <= got, (text, sorted(got))
    assert not (absent & got), (text, sorted(got))


def test_negated_and_passive_cues_do_not_count() -> None:
    assert "private_gain" not in cd.read("经查未发现截留私分，无任何私利")
    assert "private_gain" not in cd.read("我没收钱")
    assert "falsification" not in cd.read("不存在故意作假")
    assert "falsification" not in cd.read("这个会被当成造假吗")
    assert "violence" not in cd.read("有人被掉下来的瓦片砸了")  # suffered, not done


def test_homophone_typos_of_grave_cues_still_read() -> None:
    assert "private_gain" in cd.read("收了对方的好处废")
    assert "private_gain" in cd.read("补偿款被我截流了一部分".replace("被我", "我"))
    assert "private_gain" not in cd.read("装了个摄像头")  # 装了 is no 赚了


def test_case_conduct_reads_what_happened_and_how_it_was_judged() -> None:
    background = "负责验收的干部把实际工程量签大一倍结算，并收受施工方好处。"
    case = _case("X1", "not_tolerated", "借抢修之机虚增工程量", background)
    acts = cd.case_conduct(case)
    assert {"private_gain", "falsification"} <= acts


def test_pivot_names_what_tips_the_balance() -> None:
    assert cd.pivot([("tolerated", frozenset({"procurement"})), ("not_tolerated", frozenset({"private_gain"}))]) == (
        "private_gain"
    )
    assert cd.pivot([("tolerated", frozenset()), ("tolerated", frozenset({"clerical_slip"}))]) is None


def test_every_pivot_has_a_catalogue_text() -> None:
    cat = Catalogue()
    keys = {*cd.default_conduct().pivots.values(), "intent"}
    for loc in LOCALES:
        for key in keys:
            assert cat.has(f"kb.pivot.{key}", loc), (loc, key)


# --------------------------------------------------------------------------- look-alike pairs


def _case(cid: str, outcome: str, title: str, background: str, **kw) -> GuidingCase:
    ok = outcome != "not_tolerated"
    data = {
        "id": cid,
        "title": title,
        "background": background,
        "keywords": kw.pop("keywords", ["冷库", "检测", "登记"]),
        "error_elements": kw.pop("error_elements", background),
        "causes": kw.pop("causes", "任务重、时间紧。"),
        "handling": kw.pop("handling", "予以容错。" if ok else "不予容错。"),
        "outcome": outcome,
        "boundaries": {"law": ok, "org_interest": ok, "others_rights": ok},
        "distinctions": [1] if ok else [],
        "measures": "整改。",
        "lessons": "吸取教训。",
    }
    data.update(kw)
    return GuidingCase.model_validate(data)


# Two crisis settings, each with a tolerated honest slip and a not-tolerated look-alike.
PAIRS = [
    _case(
        "P1",
        "tolerated",
        "冷库进口食品检测登记时把批次号录错",
        "集中排查冷库进口冻品时，社区干部连夜登记检测批次，把两批冻品的批次号录错，导致追溯延误，发现后当即更正。",
        error_elements="批次号录入错误，追溯延误。",
        causes="连夜作业、未复核，属于无意差错。",
        handling="属于工作疏忽，及时更正，未造成后果，予以容错。",
    ),
    _case(
        "P2",
        "not_tolerated",
        "冷库进口食品检测登记中收受货主好处篡改检测记录",
        "集中排查冷库进口冻品时，社区干部收受货主两万元好处，篡改两批冻品的检测登记，让未检测的冻品出库销售。",
        error_elements="收受好处，篡改检测记录，放行未检测冻品。",
        causes="谋取私利，明知故犯。",
        handling="收受钱财、弄虚作假，不予容错，移送纪检监察机关。",
    ),
    _case(
        "P3",
        "tolerated",
        "学校停课期间发放营养餐补助名单统计遗漏",
        "学校临时停课后，社区干部统计需发放营养餐补助的学生名单，漏统了三名寄宿学生，家长反映后立即补发。",
        keywords=["停课", "营养餐", "补助名单"],
        error_elements="名单统计遗漏三名学生。",
        causes="统计时间紧、未核对。",
        handling="属于无意疏漏，及时补发，予以容错。",
    ),
    _case(
        "P4",
        "not_tolerated",
        "学校停课期间营养餐补助名单虚增学生套取补助",
        "学校临时停课后，社区干部在营养餐补助名单中虚增二十名学生，多领的补助与供餐商分成。",
        keywords=["停课", "营养餐", "补助名单"],
        error_elements="虚报学生人数，套取补助并与供餐商私分。",
        causes="谋取私利。",
        handling="弄虚作假、套取资金，不予容错。",
    ),
]

SLIPS = [
    ("冷库冻品登记的时候批次号填错了，后来改过来了", "P1"),
    ("停课补助名单漏统了几个学生，家长说了才补上", "P3"),
]
GRAVE = [
    ("冷库检测登记收了货主的钱，改了检测记录让货出库", "P2"),
    ("营养餐补助名单多报了学生，多的钱和供餐的老板分了", "P4"),
]


@pytest.fixture(scope="module")
def pairs() -> Matcher:
    return Matcher.build(PAIRS)


@pytest.mark.parametrize(("query", "want"), SLIPS + GRAVE)
def test_look_alikes_are_told_apart_by_the_act(pairs: Matcher, query: str, want: str) -> None:
    res = pairs.match_cases(query)
    assert res.hits and res.hits[0].id == want, (query, [(h.id, round(h.confidence, 2)) for h in res.hits])


def test_the_reply_says_what_tips_the_balance(pairs: Matcher) -> None:
    res = pairs.match_cases("冷库冻品检测登记出了问题，批次记录不对")
    shown = {h.id for h in res.hits}
    if res.confident and {"P1", "P2"} <= shown:
        assert res.pivot in ("private_gain", "falsification")
    res = pairs.match_cases(GRAVE[0][0])
    assert res.pivot in (None, "private_gain", "falsification")


def test_pivot_line_is_rendered_in_the_case_cards(pairs: Matcher) -> None:
    from handlers.knowledge_views import case_cards
    from knowledge.matching import Hit, MatchResult

    kb = load_bundled().model_copy(update={"cases": PAIRS})
    hits = tuple(Hit(id=c.id, kind="case", score=1.0, confidence=0.9, why=("冷库",)) for c in PAIRS[:2])
    res = MatchResult(hits=hits, confident=True, ambiguous=False, pivot="private_gain")
    text, _kb = case_cards(Catalogue(), "zh", kb, res)
    assert "谋取私利" in text
    text, _kb = case_cards(Catalogue(), "zh", kb, MatchResult(hits=hits, confident=True, ambiguous=False))
    assert "关键在于" not in text


# --------------------------------------------------------------------------- the rule, on everything we have


def _all_cases() -> list[GuidingCase]:
    out = list(load_bundled().cases)
    for name in ("dev_cases.json", "dev_flood_cases.json", "dev_mixed_cases.json"):
        out.extend(load_cases(DATA / name))
    return [*out, *PAIRS]


@pytest.fixture(scope="module")
def everything() -> tuple[Matcher, dict[str, GuidingCase]]:
    cases = _all_cases()
    return Matcher.build(cases), {c.id: c for c in cases}


HONEST_SLIPS = [
    "上报的户数填错了，多填了30户",
    "统计表里把两户的人数录错了，我发现后改了",
    "登记物资的时候漏记了一箱，后来补上了",
    "报表的单位写错了，数字大了十倍",
    "名单上重复录入了三个人，发现后删掉了",
]
KICKBACKS = [
    "采购物资的时候收了供应商的回扣",
    "虚报了受灾户数，多领的补助和别的干部私分了",
    "补贴先发给了自己亲戚，别人的拖着不发",
    "为了考核好看把数字往大了报",
    "施工队给了我两万块好处费，我就让他们的工程验收通过了",
    "老人不肯撤离，我们动手把他打伤了",
]


@pytest.mark.parametrize("query", HONEST_SLIPS)
def test_fraud_never_first_for_a_slip(everything, query: str) -> None:
    m, by_id = everything
    res = m.match_cases(query)
    if not res.hits:
        return
    first = by_id[res.hits[0].id]
    grave = cd.default_conduct().grave
    assert not (first.outcome == "not_tolerated" and cd.case_conduct(first) & grave), (query, first.title)


@pytest.mark.parametrize("query", KICKBACKS)
def test_tolerated_never_first_for_a_kickback(everything, query: str) -> None:
    m, by_id = everything
    res = m.match_cases(query)
    if not res.hits or not res.confident:
        return
    first = by_id[res.hits[0].id]
    assert first.outcome != "tolerated", (query, first.title)
