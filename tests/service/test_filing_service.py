"""FilingService on a temp-file database: submit, notify, access, drafts, deadlines, whole flows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.filing.context import FilingLimits
from bot.filing.drafts import submit_key
from bot.filing.errors import AccessError, FilingError, TransitionError
from bot.filing.workdays import DAY
from bot.users import UserService
from storage.sqlite.storage import SqliteStorage
from tests.support.world import (
    ADMIN,
    BOUNDS_OK,
    CADRE_A,
    CADRE_A2,
    CADRE_B,
    REASON,
    REQUEST,
    SUP_A1,
    SUP_A2,
    SUP_B,
    World,
    make_service,
    make_world,
)


async def _count(world: World, table: str) -> int:
    row = await world.storage.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    return int(row[0])


async def _accepted(world: World) -> str:
    filing = (await world.service.submission.request(CADRE_A, REQUEST, "k1")).filing
    await world.service.workflow.accept(filing.ref, SUP_A1)
    return filing.ref


# ---- submitting -------------------------------------------------------------------------------


async def test_submit_creates_reference_event_audit_deadline(world: World) -> None:
    result = await world.service.submission.request(CADRE_A, REQUEST, "key-1")
    filing = result.filing
    assert result.created
    assert filing.ref == "RC-2026-000001"
    assert filing.state == "submitted" and filing.cadre_id == CADRE_A
    assert filing.body["what_happened"] == REQUEST["what_happened"]
    history = await world.service.queries.history(filing.ref, CADRE_A)
    assert [e.action for e in history] == ["submit"]
    audit = await world.storage.audit.all()
    assert audit[-1].action == "filing.submit" and audit[-1].subject == filing.ref
    deadlines = await world.service.queries.deadlines(filing.ref, SUP_A1)
    assert [(d.kind, d.state) for d in deadlines] == [("accept", "open")]
    # Monday 09:00 + 1 working day = Tuesday 09:00 (China time).
    assert deadlines[0].due_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


async def test_submit_is_idempotent(world: World) -> None:
    first = await world.service.submission.request(CADRE_A, REQUEST, "same-key")
    again = await world.service.submission.request(CADRE_A, REQUEST, "same-key")
    assert again.filing.ref == first.filing.ref and not again.created
    assert await _count(world, "filings") == 1
    assert await _count(world, "filing_events") == 1
    # Notifications were queued once: one per supervisor and one confirmation.
    assert len(await world.outbox()) == 3


async def test_concurrent_double_tap_files_once(world: World) -> None:
    results = await asyncio.gather(*(world.service.submission.request(CADRE_A, REQUEST, "tap") for _ in range(5)))
    assert sum(r.created for r in results) == 1
    assert len({r.filing.ref for r in results}) == 1
    assert await _count(world, "filings") == 1


async def test_key_of_another_cadre_is_refused(world: World) -> None:
    await world.service.submission.request(CADRE_A, REQUEST, "shared")
    with pytest.raises(FilingError) as refused:
        await world.service.submission.request(CADRE_A2, REQUEST, "shared")
    assert refused.value.key == "filing.error.bad_key"


async def test_references_count_up(world: World) -> None:
    refs = [(await world.service.submission.request(CADRE_A, REQUEST, f"k{i}")).filing.ref for i in range(3)]
    assert refs == ["RC-2026-000001", "RC-2026-000002", "RC-2026-000003"]
    feedback = await world.service.submission.feedback(CADRE_A, {"category": "problems", "text": "路灯坏了"}, "f1")
    assert feedback.filing.ref == "FB-2026-000001"


async def test_invalid_body_is_refused_with_a_key(world: World) -> None:
    with pytest.raises(FilingError) as refused:
        await world.service.submission.request(CADRE_A, {**REQUEST, "motive": "   "}, "k")
    assert refused.value.key == "filing.error.empty" and refused.value.values["field"] == "motive"
    with pytest.raises(FilingError) as long:
        await world.service.submission.request(CADRE_A, {**REQUEST, "remedy": "补" * 2001}, "k")
    assert long.value.key == "filing.error.too_long" and long.value.values["limit"] == 2000
    assert await _count(world, "filings") == 0


async def test_text_limit_is_configurable(tmp_path) -> None:
    w = await make_world(tmp_path, limits=FilingLimits(text_max=10))
    with pytest.raises(FilingError) as refused:
        await w.service.submission.request(CADRE_A, REQUEST, "k")
    assert refused.value.values["limit"] == 10
    await w.storage.close()


async def test_unregistered_cannot_file(world: World) -> None:
    with pytest.raises(FilingError) as refused:
        await world.service.submission.request(555, REQUEST, "k")
    assert refused.value.key == "common.not_registered"


# ---- notifications ----------------------------------------------------------------------------


async def test_every_supervisor_of_the_unit_is_notified_and_no_one_else(world: World) -> None:
    filing = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing
    outbox = await world.outbox()
    recipients = sorted(chat for chat, _ in outbox)
    assert recipients == sorted([SUP_A1, SUP_A2, CADRE_A])
    for supervisor in (SUP_A1, SUP_A2):
        assert await world.outbox_keys(supervisor) == ["filing.notify.new_request"]
    assert await world.outbox_keys(CADRE_A) == ["filing.notify.submitted"]
    assert not await world.outbox_keys(SUP_B)
    assert not await world.outbox_keys(CADRE_A2)
    assert filing.ref in outbox[0][1]


async def test_supervisors_of_parent_unit_when_unit_has_none(world: World) -> None:
    parent = await world.storage.units.by_name("东区")
    child_id = await world.storage.db.execute(
        "INSERT INTO units (name, parent_id) VALUES ('东区一社区', ?)", (parent.id,)
    )
    await world.storage.users.upsert(301, "cadre", child_id, "周六")
    await world.service.submission.request(301, REQUEST, "k")
    assert sorted(chat for chat, _ in await world.outbox()) == sorted([SUP_A1, SUP_A2, 301])
    # and the parent unit's supervisors may see it
    assert (await world.service.queries.queue(SUP_A1))[0].filing.cadre_id == 301


async def test_cadre_is_notified_of_every_status_change(world: World) -> None:
    ref = await _accepted(world)
    await world.service.workflow.request_info(ref, SUP_A1, "请补充购买发票。")
    await world.service.workflow.answer_info(ref, CADRE_A, "发票已上传。")
    await world.service.workflow.decide(ref, SUP_A2, "tolerated", REASON, BOUNDS_OK, [1, 3])
    assert await world.outbox_keys(CADRE_A) == [
        "filing.notify.submitted",
        "filing.notify.accepted",
        "filing.notify.info_requested",
        "filing.notify.info_sent",
        "filing.notify.decided",
    ]
    decided = [t for c, t in await world.outbox() if c == CADRE_A][-1]
    assert "filing.outcome.tolerated" in decided and REASON in decided
    assert "filing.notify.info_answered" in await world.outbox_keys(SUP_A1)


async def test_markup_hook_puts_buttons_on_supervisor_notifications(tmp_path) -> None:
    calls = []

    def markup(purpose, subject, recipient):
        calls.append((purpose, getattr(subject, "ref", None), recipient))
        return {"buttons": [purpose]}

    w = await make_world(tmp_path, markup=markup)
    await w.service.submission.request(CADRE_A, REQUEST, "k")
    assert ("new_request", "RC-2026-000001", SUP_A1) in calls
    rows = await w.storage.db.fetchall("SELECT chat_id, markup FROM outbox WHERE chat_id = ?", (SUP_A1,))
    assert rows[0][1] == '{"buttons": ["new_request"]}'
    await w.storage.close()


# ---- access -----------------------------------------------------------------------------------


async def test_access_rules(world: World) -> None:
    ref = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    for viewer in (CADRE_A, SUP_A1, SUP_A2, ADMIN):
        assert (await world.service.queries.get(ref, viewer)).ref == ref
    for outsider in (CADRE_A2, CADRE_B, SUP_B, 555):
        with pytest.raises(AccessError) as refused:
            await world.service.queries.history(ref, outsider)
        assert refused.value.key == "filing.error.not_found"
    with pytest.raises(AccessError):
        await world.service.workflow.accept(ref, SUP_B)
    with pytest.raises(AccessError):
        await world.service.workflow.withdraw(ref, CADRE_A2)
    assert (await world.service.queries.get(ref, ADMIN)).state == "submitted"


async def test_guessed_references_look_like_missing_ones(world: World) -> None:
    ref = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    errors = []
    for guess in (ref, "RC-2026-000002", "RC-2026-999999", "garbage", "", "FB-2026-000001"):
        with pytest.raises(AccessError) as refused:
            await world.service.queries.history(guess, CADRE_B)
        errors.append((refused.value.key, refused.value.values))
    assert len(set(map(str, errors))) == 1


async def test_typed_reference_is_normalised(world: World) -> None:
    ref = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    assert (await world.service.queries.get(" rc－2026－1 ", CADRE_A)).ref == ref


async def test_cadre_never_sees_internal_notes(world: World) -> None:
    ref = await _accepted(world)
    await world.service.workflow.add_internal_note(ref, SUP_A1, "此人去年有类似情况，需核实。")
    await world.service.workflow.message_cadre(ref, SUP_A1, "已收到，正在核实。")
    cadre_view = await world.service.queries.history(ref, CADRE_A)
    supervisor_view = await world.service.queries.history(ref, SUP_A2)
    assert "note" not in [e.action for e in cadre_view]
    assert all(e.visibility == "cadre" for e in cadre_view)
    assert "note" in [e.action for e in supervisor_view]
    assert all("核实。" not in t or "已收到" in t for c, t in await world.outbox() if c == CADRE_A)
    with pytest.raises(TransitionError):
        await world.service.workflow.add_internal_note(ref, CADRE_A, "我也想写")


async def test_supervisor_cannot_handle_own_filing(world: World) -> None:
    await world.storage.users.upsert(113, "supervisor", (await world.storage.units.by_name("东区")).id, "吴")
    ref = (await world.service.submission.request(113, REQUEST, "k")).filing.ref
    with pytest.raises(TransitionError) as refused:
        await world.service.workflow.accept(ref, 113)
    assert refused.value.key == "filing.error.own_filing"
    assert ref not in [i.filing.ref for i in await world.service.queries.queue(113)]
    await world.service.workflow.accept(ref, SUP_A1)


async def test_queue_is_per_unit_and_oldest_first(world: World) -> None:
    first = (await world.service.submission.request(CADRE_A, REQUEST, "a")).filing.ref
    world.clock.advance(hours=1)
    second = (await world.service.submission.request(CADRE_A2, REQUEST, "b")).filing.ref
    other = (await world.service.submission.request(CADRE_B, REQUEST, "c")).filing.ref
    assert [i.filing.ref for i in await world.service.queries.queue(SUP_A1)] == [first, second]
    assert [i.filing.ref for i in await world.service.queries.queue(SUP_B)] == [other]
    assert len(await world.service.queries.queue(ADMIN)) == 3
    with pytest.raises(AccessError):
        await world.service.queries.queue(CADRE_A)
    world.clock.advance(days=3)
    assert all(i.overdue for i in await world.service.queries.queue(SUP_A1))


# ---- drafts and attachments -------------------------------------------------------------------


async def test_drafts_survive_closing_and_reopening_the_database(tmp_path) -> None:
    w = await make_world(tmp_path)
    await w.service.drafts.save(CADRE_A, "request", "what_happened", {"what_happened": "暴雨"})
    await w.service.drafts.save(CADRE_A, "request", "when_where", {"what_happened": "暴雨", "when_where": "东区"})
    attachment = await w.service.drafts.add_attachment(
        CADRE_A, "request", file_id="AgAC-1", name="发票.jpg", mime="image/jpeg", size=1000
    )
    await w.storage.close()

    storage = await SqliteStorage.open(w.path)
    users = UserService(storage)
    service = make_service(storage, users, w.clock)
    draft = await service.drafts.load(CADRE_A, "request")
    assert draft is not None and draft.step == "when_where"
    assert draft.data == {"what_happened": "暴雨", "when_where": "东区"}
    assert [a.id for a in await service.drafts.attachments(CADRE_A, "request")] == [attachment.id]
    result = await service.submission.request(CADRE_A, {**REQUEST, "evidence": [attachment.id]}, submit_key(draft))
    assert [a.file_id for a in await service.queries.attachments(result.filing.ref, SUP_A1)] == ["AgAC-1"]
    assert await service.drafts.load(CADRE_A, "request") is None  # filed: the draft is gone
    await storage.close()


async def test_discard_draft(world: World) -> None:
    await world.service.drafts.save(CADRE_A, "feedback", "text", {"text": "x"})
    await world.service.drafts.add_attachment(
        CADRE_A, "feedback", file_id="f", name="a.pdf", mime="application/pdf", size=5
    )
    assert await world.service.drafts.discard(CADRE_A, "feedback")
    assert await world.service.drafts.load(CADRE_A, "feedback") is None
    assert await _count(world, "attachments") == 0
    assert not await world.service.drafts.discard(CADRE_A, "feedback")


async def test_attachment_limits(world: World) -> None:
    with pytest.raises(FilingError) as wrong_type:
        await world.service.drafts.add_attachment(
            CADRE_A, "request", file_id="x", name="a.exe", mime="application/x-msdownload", size=10
        )
    assert wrong_type.value.key == "filing.error.file_type"
    with pytest.raises(FilingError) as too_big:
        await world.service.drafts.add_attachment(
            CADRE_A, "request", file_id="x", name="a.jpg", mime="image/jpeg", size=21 * 1024 * 1024
        )
    assert too_big.value.key == "filing.error.file_too_large"
    for i in range(10):
        await world.service.drafts.add_attachment(
            CADRE_A, "request", file_id=f"x{i}", name="a.jpg", mime="image/jpeg", size=1
        )
    with pytest.raises(FilingError) as too_many:
        await world.service.drafts.add_attachment(
            CADRE_A, "request", file_id="y", name="a.jpg", mime="image/jpeg", size=1
        )
    assert too_many.value.key == "filing.error.too_many_files"


async def test_cannot_cite_someone_elses_attachment(world: World) -> None:
    other = await world.service.drafts.add_attachment(
        CADRE_A2, "request", file_id="x", name="a.jpg", mime="image/jpeg", size=1
    )
    with pytest.raises(FilingError) as refused:
        await world.service.submission.request(CADRE_A, {**REQUEST, "evidence": [other.id]}, "k")
    assert refused.value.key == "filing.error.bad_attachment"
    assert await _count(world, "filings") == 0


async def test_idle_draft_reminder_once(world: World) -> None:
    await world.service.drafts.save(CADRE_A, "request", "motive", {})
    assert await world.service.drafts.remind_idle() == []
    world.clock.advance(hours=3)
    assert len(await world.service.drafts.remind_idle()) == 1
    assert await world.service.drafts.remind_idle() == []
    assert await world.outbox_keys(CADRE_A) == ["filing.notify.draft_reminder"]


# ---- flows ------------------------------------------------------------------------------------


async def test_request_flow_and_history(world: World) -> None:
    ref = await _accepted(world)
    world.clock.advance(hours=2)
    await world.service.workflow.request_info(ref, SUP_A1, "请补充购买发票。")
    world.clock.advance(hours=5)
    await world.service.workflow.answer_info(ref, CADRE_A, "发票已上传。")
    filing = await world.service.workflow.decide(
        ref, SUP_A2, "partially_tolerated", REASON, {**BOUNDS_OK, "org_interest": False}, [2]
    )
    assert filing.state == "decided_partial" and filing.outcome == "partially_tolerated"
    assert filing.decided_by == SUP_A2 and filing.decision["distinctions"] == [2]
    history = await world.service.queries.history(ref, CADRE_A)
    assert [(e.action, e.to_state) for e in history] == [
        ("submit", "submitted"),
        ("accept", "accepted"),
        ("request_info", "info_requested"),
        ("answer_info", "accepted"),
        ("decide", "decided_partial"),
    ]
    assert history[2].message == "请补充购买发票。"
    assert [d.state for d in await world.service.queries.deadlines(ref, CADRE_A)] == ["done", "done"]
    with pytest.raises(TransitionError) as refused:
        await world.service.workflow.withdraw(ref, CADRE_A)
    assert refused.value.key == "filing.error.already_decided"
    actions = [e.action for e in await world.storage.audit.all()]
    assert actions[-5:] == [
        "filing.submit",
        "filing.accept",
        "filing.request_info",
        "filing.answer_info",
        "filing.decide",
    ]


async def test_stale_button_changes_nothing(world: World) -> None:
    ref = await _accepted(world)
    before = await _count(world, "filing_events")
    with pytest.raises(TransitionError) as refused:
        await world.service.workflow.accept(ref, SUP_A2)  # the other supervisor pressed the old button
    assert refused.value.key == "filing.error.illegal_transition"
    assert await _count(world, "filing_events") == before


async def test_two_devices_decide_at_once(world: World) -> None:
    ref = await _accepted(world)
    results = await asyncio.gather(
        world.service.workflow.decide(ref, SUP_A1, "tolerated", REASON, BOUNDS_OK),
        world.service.workflow.decide(ref, SUP_A2, "not_tolerated", REASON, BOUNDS_OK),
        return_exceptions=True,
    )
    assert sum(isinstance(r, TransitionError) for r in results) == 1
    assert sum(1 for e in await world.service.queries.history(ref, ADMIN) if e.action == "decide") == 1


async def test_withdraw_before_decision(world: World) -> None:
    ref = await _accepted(world)
    filing = await world.service.workflow.withdraw(ref, CADRE_A, "情况已另行处理")
    assert filing.state == "withdrawn"
    assert "filing.notify.withdrawn_supervisor" in await world.outbox_keys(SUP_A1)
    assert all(d.state == "done" for d in await world.service.queries.deadlines(ref, CADRE_A))
    assert (await world.service.queries.get(ref, SUP_A1)).state == "withdrawn"  # still there, never deleted


async def test_feedback_flow(world: World) -> None:
    body = {"category": "implementation", "text": "上级部署的垃圾分类在老旧小区难以落地。", "urgency": "urgent"}
    ref = (await world.service.submission.feedback(CADRE_A, body, "f")).filing.ref
    assert "filing.notify.new_feedback" in await world.outbox_keys(SUP_A1)
    new = next(t for c, t in await world.outbox() if c == SUP_A1)
    assert "feedback.category.implementation" in new and "feedback.urgency.urgent" in new
    filing = await world.service.workflow.answer_feedback(ref, SUP_A1, "已转交街道城管科研究。")
    assert filing.state == "answered"
    assert [e.action for e in await world.service.queries.history(ref, CADRE_A)] == ["submit", "read", "answer"]
    with pytest.raises(TransitionError):
        await world.service.workflow.forward_feedback(ref, SUP_A1, "再转一次")
    ref2 = (await world.service.submission.feedback(CADRE_A, {**body, "text": "另一条"}, "f2")).filing.ref
    await world.service.workflow.mark_feedback_read(ref2, SUP_A2)
    assert (await world.service.workflow.forward_feedback(ref2, SUP_A2, "转区民政局")).state == "forwarded"
    assert await world.outbox_keys(CADRE_A) == [
        "filing.notify.feedback_submitted",
        "filing.notify.feedback_read",
        "filing.notify.feedback_answered",
        "filing.notify.feedback_submitted",
        "filing.notify.feedback_read",
        "filing.notify.feedback_forwarded",
    ]


async def test_feedback_requires_secondment(world: World) -> None:
    with pytest.raises(FilingError) as refused:
        await world.service.submission.feedback(CADRE_A2, {"category": "situation", "text": "x"}, "f")
    assert refused.value.key == "filing.error.not_seconded"


async def test_my_filings_only_mine(world: World) -> None:
    await world.service.submission.request(CADRE_A, REQUEST, "a")
    await world.service.submission.feedback(CADRE_A, {"category": "situation", "text": "x"}, "b")
    await world.service.submission.request(CADRE_A2, REQUEST, "c")
    assert {f.ref for f in await world.service.queries.mine(CADRE_A)} == {"RC-2026-000001", "FB-2026-000001"}
    assert [f.ref for f in await world.service.queries.mine(CADRE_A2)] == ["RC-2026-000002"]


# ---- pre-registration -------------------------------------------------------------------------


async def test_preregistration_acknowledged_and_cited(world: World) -> None:
    body = {"what": "紧急征用社区活动室安置被困居民", "why_urgent": "暴雨导致一楼进水", "expected_cost": "约500元"}
    result = await world.service.submission.preregister(CADRE_A, body, "p1")
    again = await world.service.submission.preregister(CADRE_A, body, "p1")
    pr = result.preregistration
    assert pr.ref == "PR-2026-000001" and not again.created
    assert await world.outbox_keys(SUP_A1) == ["filing.notify.new_prereg"]
    with pytest.raises(AccessError):
        await world.service.submission.acknowledge_preregistration(pr.ref, SUP_B)
    with pytest.raises(TransitionError):
        await world.service.submission.acknowledge_preregistration(pr.ref, CADRE_A)
    acked = await world.service.submission.acknowledge_preregistration(pr.ref, SUP_A1)
    assert acked.acknowledged_by == SUP_A1
    with pytest.raises(TransitionError) as twice:
        await world.service.submission.acknowledge_preregistration(pr.ref, SUP_A2)
    assert twice.value.key == "filing.error.already_acknowledged"
    assert "filing.notify.prereg_acknowledged" in await world.outbox_keys(CADRE_A)
    assert [p.ref for p in await world.service.queries.my_preregistrations(CADRE_A)] == [pr.ref]
    filing = (await world.service.submission.request(CADRE_A, {**REQUEST, "preregistrations": [pr.ref]}, "k")).filing
    assert filing.body["preregistrations"] == [pr.ref]
    other = (await world.service.submission.preregister(CADRE_A2, body, "p2")).preregistration
    with pytest.raises(FilingError) as foreign:
        await world.service.submission.request(CADRE_A, {**REQUEST, "preregistrations": [other.ref]}, "k2")
    assert foreign.value.key == "filing.error.bad_prereg"


# ---- deadlines --------------------------------------------------------------------------------


async def test_decide_clock_pauses_while_info_is_requested(world: World) -> None:
    ref = await _accepted(world)  # accepted Monday 2 March 09:00 China time
    [accept, decide] = await world.service.queries.deadlines(ref, SUP_A1)
    assert accept.state == "done"
    original_due = decide.due_at
    assert original_due == datetime(2026, 3, 23, 1, 0, tzinfo=UTC)  # 15 working days: Monday 23 March 09:00
    world.clock.advance(days=2)  # Wednesday 09:00: 2 working days used
    await world.service.workflow.request_info(ref, SUP_A1, "请补充。")
    [_, paused] = await world.service.queries.deadlines(ref, SUP_A1)
    assert paused.state == "paused" and paused.working_seconds_left == 13 * DAY
    world.clock.advance(days=7)  # a week passes while the cadre gathers papers
    [_, still] = await world.service.queries.deadlines(ref, SUP_A1)
    assert still.state == "paused" and still.working_seconds_left == 13 * DAY
    assert await world.service.deadlines.overdue(world.clock.now()) == []
    await world.service.workflow.answer_info(ref, CADRE_A, "已补充。")
    [_, resumed] = await world.service.queries.deadlines(ref, SUP_A1)
    assert resumed.state == "open"
    assert resumed.due_at == original_due + timedelta(days=7)  # exactly one paused week later
    assert resumed.working_seconds_left == 13 * DAY


async def test_reminders_and_escalation_are_idempotent(world: World) -> None:
    ref = (await world.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    await world.clear_outbox()
    assert await world.service.deadline_job.run() == type(await world.service.deadline_job.run())()
    world.clock.advance(hours=14)  # 23:00, 10 working hours left of the accept day
    run = await world.service.deadline_job.run()
    assert run.reminded == [f"{ref}:accept"] and run.escalated == []
    assert (await world.service.deadline_job.run()).reminded == []
    assert await world.outbox_keys(SUP_A1) == ["filing.notify.deadline_reminder"]
    world.clock.advance(hours=11)  # Tuesday 10:00: overdue
    run = await world.service.deadline_job.run()
    assert run.escalated == [f"{ref}:accept"]
    assert (await world.service.deadline_job.run()).escalated == []
    assert await world.outbox_keys(ADMIN) == ["filing.notify.deadline_escalation"]
    assert not await world.outbox_keys(SUP_B)
    assert (await world.storage.audit.all())[-1].action == "filing.overdue"
    [status] = await world.service.queries.deadlines(ref, ADMIN)
    assert status.state == "overdue" and status.deadline.escalated_at is not None


async def test_deadlines_survive_a_restart(tmp_path) -> None:
    w = await make_world(tmp_path)
    ref = (await w.service.submission.request(CADRE_A, REQUEST, "k")).filing.ref
    await w.storage.close()
    storage = await SqliteStorage.open(w.path)
    service = make_service(storage, UserService(storage), w.clock)
    assert await service.deadlines.next_due() == (await storage.deadlines.get(ref, "accept")).due_at
    w.clock.advance(days=2)
    assert (await service.deadline_job.run()).escalated == [f"{ref}:accept"]
    await storage.close()


async def test_search(world: World) -> None:
    a = (await world.service.submission.request(CADRE_A, REQUEST, "a")).filing.ref
    world.clock.advance(days=1)
    a2 = (await world.service.submission.request(CADRE_A2, REQUEST, "b")).filing.ref
    b = (await world.service.submission.request(CADRE_B, REQUEST, "c")).filing.ref
    await world.service.workflow.accept(a2, SUP_A1)
    search = world.service.queries.search
    assert [f.ref for f in await search(SUP_A1)] == [a, a2]
    assert [f.ref for f in await search(SUP_A1, cadre_id=CADRE_A2)] == [a2]
    assert [f.ref for f in await search(SUP_A1, state="accepted")] == [a2]
    assert [f.ref for f in await search(SUP_A1, date_to=world.clock.now())] == [a]
    assert [f.ref for f in await search(SUP_A1, ref=a.lower())] == [a]
    assert await search(SUP_A1, ref=b) == []  # another unit's: simply not found
    b_unit = (await world.storage.units.by_name("西区")).id
    assert await search(SUP_A1, unit_id=b_unit) == []
    assert [f.ref for f in await search(ADMIN, unit_id=b_unit)] == [b]
    with pytest.raises(AccessError):
        await search(CADRE_A)


async def test_unit_without_any_supervisor_reaches_the_admins(world: World) -> None:
    unit = await world.storage.units.get_or_create("北区")
    await world.storage.users.upsert(401, "cadre", unit.id, "郑")
    await world.service.submission.request(401, REQUEST, "k")
    assert await world.outbox_keys(ADMIN) == ["filing.notify.new_request"]
    assert not await world.outbox_keys(SUP_A1)


async def test_a_new_draft_never_reuses_a_filed_drafts_key(world: World) -> None:
    # With a stopped clock, id and timestamps alike would repeat if ids were MAX(id)+1.
    keys = set()
    for i in range(3):
        draft = await world.service.drafts.save(CADRE_A, "request", "remedy", dict(REQUEST))
        keys.add(submit_key(draft))
        result = await world.service.submission.request(CADRE_A, {**REQUEST, "remedy": f"第{i}次"}, submit_key(draft))
        assert result.created
    assert len(keys) == 3
    assert len(await world.service.queries.mine(CADRE_A)) == 3
