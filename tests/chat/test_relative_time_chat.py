"""A cadre types "昨天下午4点": the filing says which day that was, in the deployment's zone, beside their words."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.runtime.local_chat import LocalChat
from tests.support.clock import ManualClock
from tests.support.flows import register, texts

CADRE, SUP = 2, 3
# 07:30 on 2 December in Beijing, still 1 December in UTC: "昨天" is 1 December here.
TYPED_AT = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


async def test_relative_times_in_a_form_are_resolved_and_the_words_kept(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge, clock=ManualClock(TYPED_AT))
    try:
        await register(chat, CADRE, "cadre", "甲社区")
        await register(chat, SUP, "supervisor", "甲社区")
        await chat.send(CADRE, "/apply")
        await chat.send(CADRE, "前天晚上8点半接到通知，直接找附近超市订了一千份蔬菜包")
        step3 = await chat.send(CADRE, "昨天下午4点，某小区北门")
        assert "第 3/10 步" in texts(step3)
        draft = await chat.services.filings.drafts.load(CADRE, "request")
        assert draft.data["when_where"] == "昨天下午4点（2026-12-01 16:00），某小区北门"
        assert draft.data["what_happened"].startswith("前天晚上8点半（2026-11-30 20:30）接到通知")

        # Going back shows what was kept, and typing the same again does not resolve it twice.
        back = await chat.press_label(CADRE, step3[-1], "返回")
        assert "昨天下午4点（2026-12-01 16:00）" in texts(back)
        await chat.send(CADRE, (await chat.services.filings.drafts.load(CADRE, "request")).data["when_where"])
        for answer in ("多花了约两千元", "3天前居民就断菜了", "已补签合同"):
            last = await chat.send(CADRE, answer)
        done = await chat.press_label(CADRE, last[-1], "完成")
        done = await chat.press_label(CADRE, done[-1], "完成")
        preview = await chat.press_label(CADRE, done[-1], "不同意")
        assert "昨天下午4点（2026-12-01 16:00），某小区北门" in texts(preview)
        assert "3天前（2026-11-29）居民就断菜了" in texts(preview)

        # The supervisor reads the resolved day, beside the cadre's own words.
        sent = await chat.press_label(CADRE, preview[-1], "确认提交")
        ref = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert "时间地点：昨天下午4点（2026-12-01 16:00），某小区北门" in view
    finally:
        await chat.stop()
