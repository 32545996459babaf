"""Time limits and reminders with a controllable clock, through the running bot's jobs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.runtime.app import _deadlines, _draft_reminders
from bot.runtime.local_chat import LocalChat
from tests.support.clock import ManualClock
from tests.support.flows import ADMIN, fill_request, register, texts

CADRE, SUP = 2, 3
# A Monday morning in a week with no public holiday in bot/filing/holidays.yaml.
MONDAY = datetime(2026, 6, 8, 1, 0, tzinfo=UTC)


class _Job:
    """What PTB hands a job callback: here only the application is used."""

    def __init__(self, application) -> None:
        self.application = application


async def test_accept_deadline_reminds_then_escalates_to_admins(settings, knowledge) -> None:
    clock = ManualClock(MONDAY)
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        await register(chat, CADRE, "cadre", "甲社区")
        await register(chat, SUP, "supervisor", "甲社区")
        preview = await fill_request(chat)
        sent = await chat.press_label(CADRE, preview[-1], "确认提交")
        ref = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)
        view = texts(await chat.send(SUP, f"/view {ref}"), SUP)
        assert "受理时限" in view and "进行中" in view

        clock.advance(hours=20)  # close to the one-working-day limit
        before = len(chat.api.log)
        await _deadlines(_Job(chat.application))
        await chat.settle()
        reminders = texts(chat.api.log[before:], SUP)
        assert ref in reminders and "快到了" in reminders

        clock.advance(days=2)  # now overdue
        before = len(chat.api.log)
        await _deadlines(_Job(chat.application))
        await chat.settle()
        assert "已超期" in texts(chat.api.log[before:], ADMIN)
        # Running the job again escalates nothing twice.
        before = len(chat.api.log)
        await _deadlines(_Job(chat.application))
        await chat.settle()
        assert "已超期" not in texts(chat.api.log[before:], ADMIN)
        assert "⚠超期" in texts(await chat.send(SUP, "/queue"), SUP)
    finally:
        await chat.stop()


async def test_idle_draft_gets_one_reminder(settings, knowledge) -> None:
    clock = ManualClock(MONDAY)
    chat = await LocalChat.start(settings, knowledge, clock=clock)
    try:
        await register(chat, CADRE, "cadre", "甲社区")
        await chat.send(CADRE, "/apply")
        await chat.send(CADRE, "暴雨夜临时征用了一辆货车")
        clock.advance(timedelta(minutes=settings.draft_reminder_minutes + 1))
        before = len(chat.api.log)
        await _draft_reminders(_Job(chat.application))
        await chat.settle()
        assert "/resume" in texts(chat.api.log[before:], CADRE)
        before = len(chat.api.log)
        await _draft_reminders(_Job(chat.application))
        await chat.settle()
        assert texts(chat.api.log[before:], CADRE) == ""
    finally:
        await chat.stop()
