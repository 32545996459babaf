"""Bundled knowledge base and the loader's error reporting / round trips."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.loader import (
    CONTENT_DIR,
    KnowledgeError,
    dump_articles,
    dump_case_file,
    dump_faq,
    dump_selfcheck,
    load_articles,
    load_bundled,
    load_case_file,
    load_directory,
    load_faq,
    load_selfcheck,
)
from knowledge.models import OUTCOMES, FaqEntry, GuidingCase, KnowledgeBase, PolicyArticle
from tests.support.paths import DATA
from tests.support.strategies import entry_id, guiding_cases, non_empty

DEV_CASES = DATA / "dev_cases.json"
CONTENT_FILES = ("articles.yaml", "faq.yaml", "cases.json", "selfcheck.yaml")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_bundled()


def _case(**changes: object) -> dict:
    base = {
        "id": "G001",
        "title": "测试案例",
        "background": "某市某区某街道某社区暴雨内涝。",
        "keywords": ["暴雨", "内涝", "抽水"],
        "error_elements": "未经审批支出。",
        "causes": "情况紧急。",
        "handling": "予以容错。",
        "outcome": "tolerated",
        "boundaries": {"law": True, "org_interest": True, "others_rights": True},
        "distinctions": [1],
        "measures": "补办手续。",
        "lessons": "及时报备。",
    }
    base.update(changes)
    return base


def _write_cases(tmp_path: Path, cases: list[dict]) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _problems(call, *args, **kwargs) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        call(*args, **kwargs)
    problems = info.value.problems
    assert problems, "KnowledgeError without problems"
    for line in problems:
        assert "Traceback" not in line and "\n" not in line
        assert len(line.split(": ", 3)) == 4, line
    assert str(info.value) == "\n".join(problems)
    return problems


# ----------------------------------------------------------------- bundled content


def test_bundled_loads_with_enough_content(kb: KnowledgeBase) -> None:
    assert 15 <= len(kb.articles) <= 25
    assert len(kb.faq) >= 45
    assert len(kb.cases) >= 32
    assert set(Counter(c.outcome for c in kb.cases)) == set(OUTCOMES)
    assert 12 <= len(kb.selfcheck.questions) <= 16


def test_outcome_mix_is_roughly_as_planned(kb: KnowledgeBase) -> None:
    counts = Counter(c.outcome for c in kb.cases)
    total = len(kb.cases)
    assert 0.45 <= counts["tolerated"] / total <= 0.65
    assert 0.12 <= counts["partially_tolerated"] / total <= 0.30
    assert 0.18 <= counts["not_tolerated"] / total <= 0.35


def test_every_article_topic_present(kb: KnowledgeBase) -> None:
    topics = Counter(a.topic for a in kb.articles)
    for topic in ("boundaries", "distinctions", "conditions", "never_tolerated", "procedure", "evidence",
                  "clearing", "lookback", "reporting", "secondment"):  # fmt: skip
        assert topics[topic] >= 1, topic
    assert topics["boundaries"] >= 4  # overview + one per boundary
    assert topics["distinctions"] >= 4  # overview + one per distinction
    ids = {a.id for a in kb.articles}
    for required in ("A-boundary-law", "A-boundary-org", "A-boundary-rights", "A-distinction-1", "A-distinction-2",
                     "A-distinction-3", "A-never", "A-procedure", "A-appeal", "A-reporting", "A-clearing",
                     "A-lookback", "A-supervision", "A-secondment"):  # fmt: skip
        assert required in ids, required


def test_key_policy_facts_are_stated(kb: KnowledgeBase) -> None:
    text = {a.id: a.body for a in kb.articles}
    assert "明知故犯" in text["A-distinction-1"]
    assert "明令禁止后依然我行我素" in text["A-distinction-2"]
    assert "谋取私利" in text["A-distinction-3"]
    assert "1个工作日" in text["A-procedure"] and "15个工作日" in text["A-procedure"]
    assert "不计入时限" in text["A-procedure"]
    assert "示意" in text["A-overview"]  # marked as illustrative
    assert "澄清正名" in text["A-clearing"]
    assert "回头看" in text["A-lookback"]


def test_references_resolve(kb: KnowledgeBase) -> None:
    article_ids = {a.id for a in kb.articles}
    question_ids = {q.id for q in kb.selfcheck.questions}
    for entry in kb.faq:
        assert entry.articles, entry.id
        assert set(entry.articles) <= article_ids, entry.id
    for question in kb.selfcheck.questions:
        assert question.article in article_ids
    for rule in kb.selfcheck.rules:
        assert rule.article in article_ids
        assert set(rule.when) <= question_ids
    assert len({q.id for q in kb.selfcheck.questions} | {r.id for r in kb.selfcheck.rules}) == len(
        kb.selfcheck.questions
    ) + len(kb.selfcheck.rules)


def test_faq_shape(kb: KnowledgeBase) -> None:
    ids = [f.id for f in kb.faq]
    assert ids == [f"F{n:03d}" for n in range(1, len(ids) + 1)]
    for entry in kb.faq:
        assert len(entry.alternatives) >= 2, entry.id  # issue #11: as many phrasings as cadres use
        assert len(entry.answer.splitlines()) <= 5, entry.id
        assert entry.keywords, entry.id


def test_case_shape(kb: KnowledgeBase) -> None:
    ids = [c.id for c in kb.cases]
    assert ids == [f"G{n:03d}" for n in range(1, len(ids) + 1)]
    for case in kb.cases:
        b = case.boundaries
        inside = b.law and b.org_interest and b.others_rights
        if case.outcome == "tolerated":
            assert inside, case.id
            assert case.distinctions, case.id
        if case.outcome == "not_tolerated":
            assert not inside, case.id
        assert "某" in case.background, case.id


def test_bundled_cases_are_not_the_dev_set(kb: KnowledgeBase) -> None:
    dev_titles = {c.title for c in load_case_file(DEV_CASES)}
    assert not dev_titles & {c.title for c in kb.cases}


def test_load_directory_equals_bundled(tmp_path: Path, kb: KnowledgeBase) -> None:
    for name in CONTENT_FILES:
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    assert load_directory(tmp_path) == kb


# ----------------------------------------------------------------- loader errors


def test_bad_json_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text('{"cases": [\n  {"id": "G1",}\n]}', encoding="utf-8")
    assert _problems(load_case_file, path) == [
        "cases.json: -: -: invalid JSON at line 2 column 15: Expecting property name enclosed in double quotes"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_bytes('{"cases": []}\n"暴雨"'.encode("gb18030"))
    assert _problems(load_case_file, path) == [
        "cases.json: -: -: file is not valid UTF-8 (byte 0xb1 at line 2, offset 15)"
    ]


def test_too_big(tmp_path: Path) -> None:
    path = _write_cases(tmp_path, [_case()])
    size = path.stat().st_size
    assert _problems(load_case_file, path, max_bytes=100) == [
        f"cases.json: -: -: file is too big ({size} bytes, limit 100 bytes)"
    ]
    assert len(load_case_file(path, max_bytes=size)) == 1


def test_missing_file(tmp_path: Path) -> None:
    assert _problems(load_case_file, tmp_path / "cases.json") == ["cases.json: -: -: file not found"]


def test_missing_field(tmp_path: Path) -> None:
    case = _case()
    del case["lessons"]
    assert _problems(load_case_file, _write_cases(tmp_path, [case])) == ["cases.json: G001: lessons: Field required"]


def test_wrong_outcome(tmp_path: Path) -> None:
    path = _write_cases(tmp_path, [_case(outcome="forgiven")])
    assert _problems(load_case_file, path) == [
        "cases.json: G001: outcome: Input should be 'tolerated', 'partially_tolerated' or 'not_tolerated'"
    ]


def test_duplicate_id(tmp_path: Path) -> None:
    path = _write_cases(tmp_path, [_case(), _case(id="G002"), _case(title="另一个")])
    assert _problems(load_case_file, path) == ["cases.json: G001: id: duplicate id (already used by entry #1)"]


def test_two_keywords(tmp_path: Path) -> None:
    path = _write_cases(tmp_path, [_case(id="G007", keywords=["暴雨", "内涝"])])
    assert _problems(load_case_file, path) == ["cases.json: G007: keywords: List should have at least 3 items"]


def test_all_problems_collected_with_entry_ids(tmp_path: Path) -> None:
    path = _write_cases(
        tmp_path,
        [
            _case(id="G001", keywords=["a"] * 9),
            _case(id="G002", boundaries={"law": True}, distinctions=[1, 1]),
            _case(id="bad id!", outcome="yes"),
            _case(id="G004", title="  ", extra="x"),
            "not a case",
        ],
    )
    assert _problems(load_case_file, path) == [
        "cases.json: G001: keywords: List should have at most 8 items",
        "cases.json: G002: boundaries.org_interest: Field required",
        "cases.json: G002: boundaries.others_rights: Field required",
        "cases.json: G002: distinctions: distinctions must not repeat",
        "cases.json: #3: id: must be 1 to 32 characters, only letters, digits, - and _",
        "cases.json: #3: outcome: Input should be 'tolerated', 'partially_tolerated' or 'not_tolerated'",
        "cases.json: G004: title: String should have at least 1 character",
        "cases.json: G004: extra: Extra inputs are not permitted",
        "cases.json: #5: -: expected an object with fields, got a string",
    ]


def test_file_shape_problems(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text("[]", encoding="utf-8")
    assert _problems(load_case_file, path) == ['cases.json: -: -: expected an object {"cases": [...]}, got a list']
    path.write_text('{"case": []}', encoding="utf-8")
    assert _problems(load_case_file, path) == [
        "cases.json: -: case: Extra inputs are not permitted",
        "cases.json: -: cases: Field required",
    ]
    path.write_text("  \n", encoding="utf-8")
    assert _problems(load_case_file, path) == ["cases.json: -: -: file is empty"]


def test_bad_yaml_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("- id: F001\n  question: [未闭合\n", encoding="utf-8")
    (problem,) = _problems(load_faq, path)
    assert problem.startswith("faq.yaml: -: -: invalid YAML at line 3 column 1: ")


def test_yaml_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "articles.yaml"
    path.write_text("- id: A1\n  topic: other\n  title: 标题\n  title: 又一个\n", encoding="utf-8")
    assert _problems(load_articles, path) == [
        "articles.yaml: -: -: invalid YAML at line 4 column 3: duplicate key 'title'"
    ]


def test_yaml_yes_no_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "selfcheck.yaml"
    path.write_text(
        "questions:\n  - {id: q1, group: never, text: 问题, article: A1}\n"
        "rules:\n  - {id: r1, when: {q1: [yes, no]}, indication: outside, reason: 理由, article: A1}\n",
        encoding="utf-8",
    )
    assert load_selfcheck(path).rules[0].when == {"q1": ["yes", "no"]}


def test_selfcheck_unknown_question_and_bad_answer(tmp_path: Path) -> None:
    path = tmp_path / "selfcheck.yaml"
    path.write_text(
        "questions:\n  - {id: q1, group: never, text: 问题, article: A1}\n"
        "  - {id: q1, group: nowhere, text: 问题, article: A1}\n"
        "rules:\n  - {id: r1, when: {q9: ['yes'], q1: ['maybe']}, indication: outside, reason: 理由, article: A1}\n",
        encoding="utf-8",
    )
    assert _problems(load_selfcheck, path) == [
        "selfcheck.yaml: q1: group: Input should be 'conditions', 'boundaries', 'distinctions' or 'never'",
        "selfcheck.yaml: q1: id: duplicate id (already used by entry #1)",
        "selfcheck.yaml: r1: when.q1[0]: Input should be 'yes', 'no' or 'unsure'",
        "selfcheck.yaml: r1: when.q9: unknown question q9",
    ]


def test_unknown_article_reference(tmp_path: Path) -> None:
    for name in CONTENT_FILES:
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    faq = load_faq(tmp_path / "faq.yaml")
    broken = [faq[0].model_copy(update={"articles": ["A-overview", "A-nope"]}), *faq[1:]]
    dump_faq(broken, tmp_path / "faq.yaml")
    text = (tmp_path / "selfcheck.yaml").read_text(encoding="utf-8")
    (tmp_path / "selfcheck.yaml").write_text(text.replace("article: A-never", "article: A-gone"), encoding="utf-8")
    problems = _problems(load_directory, tmp_path)
    assert problems[0] == "faq.yaml: F001: articles[1]: unknown article A-nope"
    assert "selfcheck.yaml: n-fraud: article: unknown article A-gone" in problems
    assert "selfcheck.yaml: r-fraud: article: unknown article A-gone" in problems
    assert all(": unknown article " in p for p in problems)


def test_load_directory_collects_problems_of_all_files(tmp_path: Path) -> None:
    for name in CONTENT_FILES:
        shutil.copy(CONTENT_DIR / name, tmp_path / name)
    (tmp_path / "cases.json").write_bytes(b"\xff\xfe")
    (tmp_path / "articles.yaml").write_text("- id: A1\n  topic: nonsense\n", encoding="utf-8")
    problems = _problems(load_directory, tmp_path)
    assert problems[0].startswith("articles.yaml: A1: topic: Input should be")
    assert "articles.yaml: A1: title: Field required" in problems
    assert "cases.json: -: -: file is not valid UTF-8 (byte 0xff at line 1, offset 0)" in problems
    # FAQ links are not checked against an articles file that failed to load
    assert not any("unknown article" in p for p in problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_garbage_never_raises_anything_else(tmp_path: Path, data: bytes) -> None:
    for name, loader in (("cases.json", load_case_file), ("faq.yaml", load_faq), ("selfcheck.yaml", load_selfcheck)):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            loader(path)
        except KnowledgeError as exc:
            assert all(line.startswith(f"{name}: ") for line in exc.problems)


# ----------------------------------------------------------------- round trips


def test_round_trip_bundled(tmp_path: Path, kb: KnowledgeBase) -> None:
    dump_articles(kb.articles, tmp_path / "articles.yaml")
    dump_faq(kb.faq, tmp_path / "faq.yaml")
    dump_case_file(kb.cases, tmp_path / "cases.json")
    dump_selfcheck(kb.selfcheck, tmp_path / "selfcheck.yaml")
    assert load_directory(tmp_path) == kb


def test_round_trip_dev_set(tmp_path: Path) -> None:
    cases = load_case_file(DEV_CASES)
    dump_case_file(cases, tmp_path / "cases.json")
    assert load_case_file(tmp_path / "cases.json") == cases


def test_dump_case_file_format(tmp_path: Path) -> None:
    case = GuidingCase.model_validate(_case(title='“引号”与"双引号"'))
    path = tmp_path / "out.json"
    dump_case_file([case], path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "cases": [\n    {\n      "id": "G001",\n      "title": "“引号”')
    assert "暴雨" in text  # not \u-escaped
    fields = list(json.loads(text)["cases"][0])
    assert fields == ["id", "title", "background", "keywords", "error_elements", "causes", "handling", "outcome",
                      "boundaries", "distinctions", "measures", "lessons"]  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(guiding_cases(), max_size=4, unique_by=lambda c: c.id))
def test_round_trip_odd_unicode_cases(tmp_path: Path, cases: list[GuidingCase]) -> None:
    path = tmp_path / "cases.json"
    dump_case_file(cases, path)
    assert load_case_file(path) == cases


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.builds(
            PolicyArticle,
            id=entry_id,
            topic=st.sampled_from(["boundaries", "procedure", "other"]),
            title=non_empty,
            summary=non_empty,
            body=non_empty,
            keywords=st.lists(non_empty, max_size=3),
        ),
        max_size=3,
        unique_by=lambda a: a.id,
    ),
    st.lists(
        st.builds(
            FaqEntry,
            id=entry_id,
            question=non_empty,
            alternatives=st.lists(non_empty, max_size=3),
            answer=non_empty,
            articles=st.lists(entry_id, max_size=2),
            keywords=st.lists(non_empty, max_size=2),
        ),
        max_size=3,
        unique_by=lambda f: f.id,
    ),
)
def test_round_trip_odd_unicode_yaml(tmp_path: Path, articles: list[PolicyArticle], faq: list[FaqEntry]) -> None:
    dump_articles(articles, tmp_path / "articles.yaml")
    dump_faq(faq, tmp_path / "faq.yaml")
    assert load_articles(tmp_path / "articles.yaml") == articles
    assert load_faq(tmp_path / "faq.yaml") == faq


def test_selfcheck_positions_name_their_list(tmp_path: Path) -> None:
    path = tmp_path / "selfcheck.yaml"
    path.write_text(
        "questions:\n  - {id: [1], group: never, text: x, article: A}\n  - {id: q2, group: never, text: x}\n"
        "rules:\n  - {id: r1, when: {q2: ['yes'], q3: ['no']}, indication: outside, reason: r, article: A}\n  - 5\n",
        encoding="utf-8",
    )
    assert _problems(load_selfcheck, path) == [
        "selfcheck.yaml: questions#1: id: Input should be a valid string",
        "selfcheck.yaml: q2: article: Field required",
        "selfcheck.yaml: rules#2: -: expected an object with fields, got a number",
        "selfcheck.yaml: r1: when.q3: unknown question q3",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "cases.json",
            '{"cases": [%s]}' % ("9" * 5000),
            "cases.json: -: -: invalid JSON: a number has too many digits",
        ),
        ("cases.json", "[" * 100_000, "cases.json: -: -: invalid JSON: nested too deeply"),
        (
            "cases.json",
            '{"cases": [{"id": "G1", "title": "\\ud800"}]}',
            "cases.json: G1: title: contains an invalid character (lone surrogate)",
        ),
        (
            "faq.yaml",
            "- id: F1\n  question: q\n  answer: a\n  keywords: &b [x, *b]\n",
            "faq.yaml: F1: keywords[1]: refers to itself (YAML anchor loop)",
        ),
        (
            "faq.yaml",
            "- id: F1\n  question: !!python/object:os.system x\n",
            "faq.yaml: -: -: invalid YAML at line 2 column 13: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object:os.system'",
        ),
        ("faq.yaml", "- id: 2001-02-30\n", "faq.yaml: -: -: invalid YAML: day is out of range for month"),
    ],
)
def test_hostile_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loader = load_case_file if name.endswith(".json") else load_faq
    assert _problems(loader, path) == [expected]


def test_alias_bomb_is_cheap(tmp_path: Path) -> None:
    lines = ["- id: F001", "  question: q", "  answer: a", "  keywords: &a0 [s, s, s, s, s, s, s, s, s]"]
    lines += [f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    path = tmp_path / "faq.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(load_faq, path)
    assert problems == [f"faq.yaml: F001: x{i}: Extra inputs are not permitted" for i in range(1, 12)]
