"""One realistic March 2026 in two units (东区, 西区), built through FilingService with a manual clock.

Decisions of all three outcomes over several weeks, an information round-trip, a withdrawal, a late
decision, an overdue request, feedback, and a look-back that confirms one decision and corrects
another with a clearing note. The statistics, exports and digest tests read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.filing.lookback import LookbackPolicy, LookbackService
from bot.filing.workdays import WorkCalendar
from bot.runtime.cli import COMMANDS
from bot.runtime.cli import parser as build_parser
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
)

CAL = WorkCalendar.from_yaml()
MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)  # Wednesday 1 April, 09:00 in China
PHONE, ID_NUMBER = "13812345678", "110101199003071234"
PUBLIC_TEXT = f"张三在暴雨夜紧急采购抽水泵，联系电话{PHONE}，身份证{ID_NUMBER}。"
SECRET_TEXT = "李四私下说明的家庭困难细节，不得公开。"
CLEARING = "经回头看复查，王五同志系为群众利益紧急处置，原认定有误，予以澄清正名。"


def china(day: int, hour: int, month: int = 3) -> datetime:
    """A moment of March 2026 given in China time."""
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour - 8)


@dataclass
class Scenario:
    world: World
    refs: dict[str, str]
    east: int
    west: int


async def build_scenario(world: World) -> Scenario:
    s, clock = world.service, world.clock
    refs: dict[str, str] = {}

    async def submit(name: str, cadre: int, at: datetime, **extra) -> str:
        clock.set(at)
        refs[name] = (await s.submission.request(cadre, {**REQUEST, **extra}, f"key-{name}")).filing.ref
        return refs[name]

    async def decide(name: str, who: int, outcome: str, at: datetime) -> None:
        clock.set(at)
        await s.workflow.decide(refs[name], who, outcome, REASON, BOUNDS_OK)

    clock.set(china(2, 8))
    evidence = await s.drafts.add_attachment(CADRE_A, "request", file_id="f1", name="a.jpg", mime="image/jpeg", size=10)
    r1 = await submit(
        "r1",
        CADRE_A,
        china(2, 9),
        what_happened=PUBLIC_TEXT,
        consent_public=True,
        cited_cases=["C001", "C002"],
        evidence=[evidence.id],
    )
    await s.workflow.accept(r1, SUP_A1)
    r2 = await submit("r2", CADRE_A2, china(2, 10), what_happened=SECRET_TEXT)
    await s.workflow.accept(r2, SUP_A1)
    clock.set(china(2, 11))
    refs["fb1"] = (await s.submission.feedback(CADRE_A, {"category": "problems", "text": "反馈内容"}, "fb1")).filing.ref
    clock.set(china(3, 11))
    await s.workflow.answer_feedback(refs["fb1"], SUP_A1, "已收到，正在研究。")
    await decide("r1", SUP_A1, "tolerated", china(4, 9))  # 2 working days
    r3 = await submit("r3", CADRE_B, china(6, 9))
    await s.workflow.accept(r3, SUP_B)
    await decide("r2", SUP_A2, "partially_tolerated", china(6, 10))  # 4 working days
    await decide("r3", SUP_B, "not_tolerated", china(9, 9))  # Fri 09:00 → Mon 09:00: 1 working day, 3 days
    r4 = await submit("r4", CADRE_A, china(9, 9))
    r5 = await submit("r5", CADRE_A2, china(9, 9))
    clock.set(china(9, 10))
    await s.workflow.accept(r4, SUP_A1)
    await s.workflow.accept(r5, SUP_A1)
    clock.set(china(9, 11))
    await s.workflow.request_info(r4, SUP_A1, "请补充采购凭证。")
    clock.set(china(10, 11))
    await s.workflow.answer_info(r4, CADRE_A, "凭证已补充，见附件说明。")
    await decide("r4", SUP_A2, "tolerated", china(12, 9))  # 3 working days, the info round-trip included
    r7 = await submit("r7", CADRE_A, china(13, 9))
    clock.set(china(13, 10))
    await s.workflow.withdraw(r7, CADRE_A)

    clock.set(china(16, 9))
    lookback = LookbackService(s, LookbackPolicy(share=1))
    _, items = await lookback.draw(ADMIN, china(2, 0), china(14, 0), seed=5)
    item = {i.filing_ref: i for i in items}
    assert item[r1].reviewer_id == SUP_A2 and item[r3].reviewer_id == ADMIN
    await lookback.confirm(item[r1].id, SUP_A2, "认定准确。")
    clock.set(china(17, 9))
    await lookback.correct(
        item[r3].id, ADMIN, outcome="tolerated", reason=REASON, boundaries=BOUNDS_OK, clearing_note=CLEARING
    )
    await world.storage.db.execute(
        "INSERT INTO clearing_notes (cadre_id, unit_id, note, issued_by, issued_at) VALUES (?, ?, ?, ?, ?)",
        (
            CADRE_A2,
            await _unit_id(world, "东区"),
            "经查，对李四（电话 139 1234 5678）的举报不实，特此澄清。",
            SUP_A1,
            "2026-03-20T02:00:00.000Z",
        ),
    )
    await submit("r6", CADRE_B, china(30, 9))  # nobody accepts: overdue from Tue 31 March 09:00
    clock.set(china(30, 10))
    refs["fb2"] = (
        await s.submission.feedback(CADRE_B, {"category": "situation", "text": "情况说明"}, "fb2")
    ).filing.ref
    await decide("r5", SUP_A1, "not_tolerated", china(31, 10))  # due 30 March 10:00: late
    east = await _unit_id(world, "东区")
    west = await _unit_id(world, "西区")
    return Scenario(world, refs, east, west)


async def run_command(settings, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return await COMMANDS[args.command](settings, args)


async def _unit_id(world: World, name: str) -> int:
    unit = await world.storage.units.by_name(name)
    assert unit is not None, name
    return unit.id
