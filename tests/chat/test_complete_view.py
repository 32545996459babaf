"""/view gives a supervisor everything a decision needs: who applied, the self-check answers in
full, the cited cases one press away, no cadre-only buttons, and the actions as the last message."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat
from tests.support.flows import ANSWERS, answer_selfcheck, clean_answer, register, texts

CADRE, SUP = 2, 3


async def _request_after_selfcheck(chat: LocalChat) -> str:
    intro = await chat.send(CADRE, "/check")
    first = await chat.press_label(CADRE, intro[-1], "跳过")
    result = await answer_selfcheck(chat, CADRE, first[-1], clean_answer)
    step = await chat.press_label(CADRE, result[-1], "据此提交容错申请")
    for answer in ANSWERS:
        step = await chat.send(CADRE, answer)
    await chat.send_photo(CADRE, b"\xff\xd8jpeg")
    step = await chat.press_label(CADRE, step[-1], "完成")
    tick = next(d for _, d in step[-1].buttons if d.startswith("fm:tk:"))
    step = await chat.press(CADRE, step[-1], tick)
    step = await chat.press_label(CADRE, step[-1], "完成")
    assert "要把自查回答附在申请里吗" in texts(step)
    step = await chat.press_label(CADRE, step[-1], "是")
    preview = await chat.press_label(CADRE, step[-1], "不同意")
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    return re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)


async def test_the_view_shows_the_applicant_the_answers_and_the_cases_then_the_actions(chat: LocalChat) -> None:
    chat.names[CADRE] = "王芳"
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    ref = await _request_after_selfcheck(chat)

    view = await chat.send(SUP, f"/view {ref}")
    shown = texts(view)
    # Who applied.
    assert "申请人：王芳（甲社区，社区干部，非挂职）" in shown
    # Every self-check question as asked, with its answer, not a count.
    kb = chat.services.knowledge.current.kb
    for question in kb.selfcheck.questions:
        assert question.text in shown
    assert "答：是" in shown and "答：否" in shown and "已附" not in shown
    # The cited case: one press opens it, and nothing on the way offers to file a request.
    cited = next(m for m in view if "申请人引用的指导性案例" in m.plain)
    opened = await chat.press_label(SUP, cited, "引用案例 1")
    case_id = next(d for _, d in cited.buttons if d.startswith("kb:read:")).split(":", 2)[2]
    case = kb.case(case_id)
    assert case is not None and case.title in texts(opened)
    everything = [*view, *opened]
    assert not [(m.plain[:40], d) for m in everything for _, d in m.buttons if d.startswith(("fc:", "m:apply"))]
    assert not any("据此申请" in label or "引用此案例" in label for m in everything for label, _ in m.buttons)
    # The actions come last: a press there acts on this filing.
    assert ref in view[-1].plain and "办理操作" in view[-1].plain
    accepted = await chat.press_label(SUP, view[-1], "受理")
    assert f"已受理 {ref}" in texts(accepted, SUP)
