"""A cadre files through the real PTB Application with CADREBOT_DB_URL set: the bot's storage,
persistence and outbox are PostgreSQL's, and nothing else changes (issue #14)."""

from __future__ import annotations

import re

import pytest

from bot.config import Settings
from bot.kb.service import KnowledgeService
from bot.ops.audit import verify_storage
from bot.runtime.local_chat import LocalChat
from storage.postgres.storage import PostgresStorage
from tests.support.flows import ANSWERS, fill_request, register, texts


@pytest.fixture
def pg_settings(settings: Settings, pg_url: str) -> Settings:
    return settings.model_copy(update={"db_url": pg_url})


CADRE, SUPERVISOR, OTHER_SUPERVISOR = 2, 3, 4


async def _setup(chat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUPERVISOR, "supervisor", "甲社区")
    await register(chat, OTHER_SUPERVISOR, "supervisor", "乙社区")


async def test_request_filed_and_notified_on_postgres(pg_settings: Settings, knowledge: KnowledgeService) -> None:
    chat = await LocalChat.start(pg_settings, KnowledgeService(knowledge.current))
    try:
        assert isinstance(chat.services.storage, PostgresStorage)
        await _setup(chat)
        preview = await fill_request(chat)
        submitted = await chat.press_label(CADRE, preview[-1], "确认提交")
        found = re.search(r"RC-\d{4}-\d{6}", texts(submitted, CADRE))
        assert found is not None
        ref = found.group(0)
        assert ref in texts(submitted, SUPERVISOR)
        assert ref not in texts(submitted, OTHER_SUPERVISOR)
        await chat.press_label(CADRE, preview[-1], "确认提交")  # a double tap files once
        storage = chat.services.storage
        assert [f.ref for f in await storage.filings.by_units(None)] == [ref]
        assert len(await storage.attachments.of_filing(ref)) == 2
        assert await storage.outbox.pending() == []  # every notice was delivered
        assert await verify_storage(storage) == []
    finally:
        await chat.stop()


async def test_conversation_and_draft_survive_a_restart_on_postgres(
    pg_settings: Settings, knowledge: KnowledgeService
) -> None:
    chat = await LocalChat.start(pg_settings, knowledge)
    await _setup(chat)
    await chat.send(CADRE, "/apply")
    await chat.send(CADRE, ANSWERS[0])
    await chat.send(CADRE, ANSWERS[1])
    await chat.stop()

    chat = await LocalChat.start(pg_settings, knowledge)
    try:
        step4 = await chat.send(CADRE, ANSWERS[2])  # PTB's conversation state came back from PostgreSQL
        assert "动机" in texts(step4)
        draft = await chat.services.filings.drafts.load(CADRE, "request")
        assert draft is not None and draft.data["consequences"] == ANSWERS[2]
    finally:
        await chat.stop()
