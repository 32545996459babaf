"""Cadres file through the real Application: request, feedback, pre-registration — never losing a word."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat
from tests.support.flows import ANSWERS, fill_request, register, texts

CADRE, SUPERVISOR, OTHER_SUPERVISOR = 2, 3, 4


async def _setup(chat: LocalChat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUPERVISOR, "supervisor", "甲社区")
    await register(chat, OTHER_SUPERVISOR, "supervisor", "乙社区")


async def test_request_from_first_step_to_decision_notifications(chat: LocalChat) -> None:
    await _setup(chat)
    preview = await fill_request(chat)
    out = texts(preview)
    for answer in ANSWERS:
        assert answer[:10] in out
    assert "2 个附件" in out
    submitted = await chat.press_label(CADRE, preview[-1], "确认提交")
    ref = re.search(r"RC-\d{4}-\d{6}", texts(submitted, CADRE)).group(0)
    # Every supervisor of the unit is told, nobody else.
    assert ref in texts(submitted, SUPERVISOR)
    assert ref not in texts(submitted, OTHER_SUPERVISOR)
    # A double tap files once.
    again = await chat.press_label(CADRE, preview[-1], "确认提交")
    assert "不会重复提交" in texts(again) or "已经提交" in texts(again) or "已过期" in texts(again)
    rows = await chat.services.storage.db.fetchall("SELECT ref FROM filings")
    assert [r[0] for r in rows] == [ref]


async def test_each_step_validates_and_keeps_what_was_typed(chat: LocalChat) -> None:
    await _setup(chat)
    await chat.send(CADRE, "/apply")
    assert "不能为空" in texts(await chat.send(CADRE, "   "))
    assert "太长" in texts(await chat.send(CADRE, "字" * 5000))
    assert "乱码" in texts(await chat.send(CADRE, "\x01\x02\x03\x04\x05abc"))
    assert "请用文字" in texts(await chat.send_sticker(CADRE)) or "文字回答" in texts(await chat.send_sticker(CADRE))
    step2 = await chat.send(CADRE, ANSWERS[0])
    assert "时间和地点" in texts(step2)
    back = await chat.press_label(CADRE, step2[-1], "返回")
    assert ANSWERS[0] in texts(back)  # the earlier answer is shown, not lost


async def test_draft_survives_restart_and_resume(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge)
    await _setup(chat)
    await chat.send(CADRE, "/apply")
    await chat.send(CADRE, ANSWERS[0])
    await chat.send(CADRE, ANSWERS[1])
    await chat.stop()

    chat = await LocalChat.start(settings, knowledge)
    try:
        # The conversation continues where it was…
        step4 = await chat.send(CADRE, ANSWERS[2])
        assert "动机" in texts(step4)
        # …and /resume brings back the same step with nothing lost.
        resumed = await chat.send(CADRE, "/resume")
        assert "动机" in texts(resumed)
        draft = await chat.services.filings.drafts.load(CADRE, "request")
        assert draft.data["what_happened"] == ANSWERS[0] and draft.data["consequences"] == ANSWERS[2]
    finally:
        await chat.stop()


async def test_cancel_keeps_draft_and_wrong_files_are_refused(chat: LocalChat) -> None:
    await _setup(chat)
    await chat.send(CADRE, "/apply")
    for answer in ANSWERS:
        await chat.send(CADRE, answer)
    refused = await chat.send_document(CADRE, "virus.exe", b"MZ", "application/x-msdownload")
    assert "不支持" in texts(refused)
    big = await chat.send_document(CADRE, "big.pdf", b"x" * (21 * 1024 * 1024), "application/pdf")
    assert "太大" in texts(big)
    assert await chat.services.filings.drafts.attachments(CADRE, "request") == []
    assert "草稿已保存" in texts(await chat.send(CADRE, "/cancel"))
    assert (await chat.services.filings.drafts.load(CADRE, "request")).data["remedy"] == ANSWERS[4]


async def test_preregistration_and_feedback(chat: LocalChat) -> None:
    await _setup(chat)
    await chat.send(CADRE, "/report")
    await chat.send(CADRE, "未比价紧急采购两台发电机")
    await chat.send(CADRE, "暴雨停电，安置点老人需要用电")
    preview = await chat.send(CADRE, "约两万元")
    done = await chat.press_label(CADRE, preview[-1], "确认提交")
    assert "PR-" in texts(done, CADRE)
    assert "未比价紧急采购两台发电机" in texts(done, SUPERVISOR)

    refused = await chat.send(CADRE, "/feedback")
    assert "挂职干部" in texts(refused)
    await chat.services.users.add(CADRE, "cadre", "甲社区", seconded=True)
    first = await chat.send(CADRE, "/feedback")
    step2 = await chat.press_label(CADRE, first[-1], "发现的问题")
    step3 = await chat.send(CADRE, "独居老人名单三个月没更新")
    step4 = await chat.press_label(CADRE, step3[-1], "紧急")
    step5 = await chat.press_label(CADRE, step4[-1], "完成")
    preview = await chat.press_label(CADRE, step5[-1], "同意")
    assert "独居老人名单" in texts(preview) and "发现的问题" in texts(preview)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    assert "FB-" in texts(sent, CADRE) and "FB-" in texts(sent, SUPERVISOR)
    assert step2
