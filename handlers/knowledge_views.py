"""How knowledge is shown: case cards, full cases, answers, articles (text + buttons)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import Catalogue, Html, escape
from handlers.callback_data import Cite, Kb, Ns, cb
from handlers.reply import keyboard
from handlers.texts import Words
from knowledge.matching import MatchResult
from knowledge.models import GuidingCase, KnowledgeBase, PolicyArticle

_BOUNDARIES = ("law", "org_interest", "others_rights")


def case_cards(
    cat: Catalogue, loc: str, kb: KnowledgeBase, result: MatchResult, extra_rows=(), cite: bool = True
) -> tuple[str, InlineKeyboardMarkup]:
    """The cases found, each with a detail button and (``cite``: where the reader may file) a cite
    button; without ``cite`` a case opens to be read only (a supervisor reviewing a filing)."""
    lines = [cat.t(loc, "kb.ambiguous" if result.ambiguous else "kb.cases_title", n=len(result.hits))]
    buttons: list[tuple[str, str]] = []
    cites: list[tuple[str, str]] = []
    say = Words(cat, loc)
    for n, hit in enumerate(result.hits, start=1):
        case = kb.case(hit.id)
        if case is None:
            continue
        why = say.join(hit.why) or say("kb.none")
        lines.append(
            cat.t(
                loc,
                "kb.case_card",
                n=n,
                title=case.title,
                badge=Html(cat.t(loc, f"kb.outcome.{case.outcome}")),
                why=why,
            )
        )
        buttons.append((cat.t(loc, "kb.btn_detail", n=n), cb(Ns.KB, Kb.CASE if cite else Kb.READ, case.id)))
        cites.append((cat.t(loc, "kb.btn_cite", n=n), cb(Ns.CITE, Cite.CITE, case.id)))
    if result.pivot:  # the best cases disagree on the outcome: say what tips the balance
        lines.append(cat.t(loc, f"kb.pivot.{result.pivot}"))
    rows = [buttons, cites, *extra_rows] if cite else [buttons, *extra_rows]
    return "\n".join(lines), keyboard(rows)


def case_full(cat: Catalogue, loc: str, case: GuidingCase) -> str:
    say = Words(cat, loc)
    kept, broken = say("kb.boundary_kept"), say("kb.boundary_broken")
    boundaries = say.items(
        f"{say(f'kb.boundary_names.{name}')}{kept if getattr(case.boundaries, name) else broken}"
        for name in _BOUNDARIES
    )
    distinctions = say.items(say(f"kb.distinction_names.{d}") for d in case.distinctions) or say("kb.none")
    return cat.t(
        loc,
        "kb.case_full",
        title=case.title,
        badge=Html(cat.t(loc, f"kb.outcome.{case.outcome}")),
        keywords=say.join(case.keywords),
        background=case.background,
        error_elements=case.error_elements,
        causes=case.causes,
        handling=case.handling,
        boundaries=boundaries,
        distinctions=distinctions,
        measures=case.measures,
        lessons=case.lessons,
    )


def article_text(article: PolicyArticle) -> str:
    return f"<b>{escape(article.title)}</b>\n{escape(article.body)}"


def article_button(cat: Catalogue, loc: str, article: PolicyArticle) -> tuple[str, str]:
    title = article.title if len(article.title) <= 18 else article.title[:17] + "…"
    return cat.t(loc, "kb.btn_article", title=title), cb(Ns.KB, Kb.ARTICLE, article.id)


def answer(cat: Catalogue, loc: str, kb: KnowledgeBase, result: MatchResult) -> tuple[str, InlineKeyboardMarkup]:
    hit = result.hits[0]
    rows: list[list[tuple[str, str]]] = []
    if hit.kind == "faq":
        entry = kb.faq_entry(hit.id)
        assert entry is not None
        text = cat.t(loc, "kb.answer", question=entry.question, answer=entry.answer)
        articles = [a for a in (kb.article(aid) for aid in entry.articles) if a]
        if articles:
            text += "\n\n" + cat.t(loc, "kb.source", title=Words(cat, loc).items(a.title for a in articles))
        rows += [[article_button(cat, loc, a)] for a in articles[:3]]
    else:
        article = kb.article(hit.id)
        assert article is not None
        text = cat.t(loc, "kb.answer", question=article.title, answer=article.summary)
        text += "\n\n" + cat.t(loc, "kb.source", title=article.title)
        rows.append([article_button(cat, loc, article)])
    return text, keyboard(rows)
