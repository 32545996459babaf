"""The Chinese UI says it in Chinese, and every day is a day of CADREBOT_TIMEZONE: /kb edit and
/kb history, the /search example, states and dates, /lookback draw, and refused file types."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.clock import show
from bot.runtime.local_chat import LocalChat
from tests.support.clock import ManualClock
from tests.support.flows import ADMIN, fill_request, register, texts

CADRE, SUP = 2, 3
# 07:30 on 5 March in Beijing, still 4 March in UTC.
FILED = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)


async def test_knowledge_base_edit_and_history_in_chinese(chat: LocalChat) -> None:
    entry = chat.services.knowledge.current.kb.faq[0]
    asked = await chat.send(ADMIN, f"/kb edit {entry.id}")
    assert [label for label, _ in asked[-1].buttons] == ["问题", "答案"]
    assert "答案：" in texts(asked) and "answer:" not in texts(asked)
    typed = await chat.press_label(ADMIN, asked[-1], "答案")
    assert "“答案”" in texts(typed)
    preview = await chat.send(ADMIN, "新的答复：先报备，再申请。")
    assert f"{entry.id}：答案" in texts(preview)
    await chat.press_label(ADMIN, preview[-1], "确认应用")

    history = texts(await chat.send(ADMIN, "/kb history"))
    assert "随程序发布的内容" in history and f"修改 {entry.id} 的“答案”" in history
    assert "bundled content" not in history and "edit " not in history
    tz = chat.services.filings.calendar.tz
    for version in await chat.services.kb_admin.history():
        assert f"第 {version.id} 版 · {show(version.created_at, tz)} ·" in history  # Beijing time, not UTC


async def test_search_and_lookback_by_local_day_and_chinese_names(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge, clock=ManualClock(FILED))
    try:
        await register(chat, CADRE, "cadre", "甲社区")
        await register(chat, SUP, "supervisor", "甲社区")
        # A refused file names no MIME type.
        await chat.send(CADRE, "/apply")
        for answer in ("直接找超市订了蔬菜包", "某小区", "多花了约两千元", "居民要断菜", "已补签合同"):
            await chat.send(CADRE, answer)
        refused = texts(await chat.send_document(CADRE, "tool.exe", b"MZ", "application/x-msdownload"))
        assert "不支持这种文件" in refused and "application" not in refused
        await chat.send(CADRE, "/cancel")
        await chat.services.filings.drafts.discard(CADRE, "request")

        preview = await fill_request(chat)
        sent = await chat.press_label(CADRE, preview[-1], "确认提交")
        ref = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)

        usage = texts(await chat.send(SUP, "/search"))
        assert "例如：/search 甲社区 待受理" in usage and "submitted" not in usage
        # The filing is shown on 5 March, Beijing time: that is the day it is found on.
        assert "2026-03-05 07:30" in texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert ref in texts(await chat.send(SUP, "/search 2026-03-05"))
        assert ref not in texts(await chat.send(SUP, "/search 2026-03-04"))
        # States and kinds by their Chinese names.
        assert ref in texts(await chat.send(SUP, "/search 甲社区 待受理"))
        assert ref in texts(await chat.send(SUP, "/search 容错申请 已提交，待受理"))
        assert ref not in texts(await chat.send(SUP, "/search 甲社区 已受理，审查中"))

        # /lookback draw counts and shows local days (and "today" is Beijing's 5 March).
        drawn = texts(await chat.send(SUP, "/lookback draw 2026-03-05 2026-03-05"))
        assert "从 2026-03-05 至 2026-03-05" in drawn
        default = texts(await chat.send(SUP, "/lookback draw"))
        assert "从 2026-02-03 至 2026-03-05" in default
    finally:
        await chat.stop()
