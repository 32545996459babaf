"""A whole filing, submit → accept → request info → answer → decide, through the real FilingService
on each backend: the same history, deadlines, notices in the outbox and a verifying audit chain
(issue #14)."""

from __future__ import annotations

import asyncio

from bot.filing.errors import TransitionError
from bot.ops.audit import verify_storage
from bot.users import UserService
from storage.protocols import Storage
from tests.support.clock import ManualClock
from tests.support.world import (
    ADMIN,
    BOUNDS_OK,
    CADRE_A,
    REASON,
    REQUEST,
    START,
    SUP_A1,
    SUP_A2,
    make_service,
)


async def _service(storage: Storage):
    users = UserService(storage)
    await users.add(CADRE_A, "cadre", "东区", display_name="张三", seconded=True)
    await users.add(SUP_A1, "supervisor", "东区", display_name="赵主任")
    await users.add(SUP_A2, "supervisor", "东区", display_name="钱书记")
    await users.add(ADMIN, "admin", None, display_name="管理员")
    clock = ManualClock(START)
    return make_service(storage, users, clock), clock  # type: ignore[arg-type]


async def _notices(storage: Storage) -> list[tuple[int, str]]:
    return [(m.chat_id, m.text.split("|", 1)[0]) for m in await storage.outbox.pending(500)]


async def test_request_flow_with_notices_in_the_outbox(storage: Storage) -> None:
    service, clock = await _service(storage)
    submitted = await service.submission.request(CADRE_A, REQUEST, "k1")
    again = await service.submission.request(CADRE_A, REQUEST, "k1")
    assert submitted.created and not again.created and again.filing.ref == submitted.filing.ref
    ref = submitted.filing.ref
    assert ref == "RC-2026-000001"
    notices = await _notices(storage)
    assert {chat for chat, _ in notices} == {CADRE_A, SUP_A1, SUP_A2} and len(notices) == 3  # queued once

    await service.workflow.accept(ref, SUP_A1)
    clock.advance(hours=2)
    await service.workflow.request_info(ref, SUP_A1, "请补充购买发票。")
    clock.advance(hours=5)
    await service.workflow.answer_info(ref, CADRE_A, "发票已上传。")
    filing = await service.workflow.decide(ref, SUP_A2, "tolerated", REASON, BOUNDS_OK)
    assert filing.state == "decided_tolerated" and filing.decided_by == SUP_A2

    history = await service.queries.history(ref, CADRE_A)
    assert [(e.action, e.to_state) for e in history] == [
        ("submit", "submitted"),
        ("accept", "accepted"),
        ("request_info", "info_requested"),
        ("answer_info", "accepted"),
        ("decide", "decided_tolerated"),
    ]
    assert [d.state for d in await service.queries.deadlines(ref, CADRE_A)] == ["done", "done"]
    cadre_notices = [key for chat, key in await _notices(storage) if chat == CADRE_A]
    assert len(cadre_notices) >= 4 and any("decided" in key for key in cadre_notices), cadre_notices
    actions = [e.action for e in await storage.audit.all()]
    assert actions[-5:] == [
        "filing.submit",
        "filing.accept",
        "filing.request_info",
        "filing.answer_info",
        "filing.decide",
    ]
    assert await verify_storage(storage) == []


async def test_two_devices_decide_at_once(storage: Storage) -> None:
    service, _ = await _service(storage)
    ref = (await service.submission.request(CADRE_A, REQUEST, "k1")).filing.ref
    await service.workflow.accept(ref, SUP_A1)
    results = await asyncio.gather(
        service.workflow.decide(ref, SUP_A1, "tolerated", REASON, BOUNDS_OK),
        service.workflow.decide(ref, SUP_A2, "not_tolerated", REASON, BOUNDS_OK),
        return_exceptions=True,
    )
    assert sum(isinstance(r, TransitionError) for r in results) == 1, results
    assert [e.action for e in await service.queries.history(ref, ADMIN)].count("decide") == 1
    assert await verify_storage(storage) == []
