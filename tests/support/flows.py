"""Conversations many chat tests share: registering through the invite flow, filing a request."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat

ADMIN = 1
# The people of a filed request (see ``filed``): a cadre, two supervisors of the unit, one of another.
CADRE, SUP, SUP2, FOREIGN = 2, 3, 5, 4


async def register(chat: LocalChat, user_id: int, role: str, unit: str) -> None:
    """Register through the real invite flow: the admin creates a code, the user redeems it."""
    sent = await chat.send(ADMIN, f"/invite {role} {unit}")
    code = next(line.strip() for line in sent[-1].plain.splitlines() if line.strip() and " " not in line.strip())
    replies = await chat.send(user_id, f"/start {code}")
    assert any(("注册成功" in m.plain or "registered" in m.plain) for m in replies), [m.plain for m in replies]


def texts(messages, chat_id: int | None = None) -> str:
    return "\n".join(m.plain for m in messages if chat_id is None or m.chat_id == chat_id)


# A tolerance request's five answers, in the order the form asks them.
ANSWERS = [
    "封控当晚没走招标，直接找附近超市订了一千份蔬菜包",
    "3月5日晚，某小区",
    "单价比平时高一点，多花了约两千元",
    "居民第二天就要断菜，区里保供渠道还没启动",
    "已补签合同并验收入账",
]


async def fill_request(chat: LocalChat, user: int = CADRE) -> list:
    replies = await chat.send(user, "/apply")
    for answer in ANSWERS:
        replies = await chat.send(user, answer)
    # evidence step: one photo, one PDF, then done
    await chat.send_photo(user, b"\xff\xd8jpeg")
    added = await chat.send_document(user, "收据.pdf", b"%PDF-1.4", "application/pdf")
    replies = await chat.press_label(user, added[-1], "完成")
    assert "指导性案例" in texts(replies)
    # tick the first suggested case, then done
    tick = next((d for _, d in replies[-1].buttons if d.startswith("fm:tk:")), None)
    if tick:
        replies = await chat.press(user, replies[-1], tick)
    replies = await chat.press_label(user, replies[-1], "完成")
    assert "匿名" in texts(replies)
    return await chat.press_label(user, replies[-1], "不同意")


async def filed(chat: LocalChat) -> tuple[str, list]:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    await register(chat, SUP2, "supervisor", "甲社区")
    await register(chat, FOREIGN, "supervisor", "乙社区")
    preview = await fill_request(chat)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    found = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE))
    assert found is not None, texts(sent, CADRE)
    ref = found.group(0)
    notice = next(m for m in sent if m.chat_id == SUP and ref in m.plain)
    return ref, [notice]


async def answer_selfcheck(chat: LocalChat, user: int, last, choose) -> list:
    """Answer every self-check question by pressing what ``choose(question)`` picks."""
    questions = chat.services.knowledge.current.kb.selfcheck.questions
    replies = []
    for question in questions:
        assert question.text in last.plain
        replies = await chat.press(user, last, f"sc:a:{choose(question)}.{question.id}")
        last = replies[-1] if replies else last
        if not last.buttons or not any(d.startswith("sc:a:") for _, d in last.buttons):
            break
    return replies


def clean_answer(question) -> str:
    harmful = question.group in ("boundaries", "never") or question.id in ("d-private", "d-ban")
    return "no" if harmful else "yes"
