"""/check as a cadre uses it: describe, answer with buttons, get an indication with reasons."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from tests.support.flows import answer_selfcheck, clean_answer, register, texts


async def test_private_gain_gives_outside_with_reason_and_article(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    intro = await chat.send(2, "/check")
    first_q = await chat.send(2, "暴雨时没签协议就租了抽水泵")
    replies = await answer_selfcheck(
        chat,
        2,
        first_q[-1],
        lambda q: "yes" if q.id in ("d-private",) else ("no" if q.group != "conditions" else "yes"),
    )
    out = texts(replies)
    assert intro and "可能不在容错范围内" in out
    assert any(d.startswith("kb:art:") for m in replies for _, d in m.buttons)


async def testclean_answer_answers_give_within(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    intro = await chat.send(2, "/check")
    first_q = await chat.press_label(2, intro[-1], "跳过")
    replies = await answer_selfcheck(chat, 2, first_q[-1], clean_answer)
    assert "可能在容错范围内" in texts(replies)


async def test_old_keyboard_and_typed_text_change_nothing(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    intro = await chat.send(2, "/check")
    q1 = (await chat.press_label(2, intro[-1], "跳过"))[-1]
    q2 = (await chat.press_label(2, q1, "是"))[-1]
    # Pressing the first question's keyboard again must not answer the second question.
    stale = await chat.press_label(2, q1, "否")
    assert "已过期" in texts(stale)
    assert "请点下面的按钮回答" in texts(await chat.send(2, "是的"))
    assert chat.services.knowledge.current.kb.selfcheck.questions[1].text in q2.plain
    back = await chat.press_label(2, q2, "返回")
    assert chat.services.knowledge.current.kb.selfcheck.questions[0].text in texts(back)


async def test_selfcheck_survives_restart(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge)
    await register(chat, 2, "cadre", "示例社区")
    intro = await chat.send(2, "/check")
    q1 = (await chat.press_label(2, intro[-1], "跳过"))[-1]
    q2 = (await chat.press_label(2, q1, "是"))[-1]
    await chat.stop()
    chat = await LocalChat.start(settings, knowledge)
    try:
        q3 = await chat.press_label(2, q2, "是")
        assert "第 3/" in texts(q3)
    finally:
        await chat.stop()
