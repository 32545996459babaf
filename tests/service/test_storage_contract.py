"""Every repository method of every protocol, the same assertions on SQLite and on PostgreSQL (issue #14).

A backend passes when services could not tell which one they talk to: same records, same order,
same answers from compare-and-set and idempotent writes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.protocols import Storage
from storage.records import Role
from storage.records_filings import FilingKind, FilingState, LookbackResult, Outcome

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def _filing(storage: Storage, ref: str = "RC-2026-0001", *, cadre: int = 10, unit: int | None = None):
    filing, created = await storage.filings.create(
        kind=FilingKind.REQUEST,
        ref=ref,
        cadre_id=cadre,
        unit_id=unit,
        state=FilingState.SUBMITTED,
        body={"what": "修路", "n": 1},
        consent_public=True,
        idempotency_key=f"key-{ref}",
        at=T0,
    )
    assert created
    return filing


async def test_units_and_users(storage: Storage) -> None:
    city = await storage.units.get_or_create("市")
    district = await storage.units.get_or_create("区", city.id)
    street = await storage.units.get_or_create("街道", district.id)
    assert await storage.units.get_or_create("区") == district
    assert await storage.units.by_name("区") == district
    assert await storage.units.by_id(street.id) == street
    assert await storage.units.by_name("nowhere") is None
    assert await storage.units.by_id(999) is None
    assert [u.name for u in await storage.units.all()] == ["市", "区", "街道"]
    assert sorted(await storage.units.descendants(city.id)) == sorted([city.id, district.id, street.id])
    assert await storage.units.descendants(street.id) == [street.id]

    big = 7_000_000_000  # Telegram ids outgrow 32 bits
    cadre = await storage.users.upsert(big, Role.CADRE, street.id, "张三")
    assert (cadre.telegram_id, cadre.role, cadre.unit_name, cadre.active, cadre.seconded) == (
        big,
        Role.CADRE,
        "街道",
        True,
        False,
    )
    again = await storage.users.upsert(big, Role.SUPERVISOR, district.id, "", seconded=True)
    assert (again.display_name, again.role, again.unit_id, again.seconded) == (
        "张三",
        Role.SUPERVISOR,
        district.id,
        True,
    )
    await storage.users.upsert(2, Role.CADRE, street.id)
    await storage.users.upsert(3, Role.ADMIN, None)
    assert await storage.users.get(404) is None
    assert [u.telegram_id for u in await storage.users.all()] == [2, 3, big]
    assert [u.telegram_id for u in await storage.users.in_units([street.id, district.id])] == [2, big]
    assert [u.telegram_id for u in await storage.users.in_units([district.id], Role.SUPERVISOR)] == [big]
    assert await storage.users.in_units([]) == []
    await storage.users.set_active(2, False)
    user2 = await storage.users.get(2)
    assert user2 is not None and not user2.active
    assert [u.telegram_id for u in await storage.users.with_role(Role.CADRE)] == []
    assert [u.telegram_id for u in await storage.users.with_role(Role.ADMIN)] == [3]
    assert (await storage.users.upsert(2, Role.CADRE, street.id)).active  # re-registering re-activates


async def test_invites_redeem_once_and_prefs(storage: Storage) -> None:
    unit = await storage.units.get_or_create("区")
    invite = await storage.invites.create("abc123", Role.CADRE, unit.id, 1)
    assert (invite.code, invite.role, invite.unit_name, invite.used_by) == ("abc123", Role.CADRE, "区", None)
    assert invite.expires_at is not None and invite.expires_at > invite.created_at
    assert await storage.invites.get("nope") is None
    redeemed = await storage.invites.redeem("abc123", 42)
    assert redeemed is not None and redeemed.used_by == 42 and redeemed.used_at is not None
    assert await storage.invites.redeem("abc123", 43) is None
    assert await storage.invites.redeem("nope", 43) is None

    assert await storage.prefs.locale(42) is None
    await storage.prefs.set_locale(42, "en")
    await storage.prefs.set_locale(42, "zh")
    assert await storage.prefs.locale(42) == "zh"


async def test_ptb_persistence_and_conversations(storage: Storage) -> None:
    await storage.ptb.save("user", 7_000_000_001, {"名": "张", "n": [1, 2]})
    await storage.ptb.save("user", 5, {"a": 1})
    await storage.ptb.save("user", 5, {"a": 2})
    await storage.ptb.save("bot", 0, {"handled": [1, 2, 3]})  # the update ledger's slot
    assert await storage.ptb.load("user") == {7_000_000_001: {"名": "张", "n": [1, 2]}, 5: {"a": 2}}
    assert await storage.ptb.load("bot") == {0: {"handled": [1, 2, 3]}}
    await storage.ptb.drop("user", 5)
    assert list(await storage.ptb.load("user")) == [7_000_000_001]

    await storage.ptb.save_conversation("filing", (1, 2), "STEP_A")
    await storage.ptb.save_conversation("filing", (1, "x"), 3)
    await storage.ptb.save_conversation("filing", (1, 2), "STEP_B")
    assert await storage.ptb.conversations("filing") == {(1, 2): "STEP_B", (1, "x"): 3}
    await storage.ptb.save_conversation("filing", (1, 2), None)
    assert await storage.ptb.conversations("filing") == {(1, "x"): 3}
    assert await storage.ptb.conversations("other") == {}


async def test_outbox_dedup_pending_sent_failed(storage: Storage) -> None:
    assert await storage.outbox.enqueue(7_000_000_000, "<b>一</b>", None, "k1")
    assert not await storage.outbox.enqueue(1, "again", None, "k1")
    assert await storage.outbox.enqueue(2, "二", '{"inline_keyboard": []}')
    assert await storage.outbox.enqueue(3, "三", None)
    pending = await storage.outbox.pending()
    assert [(m.chat_id, m.text, m.attempts) for m in pending] == [
        (7_000_000_000, "<b>一</b>", 0),
        (2, "二", 0),
        (3, "三", 0),
    ]
    assert pending[1].markup == '{"inline_keyboard": []}'
    assert [m.chat_id for m in await storage.outbox.pending(1)] == [7_000_000_000]
    first, second, third = pending
    await storage.outbox.mark_sent(first.id)
    await storage.outbox.mark_failed(second.id, "network", final=False)
    await storage.outbox.mark_failed(third.id, "blocked", final=True)
    assert [(m.id, m.attempts) for m in await storage.outbox.pending()] == [(second.id, 1)]


async def test_audit_chain_and_anchor(storage: Storage) -> None:
    from bot.ops.audit import verify_storage

    first = await storage.audit.append(1, "user.add", "42", {"role": "cadre", "名": "张"})
    second = await storage.audit.append(None, "filing.submit", "RC-1", {})
    assert (first.id, second.id, second.prev_hash) == (1, 2, first.hash)
    assert first.mac is not None and storage.audit.seal is not None
    assert [e.hash for e in await storage.audit.all()] == [first.hash, second.hash]
    assert await verify_storage(storage) == []
    anchor = storage.audit.seal.read_anchor()
    assert anchor is not None and anchor.entry_id == 2
    await storage.audit.start_anchor()  # an anchored log keeps its anchor
    await storage.audit.reset_anchor()
    assert await verify_storage(storage) == []


async def test_counters(storage: Storage) -> None:
    assert [await storage.counters.next_number("RC", 2026) for _ in range(3)] == [1, 2, 3]
    assert await storage.counters.next_number("RC", 2027) == 1
    assert await storage.counters.next_number("FB", 2026) == 1


async def test_filings_create_get_list_and_idempotency(storage: Storage) -> None:
    unit = await storage.units.get_or_create("区")
    other = await storage.units.get_or_create("别区")
    filing = await _filing(storage, unit=unit.id)
    assert (filing.kind, filing.state, filing.body, filing.consent_public) == (
        FilingKind.REQUEST,
        FilingState.SUBMITTED,
        {"what": "修路", "n": 1},
        True,
    )
    assert filing.created_at == T0 and filing.created_at.tzinfo is not None
    same, created = await storage.filings.create(
        kind="request",
        ref="RC-2026-9999",
        cadre_id=10,
        unit_id=unit.id,
        state="submitted",
        body={},
        consent_public=False,
        idempotency_key="key-RC-2026-0001",
        at=T0,
    )
    assert not created and same == filing
    assert await storage.filings.get("RC-2026-9999") is None
    assert await storage.filings.get(filing.ref) == filing
    assert await storage.filings.by_key("key-RC-2026-0001") == filing
    assert await storage.filings.by_key("none") is None

    later, _ = await storage.filings.create(
        kind="feedback",
        ref="FB-2026-0001",
        cadre_id=10,
        unit_id=other.id,
        state="submitted",
        body={},
        consent_public=False,
        idempotency_key="fb1",
        at=T0 + timedelta(hours=1),
    )
    assert [f.ref for f in await storage.filings.by_cadre(10)] == ["FB-2026-0001", filing.ref]
    assert [f.ref for f in await storage.filings.by_cadre(10, "request")] == [filing.ref]
    assert await storage.filings.by_cadre(11) == []
    assert [f.ref for f in await storage.filings.by_units(None)] == [filing.ref, later.ref]
    assert [f.ref for f in await storage.filings.by_units([unit.id])] == [filing.ref]
    assert await storage.filings.by_units([]) == []
    assert await storage.filings.by_units(None, []) == []
    assert [f.ref for f in await storage.filings.by_units(None, [FilingState.SUBMITTED], FilingKind.FEEDBACK)] == [
        later.ref
    ]
    assert [f.ref for f in await storage.filings.by_state([FilingState.SUBMITTED], FilingKind.REQUEST)] == [filing.ref]


async def test_filing_state_compare_and_set_and_history(storage: Storage) -> None:
    filing = await _filing(storage)
    at = T0 + timedelta(days=1)
    assert await storage.filings.update_state(filing.ref, "submitted", "accepted", at)
    assert not await storage.filings.update_state(filing.ref, "submitted", "accepted", at)  # another device won
    decision = {"outcome": "tolerated", "reason": "依规"}
    decided_at = T0 + timedelta(days=3)
    assert await storage.filings.update_state(
        filing.ref, FilingState.ACCEPTED, FilingState.DECIDED_TOLERATED, decided_at, decision=decision, decided_by=5
    )
    got = await storage.filings.get(filing.ref)
    assert got is not None
    assert (got.state, got.outcome, got.decision, got.decided_by, got.decided_at, got.updated_at) == (
        FilingState.DECIDED_TOLERATED,
        Outcome.TOLERATED,
        decision,
        5,
        decided_at,
        decided_at,
    )
    states = [FilingState.DECIDED_TOLERATED]
    assert [f.ref for f in await storage.filings.decided_between(T0, T0 + timedelta(days=4), states)] == [filing.ref]
    assert await storage.filings.decided_between(T0, decided_at, states) == []
    assert await storage.filings.decided_between(T0, T0 + timedelta(days=4), []) == []

    submitted = await storage.filings.append_event(
        filing.ref, at=T0, actor=10, actor_role="cadre", action="submit", visibility="cadre", to_state="submitted"
    )
    await storage.filings.append_event(
        filing.ref,
        at=at,
        actor=5,
        actor_role="supervisor",
        action="note",
        visibility="internal",
        message="内部",
        payload={"x": 1},
    )
    await storage.filings.append_event(
        filing.ref, at=at, actor=5, actor_role="supervisor", action="note", visibility="cadre"
    )
    assert (submitted.filing_ref, submitted.at, submitted.payload, submitted.to_state) == (
        filing.ref,
        T0,
        {},
        "submitted",
    )
    events = await storage.filings.events(filing.ref)
    assert [(e.action, e.visibility, e.payload) for e in events] == [
        ("submit", "cadre", {}),
        ("note", "internal", {"x": 1}),
        ("note", "cadre", {}),
    ]
    assert [e.action for e in await storage.filings.events(filing.ref, "cadre")] == ["submit", "note"]
    firsts = await storage.filings.first_events(["note", "submit"])
    assert [(e.action, e.id) for e in firsts] == [("submit", events[0].id), ("note", events[1].id)]
    assert await storage.filings.first_events([]) == []


async def test_drafts_and_attachments(storage: Storage) -> None:
    draft = await storage.drafts.save(10, "request", "what", {"what": "修"}, T0)
    again = await storage.drafts.save(10, "request", "why", {"what": "修", "why": "急"}, T0 + timedelta(minutes=5))
    assert again.id == draft.id and (again.step, again.data, again.created_at) == (
        "why",
        {"what": "修", "why": "急"},
        T0,
    )
    feedback = await storage.drafts.save(10, "feedback", "text", {}, T0 + timedelta(minutes=1))
    assert feedback.id != draft.id
    assert await storage.drafts.load(10, "prereg") is None
    assert [d.kind for d in await storage.drafts.of_user(10)] == ["request", "feedback"]
    assert [d.id for d in await storage.drafts.idle(T0 + timedelta(minutes=2))] == [feedback.id]
    await storage.drafts.mark_reminded(feedback.id, T0 + timedelta(minutes=3))
    reminded = await storage.drafts.load(10, "feedback")
    assert reminded is not None and reminded.reminded_at == T0 + timedelta(minutes=3)
    assert await storage.drafts.idle(T0 + timedelta(minutes=2)) == []

    one = await storage.attachments.add(
        owner_id=10,
        file_id="F1",
        name="a.pdf",
        mime="application/pdf",
        size=3,
        at=T0,
        draft_id=draft.id,
        file_unique_id="U1",
    )
    two = await storage.attachments.add(
        owner_id=10, file_id="F2", name="b.jpg", mime="image/jpeg", size=4, at=T0, draft_id=draft.id
    )
    stray = await storage.attachments.add(
        owner_id=10, file_id="F3", name="c", mime="", size=0, at=T0, draft_id=feedback.id
    )
    assert await storage.attachments.get(one.id) == one and one.added_at == T0 and one.file_unique_id == "U1"
    assert await storage.attachments.get(999) is None
    assert [a.id for a in await storage.attachments.of_draft(draft.id)] == [one.id, two.id]
    filing = await _filing(storage)
    assert await storage.attachments.link([one.id, two.id], 99, filing.ref) == 0  # not the owner
    assert await storage.attachments.link([], 10, filing.ref) == 0
    assert await storage.attachments.link([one.id, two.id], 10, filing.ref) == 2
    assert await storage.attachments.of_draft(draft.id) == []
    assert [a.id for a in await storage.attachments.of_filing(filing.ref)] == [one.id, two.id]
    assert await storage.attachments.counts() == {filing.ref: 2}

    assert await storage.drafts.delete(10, "feedback")
    assert not await storage.drafts.delete(10, "feedback")
    assert await storage.attachments.get(stray.id) is None  # the unfiled attachment went with its draft
    assert await storage.drafts.delete(10, "request")
    assert await storage.attachments.get(one.id) is not None  # a filing's attachments stay
    fresh = await storage.drafts.save(10, "request", "what", {}, T0)
    assert fresh.id not in (draft.id, feedback.id)  # ids never come back


async def test_preregistrations(storage: Storage) -> None:
    async def create(ref: str, key: str, at: datetime = T0):
        return await storage.preregs.create(
            ref=ref,
            cadre_id=10,
            unit_id=None,
            what="封路",
            why_urgent="暴雨",
            expected_cost="1万",
            idempotency_key=key,
            at=at,
        )

    prereg, created = await create("PR-2026-0001", "p1")
    assert created and prereg.created_at == T0 and prereg.acknowledged_at is None
    same, created = await create("PR-2026-0002", "p1")
    assert not created and same == prereg
    second, _ = await create("PR-2026-0003", "p2", T0 + timedelta(1))
    assert await storage.preregs.get("PR-2026-0002") is None
    assert await storage.preregs.by_key("p2") == second
    assert await storage.preregs.by_key("zz") is None
    assert [p.ref for p in await storage.preregs.by_cadre(10)] == ["PR-2026-0003", "PR-2026-0001"]
    assert await storage.preregs.acknowledge(prereg.ref, 5, T0 + timedelta(hours=1))
    assert not await storage.preregs.acknowledge(prereg.ref, 6, T0 + timedelta(hours=2))
    got = await storage.preregs.get(prereg.ref)
    assert got is not None and (got.acknowledged_by, got.acknowledged_at) == (5, T0 + timedelta(hours=1))
    unit = await storage.units.get_or_create("东区")
    placed, _ = await storage.preregs.create(
        ref="PR-2026-0004",
        cadre_id=11,
        unit_id=unit.id,
        what="临时封路",
        why_urgent="塌方",
        expected_cost="无",
        idempotency_key="p4",
        at=T0 + timedelta(2),
    )
    everything = ["PR-2026-0001", "PR-2026-0003", "PR-2026-0004"]  # oldest first
    assert [p.ref for p in await storage.preregs.by_units(None)] == everything
    assert [p.ref for p in await storage.preregs.by_units([unit.id])] == [placed.ref]
    assert await storage.preregs.by_units([]) == []
    assert [p.ref for p in await storage.preregs.by_units(None, acknowledged=True)] == [prereg.ref]
    assert [p.ref for p in await storage.preregs.by_units(None, acknowledged=False)] == everything[1:]


async def test_deadlines(storage: Storage) -> None:
    filing = await _filing(storage)
    other = await _filing(storage, "RC-2026-0002")
    accept = await storage.deadlines.start(filing.ref, "accept", T0, T0 + timedelta(days=1))
    assert await storage.deadlines.start(filing.ref, "accept", T0 + timedelta(1), T0 + timedelta(9)) == accept
    decide = await storage.deadlines.start(filing.ref, "decide", T0, T0 + timedelta(days=15))
    early = await storage.deadlines.start(other.ref, "accept", T0, T0 + timedelta(hours=2))
    assert await storage.deadlines.get(filing.ref, "decide") == decide
    assert await storage.deadlines.get(other.ref, "decide") is None
    assert [d.kind for d in await storage.deadlines.of_filing(filing.ref)] == ["accept", "decide"]
    assert [d.id for d in await storage.deadlines.open()] == [early.id, accept.id, decide.id]
    await storage.deadlines.update(decide.id, paused_at=T0 + timedelta(hours=1), remaining_seconds=3600)
    await storage.deadlines.update(accept.id, done_at=T0 + timedelta(hours=3))
    await storage.deadlines.update(accept.id)
    assert [d.id for d in await storage.deadlines.open()] == [early.id]
    paused = await storage.deadlines.get(filing.ref, "decide")
    assert paused is not None and (paused.paused_at, paused.remaining_seconds) == (T0 + timedelta(hours=1), 3600)
    assert await storage.deadlines.mark(early.id, "reminded_at", T0)
    assert not await storage.deadlines.mark(early.id, "reminded_at", T0 + timedelta(1))
    assert await storage.deadlines.mark(early.id, "escalated_at", T0)
    assert len(await storage.deadlines.all()) == 3


async def test_lookbacks(storage: Storage) -> None:
    filing = await _filing(storage)
    other = await _filing(storage, "RC-2026-0002")
    run = await storage.lookbacks.create_run(
        at=T0, created_by=5, period_from=T0 - timedelta(30), period_to=T0, share=0.1, seed=7_000_000_000, population=2
    )
    assert (run.created_at, run.share, run.seed) == (T0, 0.1, 7_000_000_000)
    item = await storage.lookbacks.add_item(run.id, filing.ref, 5, "tolerated", 6)
    second = await storage.lookbacks.add_item(run.id, other.ref, 5, None, 7)
    assert (item.original_outcome, item.reviewer_id, item.result) == (Outcome.TOLERATED, 6, None)
    assert await storage.lookbacks.item(item.id) == item
    assert await storage.lookbacks.item(999) is None
    assert [i.id for i in await storage.lookbacks.items(run.id)] == [item.id, second.id]
    assert [i.id for i in await storage.lookbacks.items(reviewer_id=7)] == [second.id]
    assert await storage.lookbacks.update_item(
        item.id, result="corrected", new_outcome="not_tolerated", note="复核", reviewed_at=T0 + timedelta(1)
    )
    assert not await storage.lookbacks.update_item(item.id, result="confirmed")
    done = await storage.lookbacks.item(item.id)
    assert done is not None and (done.result, done.new_outcome, done.reviewed_at) == (
        LookbackResult.CORRECTED,
        Outcome.NOT_TOLERATED,
        T0 + timedelta(1),
    )
    assert [i.id for i in await storage.lookbacks.items(open_only=True)] == [second.id]
    assert [i.id for i in await storage.lookbacks.items_for(filing.ref)] == [item.id]
    assert [r.id for r in await storage.lookbacks.runs()] == [run.id]


async def test_kb_versions_and_clearing_notes(storage: Storage) -> None:
    assert await storage.kb_versions.latest() is None and await storage.kb_versions.latest_id() is None
    v1 = await storage.kb_versions.add("cases: []", 1, "初版")
    v2 = await storage.kb_versions.add("cases: [1]", None, "")
    assert await storage.kb_versions.latest() == v2 and await storage.kb_versions.latest_id() == v2.id
    assert await storage.kb_versions.get(v1.id) == v1 and await storage.kb_versions.get(999) is None
    assert [(v.id, v.content) for v in await storage.kb_versions.history()] == [(v2.id, ""), (v1.id, "")]
    assert [v.id for v in await storage.kb_versions.history(1)] == [v2.id]
    staged = await storage.kb_versions.stage(1, v2.id, "cases: [2]", "改")
    again = await storage.kb_versions.stage(1, v2.id, "cases: [3]", "")
    got = await storage.kb_versions.staged(staged)
    assert got is not None and (got.base_version, got.applied_version, got.discarded) == (v2.id, None, 0)
    assert await storage.kb_versions.staged(999) is None
    assert await storage.kb_versions.close_staged(staged, v2.id)
    assert not await storage.kb_versions.close_staged(staged, None)
    assert await storage.kb_versions.close_staged(again, None)
    discarded = await storage.kb_versions.staged(again)
    assert discarded is not None and discarded.discarded == 1

    unit = await storage.units.get_or_create("区")
    await storage.users.upsert(10, Role.CADRE, unit.id)
    note_id = await storage.clearing_notes.add(10, unit.id, "澄清正名", 5)
    notes = await storage.clearing_notes.all()
    assert [(n.id, n.unit_name, n.note, n.issued_by) for n in notes] == [(note_id, "区", "澄清正名", 5)]
