"""Asking and describing in chat: answers with sources, case cards, full cases, the boundaries."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from tests.support.flows import register, texts


async def test_described_situation_gets_case_cards_and_full_case(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    kb = chat.services.knowledge.current.kb
    case = next(c for c in kb.cases if c.outcome == "partially_tolerated")
    cards = await chat.send(2, case.background[:60])
    assert case.title in texts(cards)
    assert "部分容错" in texts(cards)
    detail = next(data for label, data in cards[-1].buttons if data == f"kb:case:{case.id}")
    full = texts(await chat.press(2, cards[-1], detail))
    for label in ("案例背景", "错误要素", "错误成因", "处理结果", "三条边界", "三个区分开来", "解决措施", "案例启示"):
        assert label in full
    assert case.lessons[:20] in full


async def test_question_gets_the_faq_answer_with_its_source(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    kb = chat.services.knowledge.current.kb
    entry = next(f for f in kb.faq if f.articles)
    replies = await chat.send(2, entry.question)
    out = texts(replies)
    assert entry.answer.splitlines()[0][:15] in out
    assert "依据" in out
    article_button = next(data for _, data in replies[-1].buttons if data.startswith("kb:art:"))
    article = texts(await chat.press(2, replies[-1], article_button))
    assert kb.article(article_button.split(":")[2]).title in article


async def test_unrelated_text_is_not_forced_onto_a_case(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    out = texts(await chat.send(2, "明天食堂的红烧肉几点开始卖"))
    assert "没有找到" in out


async def test_forced_modes_and_prompt(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    kb = chat.services.knowledge.current.kb
    prompt = await chat.send(2, "/cases")
    assert "描述" in texts(prompt)
    cards = await chat.send(2, kb.cases[3].title)
    assert kb.cases[3].title in texts(cards)
    answered = await chat.send(2, f"/ask {kb.faq[0].question}")
    assert kb.faq[0].answer.splitlines()[0][:15] in texts(answered)


async def test_boundaries_public_and_articles(chat: LocalChat) -> None:
    replies = await chat.send(77, "/boundaries")  # unregistered users may read this
    out = texts(replies)
    assert "不违反法律法规" in out and "三个区分开来" in out
    assert len(replies[-1].buttons) >= 6
    article = await chat.press(77, replies[-1], replies[-1].buttons[0][1])
    assert "法律" in texts(article)


async def test_unregistered_cases_and_case_details_are_refused(chat: LocalChat) -> None:
    # A question gets its public answer (tests/chat/test_public_information.py); a situation, no cases.
    out = await chat.send(77, "封控当晚没走招标，直接找附近超市订了一千份蔬菜包")
    assert "还没有注册" in texts(out)
    case_id = chat.services.knowledge.current.kb.cases[0].id
    refused = await chat.press(77, out[-1], f"kb:case:{case_id}")
    assert "还没有注册" in texts(refused)


async def test_long_and_hostile_text(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    assert "太长" in texts(await chat.send(2, "买" * 5000))
    replies = await chat.send(2, "<b>封控</b> & 买菜 <script>")
    assert replies and chat.api.refusals == []
