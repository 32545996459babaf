"""Hypothesis strategies shared by the loader and the knowledge-base round-trip tests."""

from __future__ import annotations

from hypothesis import strategies as st

from knowledge.models import OUTCOMES, GuidingCase

ODD_CHARS = (
    "暴雨社区干部𠀀𠮷𪚥𫠝"  # CJK incl. extension B-F
    "😀🌊🔥👨‍👩‍👧"  # emoji incl. ZWJ sequence
    "\u200f\u200e\u202b\u202e\u2066\u2069"  # RTL / bidi marks
    "שלוםمرحبا"  # RTL scripts
    "\"'“”‘’「」`\\"  # quotes and backslash
    "\n\r\t \u3000\u00a0\u2028\u2029\x85"  # line breaks and odd spaces
    ":#&*!|>%@-{}[],?"  # YAML indicators
    "\x00\x07\x1b\ufeff\ufffd\u0301"  # control chars, BOM, replacement, combining
)
odd_text = st.text(alphabet=st.sampled_from(ODD_CHARS) | st.characters(codec="utf-8"), max_size=30)
non_empty = st.builds(lambda a, b: a + "字" + b, odd_text, odd_text)
entry_id = st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)


@st.composite
def guiding_cases(draw: st.DrawFn) -> GuidingCase:
    return GuidingCase.model_validate(
        {
            "id": draw(entry_id),
            "title": draw(non_empty),
            "background": draw(non_empty),
            "keywords": draw(st.lists(non_empty, min_size=3, max_size=8)),
            "error_elements": draw(non_empty),
            "causes": draw(non_empty),
            "handling": draw(non_empty),
            "outcome": draw(st.sampled_from(OUTCOMES)),
            "boundaries": {
                "law": draw(st.booleans()),
                "org_interest": draw(st.booleans()),
                "others_rights": draw(st.booleans()),
            },
            "distinctions": draw(st.lists(st.sampled_from([1, 2, 3]), unique=True)),
            "measures": draw(non_empty),
            "lessons": draw(non_empty),
        }
    )
