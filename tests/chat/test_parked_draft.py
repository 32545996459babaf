"""A draft waiting at a button step does not block questions: they are answered, the draft stays put."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from tests.support.flows import register, texts

CADRE = 2
ANSWERS = [
    "封控当晚没走招标，直接找附近超市订了一千份蔬菜包",
    "3月5日晚，某小区",
    "多花了约两千元",
    "居民第二天就要断菜",
    "已补签合同并验收入账",
]
QUESTION = "容错申请怎么提交"


async def _step(chat: LocalChat, kind: str = "request") -> tuple[str, dict]:
    draft = await chat.services.filings.drafts.load(CADRE, kind)
    assert draft is not None
    return draft.step, dict(draft.data)


async def test_a_question_at_a_button_step_is_answered_and_the_form_waits(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge)
    await register(chat, CADRE, "cadre", "甲社区")
    await chat.send(CADRE, "/apply")
    for answer in ANSWERS:
        evidence = await chat.send(CADRE, answer)
    assert "证据材料" in texts(evidence)
    before = await _step(chat)

    # The evidence step takes files and a press: a typed question gets its answer, and the way back.
    replies = await chat.send(CADRE, QUESTION)
    out = texts(replies)
    assert len(replies) == 1
    assert "1个工作日内" in out  # the FAQ answer on filing
    assert "容错申请草稿还停在第 6/10 步" in out and "/resume" in out and "/cancel" in out
    assert "请点上面的按钮" not in out
    assert await _step(chat) == before  # nothing taken as an answer, nothing moved

    # Hours later, after a restart, the same; and the answer's button brings the step back.
    await chat.stop()
    chat = await LocalChat.start(settings, knowledge)
    try:
        replies = await chat.send(CADRE, "申请容错需要准备哪些材料")
        assert "依据" in texts(replies) and "第 6/10 步" in texts(replies)
        back = await chat.press_label(CADRE, replies[-1], "回到草稿")
        assert "请上传证据材料" in texts(back)
        assert await _step(chat) == before

        # At the review page, too: a question is no answer to anything.
        done = await chat.press_label(CADRE, back[-1], "完成")
        done = await chat.press_label(CADRE, done[-1], "完成")
        preview = await chat.press_label(CADRE, done[-1], "不同意")
        assert "请核对" in texts(preview)
        at_preview = await chat.send(CADRE, QUESTION)
        assert "停在核对页" in texts(at_preview) and "1个工作日内" in texts(at_preview)
        assert (await _step(chat))[0] == "preview"
    finally:
        await chat.stop()


async def test_only_a_text_step_takes_typed_text(chat: LocalChat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await chat.services.users.add(CADRE, "cadre", "甲社区", seconded=True)
    # The feedback form opens on a choice: typed words are not a category.
    choose = await chat.send(CADRE, "/feedback")
    assert choose[-1].buttons
    replies = await chat.send(CADRE, QUESTION)
    assert "挂职反馈草稿还停在第 1/5 步" in texts(replies)
    step, data = await _step(chat, "feedback")
    assert step == "category" and "category" not in data
    # A text step takes whatever is typed, a question too: it is the user's answer.
    await chat.press(CADRE, choose[-1], choose[-1].buttons[0][1])
    taken = await chat.send(CADRE, QUESTION)
    assert "停在" not in texts(taken)
    step, data = await _step(chat, "feedback")
    assert data["text"] == QUESTION and step == "urgency"
