"""One action, one confirmation: submitting and answering a request for information each say so once."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat
from tests.support.flows import fill_request, register

CADRE, SUP = 2, 3


def _to(messages, chat_id: int) -> list:
    return [m for m in messages if m.chat_id == chat_id]


async def test_submitting_and_answering_are_each_confirmed_once(chat: LocalChat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    await chat.services.users.add(CADRE, "cadre", "甲社区", seconded=True)

    # A tolerance request: one message to the cadre, with the reference and the way to follow it.
    preview = await fill_request(chat)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    (confirmation,) = _to(sent, CADRE)
    ref = re.search(r"RC-\d{4}-\d{6}", confirmation.plain).group(0)
    assert "容错申请已提交" in confirmation.plain and "等待受理" in confirmation.plain
    assert [label for label, _ in confirmation.buttons] == ["📋 我的申请"]
    # A second press files nothing and says so, once.
    (again,) = _to(await chat.press_label(CADRE, preview[-1], "确认提交"), CADRE)
    assert "不会重复提交" in again.plain or "已经提交" in again.plain

    # The answer to a request for information: one message to the cadre, the answer to the supervisor.
    notice = next(m for m in sent if m.chat_id == SUP)
    await chat.press(SUP, notice, f"sv:acc:{ref}")
    view = await chat.send(SUP, f"/view {ref}")
    await chat.press(SUP, view[0], f"sv:info:{ref}")
    (asked,) = _to(await chat.send(SUP, "请补充超市的报价单"), CADRE)
    await chat.press(CADRE, asked, next(d for _, d in asked.buttons if d.startswith("my:ans:")))
    answered = await chat.send(CADRE, "报价单已拍照，验收单在街道财务")
    (passed_on,) = _to(answered, CADRE)
    assert "补充说明交给监督审核人" in passed_on.plain and ref in passed_on.plain
    assert "报价单已拍照" in "".join(m.plain for m in _to(answered, SUP))

    # Feedback is delivered, not an application waiting to be accepted.
    first = await chat.send(CADRE, "/feedback")
    step = await chat.press_label(CADRE, first[-1], "发现的问题")
    step = await chat.send(CADRE, "独居老人名单三个月没更新")
    step = await chat.press_label(CADRE, step[-1], "紧急")
    step = await chat.press_label(CADRE, step[-1], "完成")
    preview = await chat.press_label(CADRE, step[-1], "同意")
    (delivered,) = _to(await chat.press_label(CADRE, preview[-1], "确认提交"), CADRE)
    assert "挂职反馈已送达" in delivered.plain and "FB-" in delivered.plain
    assert "申请" not in delivered.plain and "受理" not in delivered.plain

    # A pre-registration, too, is confirmed once.
    await chat.send(CADRE, "/report")
    await chat.send(CADRE, "未比价紧急采购两台发电机")
    await chat.send(CADRE, "暴雨停电，安置点老人需要用电")
    preview = await chat.send(CADRE, "约两万元")
    (recorded,) = _to(await chat.press_label(CADRE, preview[-1], "确认提交"), CADRE)
    assert "PR-" in recorded.plain
