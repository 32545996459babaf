"""Look-back: a seeded sample, a reviewer other than the decider, confirmation and correction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.filing.errors import AccessError, FilingError, TransitionError
from bot.filing.lookback import LookbackPolicy, LookbackService
from tests.support.world import (
    ADMIN,
    BOUNDS_OK,
    CADRE_A,
    CADRE_A2,
    CADRE_B,
    REASON,
    REQUEST,
    START,
    SUP_A1,
    SUP_A2,
    SUP_B,
    World,
)


async def _decided(world: World, cadre: int, decider: int, key: str, outcome: str = "not_tolerated") -> str:
    ref = (await world.service.submission.request(cadre, REQUEST, key)).filing.ref
    await world.service.workflow.accept(ref, decider)
    await world.service.workflow.decide(ref, decider, outcome, REASON, BOUNDS_OK)
    return ref


async def test_sample_is_seeded_and_reviewers_differ_from_deciders(world: World) -> None:
    refs = []
    for i in range(6):
        refs.append(await _decided(world, CADRE_A if i % 2 else CADRE_A2, SUP_A1 if i < 4 else SUP_A2, f"a{i}"))
    refs.append(await _decided(world, CADRE_B, SUP_B, "b"))
    lookback = LookbackService(world.service, LookbackPolicy(share=0.5))
    end = START + timedelta(days=1)
    run, items = await lookback.draw(ADMIN, START, end, seed=42)
    assert run.population == 7 and len(items) == 4 and run.seed == 42
    for item in items:
        filing = await world.service.queries.get(item.filing_ref, ADMIN)
        assert item.original_decider == filing.decided_by
        assert item.reviewer_id is not None and item.reviewer_id != filing.decided_by
        assert item.reviewer_id != filing.cadre_id
        assert "lookback.notify.assigned" in await world.outbox_keys(item.reviewer_id)
    # The same seed over the same population draws the same sample.
    await world.storage.db.execute("UPDATE lookback_items SET result = 'confirmed'")
    _, again = await lookback.draw(ADMIN, START, end, seed=42)
    assert [i.filing_ref for i in again] == [i.filing_ref for i in items]
    assert (await world.storage.audit.all())[-1].action == "lookback.draw"


async def test_unit_with_one_supervisor_falls_back_to_admin(world: World) -> None:
    ref = await _decided(world, CADRE_B, SUP_B, "b")
    _, [item] = await LookbackService(world.service).draw(ADMIN, START, START + timedelta(days=1), seed=1)
    assert item.filing_ref == ref and item.reviewer_id == ADMIN


async def test_supervisor_draws_only_own_units(world: World) -> None:
    await _decided(world, CADRE_A, SUP_A1, "a")
    await _decided(world, CADRE_B, SUP_B, "b")
    run, items = await LookbackService(world.service, LookbackPolicy(share=1)).draw(
        SUP_A2, START, START + timedelta(days=1), seed=3
    )
    assert run.population == 1 and [i.reviewer_id for i in items] == [SUP_A2]
    with pytest.raises(AccessError):
        await LookbackService(world.service).draw(CADRE_A, START, START + timedelta(days=1))


async def test_correction_records_new_decision_and_clearing_note(world: World) -> None:
    ref = await _decided(world, CADRE_A, SUP_A1, "a", "not_tolerated")
    lookback = LookbackService(world.service, LookbackPolicy(share=1))
    _, [item] = await lookback.draw(ADMIN, START, START + timedelta(days=1), seed=7)
    assert item.reviewer_id == SUP_A2
    with pytest.raises(TransitionError) as same:
        await lookback.confirm(item.id, SUP_A1)
    assert same.value.key == "lookback.error.same_reviewer"
    with pytest.raises(AccessError):
        await lookback.confirm(item.id, SUP_B)
    note = "经回头看复查，该同志系为群众利益紧急处置，原认定有误，予以澄清正名。"
    reviewed = await lookback.correct(
        item.id,
        SUP_A2,
        outcome="tolerated",
        reason=REASON,
        boundaries=BOUNDS_OK,
        distinctions=[1, 2],
        clearing_note=note,
    )
    assert reviewed.result == "corrected" and reviewed.new_outcome == "tolerated"
    assert reviewed.clearing_note == note and reviewed.reviewer_id == SUP_A2
    filing = await world.service.queries.get(ref, CADRE_A)
    assert filing.state == "corrected" and filing.outcome == "tolerated" and filing.decided_by == SUP_A2
    assert filing.decision["clearing_note"] == note and filing.decision["corrects"] == "not_tolerated"
    history = await world.service.queries.history(ref, CADRE_A)
    assert [e.action for e in history][-2:] == ["decide", "correct"]
    assert history[-2].payload["decision"]["outcome"] == "not_tolerated"  # the old decision stays in history
    corrected = [t for c, t in await world.outbox() if c == CADRE_A][-1]
    assert corrected.startswith("filing.notify.corrected|") and note in corrected
    with pytest.raises(TransitionError) as twice:
        await lookback.confirm(item.id, SUP_A2)
    assert twice.value.key == "lookback.error.already_reviewed"
    assert await lookback.correction_rate() == (1, 1)
    assert [e.action for e in await world.storage.audit.all()][-2:] == ["filing.correct", "lookback.corrected"]


async def test_confirmation(world: World) -> None:
    ref = await _decided(world, CADRE_A, SUP_A1, "a", "tolerated")
    lookback = LookbackService(world.service, LookbackPolicy(share=1))
    _, [item] = await lookback.draw(ADMIN, START, START + timedelta(days=1), seed=7)
    assert await lookback.assigned_to(SUP_A2) == [item]
    reviewed = await lookback.confirm(item.id, SUP_A2, "认定准确。")
    assert reviewed.result == "confirmed"
    assert (await world.service.queries.get(ref, ADMIN)).state == "confirmed"
    assert "filing.notify.confirmed" in await world.outbox_keys(CADRE_A)
    assert await lookback.assigned_to(SUP_A2) == []
    # A filing under review is not drawn again; a reviewed one can be.
    _, items = await lookback.draw(ADMIN, START, START + timedelta(days=1), seed=8)
    assert items == []  # confirmed is no longer "decided_*"


async def test_period_and_parameters(world: World) -> None:
    await _decided(world, CADRE_A, SUP_A1, "a")
    lookback = LookbackService(world.service)
    _, items = await lookback.draw(ADMIN, START + timedelta(days=1), START + timedelta(days=2), seed=1)
    assert items == []
    with pytest.raises(FilingError):
        await lookback.draw(ADMIN, START, START + timedelta(days=1), share=0)


async def test_admin_reassigns_an_open_item(world: World) -> None:
    await _decided(world, CADRE_A, SUP_A1, "a")
    lookback = LookbackService(world.service, LookbackPolicy(share=1))
    _, [item] = await lookback.draw(ADMIN, START, START + timedelta(days=1), seed=7)
    with pytest.raises(AccessError):
        await lookback.assign(item.id, SUP_A2, SUP_A2)
    with pytest.raises(TransitionError) as decider:
        await lookback.assign(item.id, SUP_A1, ADMIN)
    assert decider.value.key == "lookback.error.same_reviewer"
    moved = await lookback.assign(item.id, ADMIN, ADMIN)
    assert moved.reviewer_id == ADMIN
    with pytest.raises(AccessError):
        await lookback.confirm(item.id, SUP_A2)
    assert (await lookback.confirm(item.id, ADMIN)).result == "confirmed"
