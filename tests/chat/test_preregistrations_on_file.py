"""A pre-registration (报备) stays on file after its first notice: in the supervisor's /queue until
acknowledged, found by /search and /view (with the acknowledgement button), in the cadre's /my,
in the XLSX export and in /stats (acknowledged within a day)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from bot.runtime.local_chat import LocalChat
from tests.support.clock import ManualClock
from tests.support.flows import register, texts

CADRE, SUP = 2, 3
START = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


async def _preregister(chat: LocalChat, what: str) -> str:
    await chat.send(CADRE, "/report")
    await chat.send(CADRE, what)
    await chat.send(CADRE, "暴雨停电，安置点老人需要用电")
    preview = await chat.send(CADRE, "约两万元")
    recorded = await chat.press_label(CADRE, preview[-1], "确认提交")
    return re.search(r"PR-\d{4}-\d{6}", texts(recorded, CADRE)).group(0)


def _buttons(messages) -> list[str]:
    return [label for m in messages for label, _ in m.buttons]


async def test_a_preregistration_is_queued_found_viewed_acknowledged_exported_and_counted(settings, knowledge) -> None:
    clock = ManualClock(START)
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        chat.names[CADRE] = "王芳"
        await register(chat, CADRE, "cadre", "甲社区")
        await register(chat, SUP, "supervisor", "甲社区")
        first = await _preregister(chat, "未比价紧急采购两台发电机")
        second = await _preregister(chat, "临时征用社区活动室做安置点")

        # In the queue, each with an open button, until acknowledged.
        queue = await chat.send(SUP, "/queue")
        assert first in texts(queue) and second in texts(queue)
        assert f"查看 {first}" in _buttons(queue)

        # Found by its reference, and viewed in full with the acknowledgement button.
        found = await chat.send(SUP, f"/search {first}")
        assert "找到 1 件" in texts(found) and first in texts(found)
        view = await chat.send(SUP, f"/view {first}")
        shown = texts(view)
        assert "未比价紧急采购两台发电机" in shown and "约两万元" in shown and "王芳" in shown
        assert "尚未确认知悉" in shown
        assert _buttons(view) == ["✅ 确认知悉"]

        # The cadre opens it from /my, without a supervisor's button.
        mine = await chat.send(CADRE, "/my")
        assert f"查看 {first}" in _buttons(mine)
        opened = await chat.press_label(CADRE, mine[-1], f"查看 {first}")
        assert "暴雨停电" in texts(opened) and _buttons(opened) == []

        # Acknowledged two hours later, from the view: the cadre is told, the queue lets it go.
        clock.advance(hours=2)
        acked = await chat.press_label(SUP, view[-1], "确认知悉")
        assert "已确认收到报备" in texts(acked, SUP) and "确认收到" in texts(acked, CADRE)
        queue = texts(await chat.send(SUP, "/queue"))
        assert first not in queue and second in queue
        # … and is still on file.
        assert first in texts(await chat.send(SUP, f"/search {first}"))
        again = await chat.send(SUP, f"/view {first}")
        assert "用户3 已于 2026-03-10 11:" in texts(again) and _buttons(again) == []

        # Counted in /stats, one of two acknowledged within a day, and exported on a sheet of its own.
        summary = await chat.send(SUP, "/stats")
        assert "事前/事中报备 2 件，已确认知悉 1 件，一天内确认知悉 1 件（50%）" in texts(summary)
        xlsx = await chat.press_label(SUP, summary[-1], "导出 Excel")
        book = load_workbook(io.BytesIO(next(m.document for m in xlsx if m.document)[1]))
        sheet = book["事前事中报备"]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[0] == ["编号", "单位", "干部 Telegram 账号", "提交时间", "确认知悉时间", "一天内确认知悉"]
        by_ref = {r[0]: r for r in rows[1:]}
        assert by_ref[first][1] == "甲社区" and by_ref[first][5] == "是"
        assert by_ref[second][4] in ("", None) and by_ref[second][5] == "否"
        assert clock.now() - START == timedelta(hours=2)
    finally:
        await chat.stop()
