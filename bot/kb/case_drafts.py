"""A decided tolerance request becomes a draft guiding case: fields pre-filled, personal data removed.

The draft is staged like any knowledge-base change, so an admin reviews the diff (and can edit
fields with /kb edit once it is published) before cadres ever see it.
"""

from __future__ import annotations

import re

from bot.filing.models import request_body
from bot.supervision.anonymise import PLACEHOLDER, anonymise
from knowledge.matching import Matcher
from knowledge.models import Boundaries, GuidingCase
from storage.records_filings import Filing

_NUMBER_WORD = re.compile(r"[\d零一二三四五六七八九十百千万两]")


def keywords(text: str, matcher: Matcher, fallback: list[str]) -> list[str]:
    """Terms other cases already use for this kind of situation first, then the text's own.

    ``text`` is anonymised: its placeholders (〔电话〕) and pseudonyms (王某) are never keywords.
    """
    # jieba's keyword extractor loads its part-of-speech and IDF tables on import, seconds of start-up
    # for every bot process; only /draftcase needs it.
    import jieba.analyse

    text = PLACEHOLDER.sub("，", text)
    found: list[str] = []
    for hit in matcher.related_cases(text, k=5).hits:
        for word in hit.why:
            if word in text and "某" not in word and word not in found:
                found.append(word)
    # jieba is untyped: its inferred return also has withWeight=True's (word, weight) pairs.
    tags = [w for w in jieba.analyse.extract_tags(text, topK=12) if isinstance(w, str)]
    for word in tags:
        if len(word) >= 2 and not _NUMBER_WORD.search(word) and "某" not in word and word not in found:
            found.append(word)
    # A case needs at least three keywords; the admin reviews the draft before publishing it.
    return [*found, *(w for w in fallback if w not in found)][:6] if len(found) < 3 else found[:6]


def draft_from_filing(
    filing: Filing, matcher: Matcher, names: list[str], lessons_placeholder: str, fallback_keywords: list[str]
) -> GuidingCase:
    body = request_body(filing)
    decision = filing.decision or {}

    def clean(text: str) -> str:
        return anonymise(text.strip(), names) or "—"

    what = clean(body.what_happened)
    title = what.split("\n", 1)[0]
    title = title if len(title) <= 30 else title[:29] + "…"
    return GuidingCase(
        id="C-" + re.sub(r"[^A-Za-z0-9]", "", filing.ref),
        title=title,
        background=f"{what}\n（{clean(body.when_where)}）",
        keywords=keywords(what + "\n" + clean(body.consequences), matcher, fallback_keywords),
        error_elements=clean(body.consequences),
        causes=clean(body.motive),
        handling=anonymise(str(decision.get("reason") or "—"), names),
        outcome=decision.get("outcome", "not_tolerated"),
        boundaries=Boundaries.model_validate(
            decision.get("boundaries") or {"law": True, "org_interest": True, "others_rights": True}
        ),
        distinctions=decision.get("distinctions") or [],
        measures=clean(body.remedy),
        lessons=lessons_placeholder,
    )
