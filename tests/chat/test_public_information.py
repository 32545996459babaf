"""Someone not registered gets what is public — the boundaries and procedural answers — and no filing."""

from __future__ import annotations

from bot.runtime.local_chat import LocalChat
from tests.support.flows import ADMIN, register, texts

STRANGER, CADRE = 77, 2
HOW_TO_REGISTER = "/start 邀请码"


async def test_a_stranger_reads_the_policy_and_is_shown_the_way_in_to_filing(chat: LocalChat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    kb = chat.services.knowledge.current.kb

    # The menu offers what is public: the boundaries and a question, nothing to file.
    menu = await chat.send(STRANGER, "/help")
    labels = [label for label, _ in menu[-1].buttons]
    assert "📘 容错边界" in labels and "❓ 问政策" in labels
    assert not any(word in label for label in labels for word in ("申请", "报备", "反馈", "案例"))
    assert "直接问申请程序" in texts(menu)

    boundaries = await chat.send(STRANGER, "/boundaries")
    assert "三个区分开来" in texts(boundaries)
    article = await chat.press(STRANGER, boundaries[-1], boundaries[-1].buttons[0][1])
    assert "法律" in texts(article)

    # Procedural questions are answered, by command, by the menu button and typed as they come.
    asked = await chat.send(STRANGER, "/ask 容错申请怎么提交")
    assert "1个工作日内" in texts(asked) and "依据" in texts(asked)
    prompt = await chat.press_label(STRANGER, menu[-1], "问政策")
    assert "还没有注册" not in texts(prompt)
    typed = await chat.send(STRANGER, "申请容错需要准备哪些材料")
    assert "依据" in texts(typed) and "还没有注册" not in texts(typed)
    # …and their buttons offer nothing a stranger may not press.
    assert not any(data.startswith(("m:apply", "kb:case")) for m in (*asked, *typed) for _, data in m.buttons)

    # A described situation would show guiding cases: those are for registered users.
    story = await chat.send(STRANGER, "封控当晚没走招标，直接找附近超市订了一千份蔬菜包")
    assert "还没有注册" in texts(story) and HOW_TO_REGISTER in texts(story)
    assert not any(case.title in texts(story) for case in kb.cases)

    # Filing is refused politely, with how to register, and nothing is kept.
    for command in ("/apply", "/report", "/feedback", "/my"):
        refused = texts(await chat.send(STRANGER, command))
        assert "还没有注册" in refused and HOW_TO_REGISTER in refused and "/boundaries" in refused, command
    assert await chat.services.filings.drafts.load(STRANGER, "request") is None

    # A registered cadre still gets the cases; a deactivated account gets nothing public either.
    cards = await chat.send(CADRE, "封控当晚没走招标，直接找附近超市订了一千份蔬菜包")
    assert any(case.title in texts(cards) for case in kb.cases)
    await chat.send(ADMIN, f"/users deactivate {CADRE}")
    assert "已停用" in texts(await chat.send(CADRE, "/ask 容错申请怎么提交"))
