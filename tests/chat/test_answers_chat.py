"""Each intent through the real bot: greeting, question, situation, writing, off-topic; the issue's wordings."""

from __future__ import annotations

import pytest

from bot.runtime.local_chat import LocalChat
from tests.support.flows import register, texts

BADGES = ("予以容错", "部分容错", "不予容错")


async def test_greeting_gets_a_friendly_reply_and_the_menu(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    for text in ("你好在吗", "谢谢", "早上好呀"):
        replies = await chat.send(2, text)
        out = texts(replies)
        assert "您好" in out and "没有找到" not in out, out
        data = [d for _, d in replies[-1].buttons]
        assert {"m:apply:", "m:check:"} <= set(data), data


async def test_question_gets_the_faq_answer_with_its_source(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    replies = await chat.send(2, "结果不服咋办")
    out = texts(replies)
    assert "复核" in out and "依据" in out
    assert not any(b in out for b in BADGES)


async def test_situation_gets_guiding_cases(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    case = chat.services.knowledge.current.kb.cases[0]
    out = texts(await chat.send(2, case.background[:60]))
    assert case.title in out


async def test_writing_request_is_declined_with_the_application_steps(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    replies = await chat.send(2, "帮我写一份防疫工作总结")
    out = texts(replies)
    assert "不代写" in out and "依据" not in out
    data = [d for _, d in replies[-1].buttons]
    assert "kb:art:A-procedure" in data and "m:apply:" in data
    steps = texts(await chat.press(2, replies[-1], "kb:art:A-procedure"))
    assert "受理" in steps


async def test_off_topic_gets_the_plain_fallback_with_buttons(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    for text in ("明天会不会下雪", "廉租房要交什么材料", "楼下路灯坏了找谁"):
        replies = await chat.send(2, text)
        out = texts(replies)
        assert "没有找到" in out and "依据" not in out, (text, out)
        assert not any(b in out for b in BADGES)
        assert replies[-1].buttons


@pytest.mark.parametrize(
    ("text", "wanted", "not_wanted"),
    [
        ("容错的边界是什么?", ["法律法规", "组织根本利益", "合法权益"], []),
        ("容错需要什么条件", ["公心"], ["申请书、"]),
        ("申请容错找谁", ["街道"], ["申请书、事情经过"]),
        ("能不能容错", ["满足"], ["贪污受贿、以权谋私"]),
        ("报备是啥", ["事前"], []),
        ("啥叫报备", ["事前"], []),
        ("被误判了咋办", ["复核"], []),
        ("多久能出结果", ["工作日"], []),
        ("结果不服咋办", ["复核"], ["指导性案例"]),
    ],
)
async def test_issue_wordings_get_the_right_answer(
    chat: LocalChat, text: str, wanted: list[str], not_wanted: list[str]
) -> None:
    await register(chat, 2, "cadre", "示例社区")
    out = texts(await chat.send(2, text))
    assert "依据" in out, out
    for word in wanted:
        assert word in out, (text, out)
    for word in not_wanted:
        assert word not in out, (text, out)


@pytest.mark.parametrize(
    "text",
    [
        "谁来认定容错",
        "认定要几天",
        "容错需要什么条件",
        "不服认定能申诉吗",
        "要什么材料",
        "回头看是啥",
        "能不能免责",
        "报备怎么办",
    ],
)
async def test_question_words_never_fall_to_a_situation(chat: LocalChat, text: str) -> None:
    await register(chat, 2, "cadre", "示例社区")
    replies = await chat.send(2, text)
    out = texts(replies)
    assert "依据" in out, (text, out)  # an answer with its source ...
    assert not any(d.startswith("kb:case:") for m in replies for _, d in m.buttons), (text, out)  # ... no cases
