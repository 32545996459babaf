"""Text normalisation and tokenisation (knowledge/normalize.py)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import normalize as nz

# Arbitrary unicode incl. control and format characters (RTL marks, zero-width joiners),
# surrogates excluded by the strategy itself, emoji, CJK and full-width forms.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("\u200f\u200e\u202e\u200b\u200d\ufeff\x00\x07\n\t\r\u3000")),
        st.sampled_from(list("😀🚒🌊👍🏻風險處理後來會議臺灣ＡＢＣ１２３，。！？、【】")),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    once = nz.normalize(text)
    assert isinstance(once, str)
    assert nz.normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalize_keeps_only_letters_numbers_and_single_spaces(text: str) -> None:
    out = nz.normalize(text)
    assert out == out.strip()
    assert "  " not in out
    for ch in out:
        assert ch == " " or unicodedata.category(ch)[0] in "LN", repr(ch)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_tokenisers_never_raise(text: str) -> None:
    norm = nz.normalize(text)
    for bg in nz.char_bigrams(norm):
        assert bg and " " not in bg
    for key in nz.pinyin_bigrams(norm):
        assert key and " " not in key
    runs, words = nz.segment(norm)
    assert all(r and " " not in r for r in runs)
    assert all(w.strip() for w in words)
    assert isinstance(nz.pinyin_key(text), str)


def test_full_width_to_half_width_and_lower_case() -> None:
    assert nz.normalize("ＡＢＣ１２３") == "abc123"
    assert nz.normalize("Ｎ９５口罩") == "n95口罩"


def test_traditional_to_simplified() -> None:
    assert nz.normalize("風險處理後來") == "风险处理后来"
    assert nz.normalize("臺灣颱風") == nz.normalize("台湾台风")


def test_punctuation_emoji_and_control_characters_become_spaces() -> None:
    assert nz.normalize("封控，怎么办？！😀") == "封控 怎么办"
    assert nz.normalize("防\u200b护\u200f服") == "防 护 服"
    assert nz.normalize("  \x00\x07  ") == ""
    assert nz.normalize("") == ""


def test_normalize_many_matches_normalize_on_ordinary_text() -> None:
    texts = ["社区干部在封控期间，紧急采购了蔬菜包。", "風險評估（初稿）", "ＡＢＣ 123", ""]
    assert nz.normalize_many(texts) == [nz.normalize(t) for t in texts]


def test_char_bigrams_stay_inside_runs() -> None:
    assert nz.char_bigrams("封控 小区") == ["封控", "小区"]
    assert nz.char_bigrams("采购蔬菜") == ["采购", "购蔬", "蔬菜"]
    assert nz.char_bigrams("n95 口") == ["n95", "口"]


def test_pinyin_keys_fold_homophones_and_ime_slips() -> None:
    # exact homophones typed with a pinyin IME
    assert nz.pinyin_key("荣错") == nz.pinyin_key("容错")
    assert nz.pinyin_key("风控") == nz.pinyin_key("封控")
    assert nz.pinyin_key("合酸") == nz.pinyin_key("核酸")
    # fuzzy initials/finals: z/zh, n/l, en/eng
    assert nz.pinyin_key("自愿者") == nz.pinyin_key("志愿者")
    assert nz.pinyin_key("内老") == nz.pinyin_key("内涝")
    # but different words stay apart
    assert nz.pinyin_key("采购") != nz.pinyin_key("隔离")


def test_pinyin_bigrams_cover_polyphones() -> None:
    # 重 reads zhong or chong: both keys are produced so 重复 meets a typo 虫复
    assert set(nz.pinyin_bigrams("虫复")) & set(nz.pinyin_bigrams("重复"))


def test_segment_drops_function_words_and_keeps_content() -> None:
    runs, words = nz.segment(nz.normalize("我们的志愿者把居民电话泄露了吗"))
    assert "的" not in words and "吗" not in words
    assert "志愿者" in words
    assert any("泄露" in r for r in runs)


def test_stopword_lists_load() -> None:
    every = nz.load_stopwords()
    light = nz.load_stopwords(("function", "filler"))
    assert "的" in every and "的" in light
    assert "容错" in every and "容错" not in light


def test_lexicon_is_well_formed_data() -> None:
    import yaml

    from knowledge.matching.lexicon import default_lexicon

    data = yaml.safe_load((nz.LEXICON_DIR / "synonyms.yaml").read_text(encoding="utf-8"))
    groups = [g for section in data["groups"].values() for g in section]
    assert len(groups) >= 150
    for group in groups:
        assert len(group) >= 2, group
        assert all(isinstance(w, str | int) and str(w).strip() for w in group), group
    lex = default_lexicon()
    assert len(lex.members) == len(groups)
    # a few cross-domain groups the matcher relies on
    for a, b in [("采购", "进货"), ("防护服", "隔离衣"), ("志愿者", "义工"), ("转移", "撤离"), ("停电", "断电")]:
        assert set(lex.multi[a]) & set(lex.multi[b]), (a, b)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.one_of(
                st.characters(max_codepoint=0x7F),
                st.sampled_from(
                    list("封控采购隔离衣風險處理後會議，。！？、（）【】《》“”…—😀\u200b\u3000ＡＢ１２⑴㎏")
                ),
            ),
            max_size=30,
        ),
        max_size=6,
    )
)
def test_normalize_many_agrees_with_normalize(texts: list[str]) -> None:
    assert nz.normalize_many(texts) == [nz.normalize(t) for t in texts]
