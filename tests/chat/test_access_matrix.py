"""Who may do what: every command and every callback namespace, by every kind of user, with forged
callback data and guessed reference numbers. Only what the role allows changes anything; a refusal
leaks nothing (no other user's words, no names, no traceback); a flooding user is slowed while
others are answered; the bot token never reaches the logs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.filing import states
from bot.i18n import Catalogue
from bot.kb.service import KnowledgeService
from bot.runtime.local_chat import LocalChat
from tests.support.flows import ADMIN, texts

OWNER, SUP, SUP_B, CADRE_B, GONE, PEER, STRANGER = 2, 3, 4, 5, 6, 8, 90
ROLES = {
    "unregistered": STRANGER,
    "cadre": PEER,  # a cadre of the owner's unit, not the owner
    "cadre_other_unit": CADRE_B,
    "supervisor_other_unit": SUP_B,
    "deactivated": GONE,  # was a supervisor of the owner's unit
    "supervisor": SUP,
    "admin": ADMIN,
    "owner": OWNER,
}
NAME = "王小明"
SECRETS = ("一千份蔬菜包", "三个月没更新", "两台发电机", NAME, "Traceback", 'File "')
GENERIC_ERROR = ("刚才出了点问题", "something went wrong")
TABLES = (
    "users",
    "invites",
    "drafts",
    "attachments",
    "filings",
    "filing_events",
    "preregistrations",
    "kb_versions",
    "kb_staged",
    "lookback_runs",
    "lookback_items",
    "clearing_notes",
    "audit_log",
    "outbox",
)
NOTE = "内部核查意见：价格差异约百分之五，属于合理范围"


@dataclass
class World:
    chat: LocalChat
    rc: str = ""
    fb: str = ""
    pr: str = ""
    rc_b: str = ""
    staged: int = 0
    item: int = 0
    refs: dict[str, str] = field(default_factory=dict)


async def build_world(chat: LocalChat) -> World:
    users = chat.services.users
    await users.add(OWNER, "cadre", "甲社区", display_name=NAME, seconded=True)
    await users.add(PEER, "cadre", "甲社区", display_name="李四")
    await users.add(SUP, "supervisor", "甲社区", display_name="张主任")
    await users.add(GONE, "supervisor", "甲社区", display_name="赵前任")
    await users.add(SUP_B, "supervisor", "乙社区", display_name="钱主任")
    await users.add(CADRE_B, "cadre", "乙社区", display_name="孙五")
    await users.deactivate(GONE, actor=None)
    service = chat.services.filings
    rc = await service.submission.request(
        OWNER,
        {
            "what_happened": "封控当晚没走招标，直接找超市订了一千份蔬菜包",
            "when_where": "3月5日晚，某小区",
            "consequences": "单价偏高，多花约两千元",
            "motive": "居民第二天就要断菜",
            "remedy": "已补签合同并验收入账",
            "consent_public": False,
        },
        "matrix-rc",
    )
    fb = await service.submission.feedback(
        OWNER,
        {"category": "problems", "text": "独居老人名单三个月没更新", "urgency": "urgent", "consent_public": False},
        "matrix-fb",
    )
    pr = await service.submission.preregister(
        OWNER, {"what": "未比价紧急采购两台发电机", "why_urgent": "暴雨停电", "expected_cost": "约两万元"}, "matrix-pr"
    )
    rc_b = await service.submission.request(
        CADRE_B,
        {
            "what_happened": "乙社区临时租用客车转运群众",
            "when_where": "7月1日",
            "consequences": "超预算三千元",
            "motive": "洪水围困",
            "remedy": "已报区里备案",
            "consent_public": False,
        },
        "matrix-rcb",
    )
    world = World(chat, rc.filing.ref, fb.filing.ref, pr.preregistration.ref, rc_b.filing.ref)
    # An upload the admin staged and has not confirmed yet.
    kb = chat.services.knowledge.current.kb
    from bot.kb import admin as kb_admin

    world.staged, _ = await chat.services.kb_admin.stage(
        ADMIN, kb_admin.replace(kb, "faq", list(kb.faq)[:-1]), "matrix: drop one FAQ entry"
    )
    await chat.settle()
    chat.api.log.clear()
    return world


async def dump(chat: LocalChat) -> dict[str, list[tuple]]:
    db = chat.services.storage.db
    return {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY rowid")] for t in TABLES}


def clean(chat: LocalChat, out: list) -> str:
    shown = texts(out)
    assert not any(e in shown for e in GENERIC_ERROR), shown[:300]
    refusals = [r for r in chat.api.refusals if "not modified" not in r[1]]
    chat.api.refusals.clear()
    assert refusals == [], refusals
    return shown


def assert_no_leak(shown: str, *, also: tuple[str, ...] = ()) -> None:
    for secret in (*SECRETS, *also):
        assert secret not in shown, f"{secret!r} leaked: {shown[:300]}"


@pytest.fixture
async def world(chat: LocalChat) -> World:
    return await build_world(chat)


# -- commands ----------------------------------------------------------------------------------------
REGISTERED = {"cadre", "cadre_other_unit", "supervisor_other_unit", "supervisor", "admin", "owner"}
FILERS = {"cadre", "cadre_other_unit", "supervisor_other_unit", "supervisor", "owner"}
SUPERVISING = {"supervisor_other_unit", "supervisor", "admin"}
EVERYONE = set(ROLES)
COMMANDS: list[tuple[str, set[str]]] = [
    ("/start", EVERYONE - {"deactivated"}),
    ("/help", EVERYONE - {"deactivated"}),
    ("/boundaries", EVERYONE),
    ("/lang", EVERYONE),
    ("/ask 紧急采购没走招标怎么办", REGISTERED | {"unregistered"}),  # procedural answers are public
    ("/cases 紧急采购", REGISTERED),
    ("/check", REGISTERED),
    ("/my", REGISTERED),
    ("/apply", FILERS),
    ("/report", FILERS),
    ("/resume", FILERS),
    ("/feedback", {"owner"}),  # only seconded cadres
    ("/queue", SUPERVISING),
    ("/lookback", SUPERVISING),
    ("/search 甲社区", SUPERVISING),
    ("/view {rc}", SUPERVISING),
    ("/view {fb}", SUPERVISING),
    ("/clear {owner}", SUPERVISING),
    ("/invite cadre 甲社区", {"admin"}),
    ("/users", {"admin"}),
    ("/kb", {"admin"}),
    ("/kb history", {"admin"}),
    ("/draftcase {rc}", {"admin"}),
    ("封控当晚采购蔬菜包没有招标", REGISTERED | {"unregistered"}),  # answered; cases would not be shown
]
_ZH = Catalogue("zh")
REFUSAL = {"unregistered": _ZH.t("zh", "common.not_registered"), "deactivated": _ZH.t("zh", "common.deactivated")}
NOT_ALLOWED = (_ZH.t("zh", "common.not_allowed"), _ZH.t("zh", "filing.error.not_seconded"))
# What an allowed role may see: supervisors of the owner's unit and admins see the owner's filing.
SEES_OWNER = {"supervisor", "admin", "owner"}


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_command_by_every_role(world: World, role: str) -> None:
    chat, actor = world.chat, ROLES[role]
    for template, allowed in COMMANDS:
        text = template.format(rc=world.rc, fb=world.fb, owner=OWNER)
        before = await dump(chat)
        out = await chat.send(actor, text)
        shown = clean(chat, out)
        mine = texts(out, actor)
        assert out, f"{text} by {role}: silence"
        if role in allowed:
            assert not any(r in mine for r in (*REFUSAL.values(), *NOT_ALLOWED)), f"{text} refused for {role}: {mine}"
        else:
            expected = REFUSAL.get(role)
            assert (expected in mine) if expected else any(r in mine for r in NOT_ALLOWED), (text, role, mine)
            assert await dump(chat) == before, f"{text} by {role} (refused) changed the database"
        if role not in SEES_OWNER:
            assert_no_leak(shown)
        elif role != "owner":
            assert "Traceback" not in shown
        await chat.send(actor, "/cancel")


async def test_supervisor_of_another_unit_sees_only_their_own(world: World) -> None:
    chat = world.chat
    for text in (
        f"/view {world.rc}",
        f"/view {world.fb}",
        f"/search {world.rc}",
        f"/search {OWNER}",
        "/search 甲社区",
        f"/clear {OWNER}",
        "/queue",
    ):
        shown = clean(chat, await chat.send(SUP_B, text))
        assert world.rc not in shown and world.fb not in shown, (text, shown)
        assert_no_leak(shown)
        await chat.send(SUP_B, "/cancel")
    # …while their own unit's filing is theirs to see.
    assert world.rc_b in texts(await chat.send(SUP_B, "/queue"))
    assert "临时租用客车" in texts(await chat.send(SUP_B, f"/view {world.rc_b}"))
    assert "临时租用客车" not in texts(await chat.send(SUP, f"/view {world.rc_b}"))


async def test_guessed_references_give_one_answer_for_missing_and_forbidden(world: World) -> None:
    """No existence oracle: someone else's reference reads exactly like one that does not exist."""
    chat = world.chat
    year = world.rc.split("-")[1]
    guesses = [f"RC-{year}-{n:06d}" for n in range(1, 6)] + [
        f"FB-{year}-000001",
        f"PR-{year}-000001",
        f"RC-{year}-999999",
        f"FB-{year}-999999",
    ]
    missing = {"sv": None, "my": None}
    anchor = (await chat.send(SUP_B, "/help"))[-1]
    for ref in guesses:
        for actor, ns in ((SUP_B, "sv"), (CADRE_B, "my"), (PEER, "my")):
            if ref == world.rc_b and actor in (SUP_B, CADRE_B):
                continue
            shown = clean(chat, await chat.press(actor, anchor, f"{ns}:v:{ref}"))
            assert_no_leak(shown)
            normalised = shown.replace(ref, "REF")
            if ref.endswith("999999"):
                missing[ns] = missing[ns] or normalised
            else:
                assert "没有找到" in shown or "无权" in shown, (actor, ref, shown)
    view_missing = texts(await chat.send(SUP_B, f"/view RC-{year}-999999")).replace(f"RC-{year}-999999", "REF")
    view_forbidden = texts(await chat.send(SUP_B, f"/view {world.rc}")).replace(world.rc, "REF")
    assert view_missing == view_forbidden


# -- callbacks --------------------------------------------------------------------------------------
Step = tuple[str, str]  # ("press", data) or ("send", text)


@dataclass
class Action:
    name: str
    steps: Callable[[World], list[Step]]
    allowed: set[str]
    prepare: Callable[[World], Awaitable[None]] | None = None
    check: Callable[[World, dict, dict], Awaitable[None]] | None = None


async def _accept(w: World) -> None:
    await w.chat.services.filings.workflow.accept(w.rc, SUP)


async def _ask_info(w: World) -> None:
    await _accept(w)
    await w.chat.services.filings.workflow.request_info(w.rc, SUP, "请补充超市报价单")


async def _read(w: World) -> None:
    await w.chat.services.filings.workflow.mark_feedback_read(w.fb, SUP)


async def _decide(w: World) -> None:
    await _accept(w)
    await w.chat.services.filings.workflow.decide(
        w.rc, SUP, "tolerated", "出于公心应急采购，无利益输送，予以容错。", {k: True for k in states.BOUNDARIES}, [1]
    )


async def _state(w: World, ref: str) -> str:
    row = await w.chat.services.storage.db.fetchone("SELECT state FROM filings WHERE ref = ?", (ref,))
    return row[0]


async def _decide_and_draw(w: World) -> None:
    """SUP decided; the look-back draw assigns the item to someone else — here the admin, as the unit
    has no other active supervisor (the former one is deactivated)."""
    await _decide(w)
    now = datetime.now(UTC)
    _, items = await w.chat.services.lookback.draw(
        ADMIN, now - timedelta(days=1), now + timedelta(days=1), share=1.0, min_size=1
    )
    assert items and items[0].reviewer_id == ADMIN, items
    w.item = items[0].id


SUPERVISORS_OF_UNIT = {"supervisor", "admin"}
ACTIONS = [
    Action("sv:acc", lambda w: [("press", f"sv:acc:{w.rc}")], SUPERVISORS_OF_UNIT),
    Action("sv:read", lambda w: [("press", f"sv:read:{w.fb}")], SUPERVISORS_OF_UNIT),
    Action("sv:ack", lambda w: [("press", f"sv:ack:{w.pr}")], SUPERVISORS_OF_UNIT),
    Action(
        "sv:info+text",
        lambda w: [("press", f"sv:info:{w.rc}"), ("send", "请补充超市的报价单和验收单")],
        SUPERVISORS_OF_UNIT,
        _accept,
    ),
    Action("sv:note+text", lambda w: [("press", f"sv:note:{w.rc}"), ("send", NOTE)], SUPERVISORS_OF_UNIT),
    Action(
        "sv:msg+text",
        lambda w: [("press", f"sv:msg:{w.rc}"), ("send", "请尽快补充材料，谢谢配合")],
        SUPERVISORS_OF_UNIT,
    ),
    Action(
        "sv:fans+text",
        lambda w: [("press", f"sv:fans:{w.fb}"), ("send", "已协调社区更新名单")],
        SUPERVISORS_OF_UNIT,
        _read,
    ),
    Action(
        "sv:ffwd+text", lambda w: [("press", f"sv:ffwd:{w.fb}"), ("send", "已转民政科处理")], SUPERVISORS_OF_UNIT, _read
    ),
    Action(
        "sv:dec→dc→reason",
        lambda w: [
            ("press", f"sv:dec:{w.rc}"),
            ("press", "dc:o:not_tolerated"),
            ("press", "dc:b:law"),
            ("press", "dc:ok:"),
            ("send", "未履行采购程序且价格明显偏高，不予容错。"),
        ],
        SUPERVISORS_OF_UNIT,
        _accept,
    ),
    Action(
        "forged dc without sv:dec",
        lambda w: [
            ("press", "dc:o:tolerated"),
            ("press", "dc:ok:"),
            ("send", "伪造的认定理由，试图直接作出认定决定。"),
        ],
        set(),
        _accept,
    ),
    Action(
        "/clear+text",
        lambda w: [("send", f"/clear {OWNER}"), ("send", "经核查，关于该同志的举报不属实。")],
        SUPERVISORS_OF_UNIT,
    ),
    Action("my:wdok", lambda w: [("press", f"my:wdok:{w.rc}")], {"owner"}),
    Action("my:ans+text", lambda w: [("press", f"my:ans:{w.rc}"), ("send", "报价单已拍照上传")], {"owner"}, _ask_info),
    Action("kbm:apply", lambda w: [("press", f"kbm:apply:{w.staged}")], {"admin"}),
    Action("kbm:drop", lambda w: [("press", f"kbm:drop:{w.staged}")], {"admin"}),
    Action("kbm:rbok", lambda w: [("press", "kbm:rbok:1")], {"admin"}),
    Action("inv:role", lambda w: [("press", "inv:role:supervisor"), ("send", "甲社区")], set()),
    Action(
        "m:invite→inv:role→unit",
        lambda w: [("press", "m:invite:"), ("press", "inv:role:supervisor"), ("send", "甲社区")],
        {"admin"},
    ),
    Action("/draftcase", lambda w: [("send", f"/draftcase {w.rc}")], {"admin"}, _decide),
    Action(
        "/lookback draw",
        lambda w: [("send", "/lookback draw")],
        {"supervisor", "admin", "supervisor_other_unit"},
        _decide,
    ),
    Action("lb:ok", lambda w: [("press", f"lb:ok:{w.item}")], {"admin"}, _decide_and_draw),
    Action(
        "lb:fix→dc→reason→clearing note",
        lambda w: [
            ("press", f"lb:fix:{w.item}"),
            ("press", "dc:o:partially_tolerated"),
            ("press", "dc:ok:"),
            ("send", "复核认为价格差异在应急合理范围内，出于公心，应予容错。"),
            ("send", "经复核，该同志应急采购行为符合容错条件，特此澄清。"),
        ],
        {"admin"},
        _decide_and_draw,
    ),
    Action("my:wd→wdok", lambda w: [("press", f"my:wd:{w.rc}"), ("press", f"my:wdok:{w.rc}")], {"owner"}),
    Action("kbm:rb→rbok", lambda w: [("press", "kbm:rb:1"), ("press", "kbm:rbok:1")], {"admin"}),
    Action("fm:sub of another's draft", lambda w: [("press", "fm:sub:r"), ("press", "fm:del:r")], set()),
]


async def _owner_draft_at_preview(w: World) -> None:
    await w.chat.services.filings.drafts.save(OWNER, "request", "preview", {"what_happened": "封控当晚采购"})


def _cases() -> list:
    params = []
    for action in ACTIONS:
        params.append(pytest.param(action, None, id=f"{action.name}-refused"))
        for role in sorted(action.allowed):
            params.append(pytest.param(action, role, id=f"{action.name}-by-{role}"))
    return params


async def _run(w: World, actor: int, steps: list[Step]) -> list:
    chat = w.chat
    anchor = (await chat.send(actor, "/help"))[-1]
    out: list = []
    for kind, value in steps:
        if kind == "press":
            got = await chat.press(actor, anchor, value)
            anchor = next((m for m in reversed(got) if m.chat_id == actor), anchor)
        else:
            got = await chat.send(actor, value)
        clean(chat, got)
        assert got, f"{value!r}: silence"
        out += got
    return out


@pytest.mark.parametrize(("action", "allowed_role"), _cases())
async def test_every_callback_by_every_role(world: World, action: Action, allowed_role: str | None) -> None:
    """Everyone the action is not for tries it first (nothing may change), then one who may (it does)."""
    chat = world.chat
    if action.prepare:
        await action.prepare(world)
    await _owner_draft_at_preview(world)
    await chat.settle()
    refused_roles = [r for r in ROLES if r not in action.allowed]
    if allowed_role is not None:
        refused_roles = refused_roles[:2]  # the full refused sweep runs in the "-refused" case
    for role in refused_roles:
        actor = ROLES[role]
        before = await dump(chat)
        out = await _run(world, actor, action.steps(world))
        after = await dump(chat)
        changed = [t for t in TABLES if before[t] != after[t] and t != "drafts"]
        assert changed == [], f"{action.name} by {role} changed {changed}"
        if role == "owner":
            assert before["drafts"] == after["drafts"] or action.name.startswith("fm:")
        else:
            assert before["drafts"] == after["drafts"]
        shown = texts(out, actor)
        if role not in SEES_OWNER:
            assert_no_leak(shown, also=(NOTE[:8], "赵前任", "张主任"))
        assert not any(texts(out, c) for c in ROLES.values() if c != actor), f"{action.name} by {role} notified someone"
        await chat.send(actor, "/cancel")
    if allowed_role is None:
        return
    actor = ROLES[allowed_role]
    before = await dump(chat)
    out = await _run(world, actor, action.steps(world))
    after = await dump(chat)
    assert after != before, f"{action.name} by {allowed_role} did nothing: {texts(out, actor)}"
    assert not any(r in texts(out, actor) for r in (*REFUSAL.values(), *NOT_ALLOWED, "没有找到"))


async def test_every_menu_button_checks_the_role(world: World) -> None:
    """``m:`` buttons reach the same handlers as the commands: a forged one is refused the same way."""
    from handlers import menu

    chat = world.chat
    for entry in list(menu._ENTRIES):
        for role in ("unregistered", "deactivated", "cadre_other_unit"):
            actor = ROLES[role]
            before = await dump(chat)
            anchor = (await chat.send(actor, "/help"))[-1]
            out = await chat.press(actor, anchor, f"m:{entry.action}:")
            shown = clean(chat, out)
            assert out, f"m:{entry.action} by {role}: silence"
            after = await dump(chat)
            # A registered cadre of another unit may start their own draft; nothing else moves.
            assert {t: v for t, v in after.items() if t != "drafts"} == {
                t: v for t, v in before.items() if t != "drafts"
            }
            if role != "cadre_other_unit":
                assert after == before
            mine = texts(out, actor)
            if role in REFUSAL and menu.PUBLIC not in entry.roles:
                assert REFUSAL[role] in mine, (entry.action, role, mine)
            if role == "cadre_other_unit" and not ({"cadre", menu.PUBLIC} & entry.roles):
                assert any(r in mine for r in NOT_ALLOWED), (entry.action, mine)
            assert_no_leak(shown)
            await chat.send(actor, "/cancel")


async def test_deactivated_in_the_middle_of_a_conversation(world: World) -> None:
    chat = world.chat
    anchor = (await chat.send(SUP, "/help"))[-1]
    await chat.press(SUP, anchor, f"sv:note:{world.rc}")
    await chat.services.users.deactivate(SUP, actor=ADMIN)
    before = await dump(chat)
    out = await chat.send(SUP, NOTE)
    assert "已停用" in clean(chat, out)
    assert (await dump(chat))["filing_events"] == before["filing_events"]
    # The owner, deactivated at the preview, cannot submit either.
    await chat.services.filings.drafts.save(OWNER, "request", "preview", {"what_happened": "x"})
    await chat.services.users.deactivate(OWNER, actor=ADMIN)
    before = await dump(chat)
    out = await chat.press(OWNER, anchor, "fm:sub:r")
    assert "已停用" in clean(chat, out)
    assert (await dump(chat))["filings"] == before["filings"]


async def test_documents_from_non_admins_never_reach_the_knowledge_base(world: World) -> None:
    chat = world.chat
    version = chat.services.knowledge.current.version
    for role, actor in ROLES.items():
        if role == "admin":
            continue
        before = await dump(chat)
        out = await chat.send_document(actor, "faq.yaml", b"- id: F-x\n  question: q\n  answer: a\n", "text/yaml")
        clean(chat, out)
        assert out
        assert (await dump(chat))["kb_staged"] == before["kb_staged"]
    assert chat.services.knowledge.current.version == version


# -- rate limiting -----------------------------------------------------------------------------------
@pytest.fixture
async def slow_chat(tmp_path: Path, knowledge: KnowledgeService) -> AsyncIterator[LocalChat]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=None,
        db_path=tmp_path / "cadrebot.sqlite3",
        admin_ids=[ADMIN],
        locale="zh",
        rate_limit_per_minute=5,
    )
    local = await LocalChat.start(settings, KnowledgeService(knowledge.current))
    try:
        yield local
    finally:
        await local.stop()


async def test_a_flooding_user_is_slowed_and_told_while_others_are_answered(slow_chat: LocalChat) -> None:
    chat = slow_chat
    await chat.services.users.add(OWNER, "cadre", "甲社区")
    await chat.services.users.add(PEER, "cadre", "甲社区")
    answered, warned, silent = 0, 0, 0
    for i in range(15):
        out = await chat.send(OWNER, "/apply" if i == 0 else f"第{i}条消息：封控当晚采购")
        shown = texts(out)
        if "发得太快" in shown:
            warned += 1
        elif out:
            answered += 1
        else:
            silent += 1
        if i % 3 == 0:  # the other user keeps being served throughout
            other = await chat.send(PEER, "/boundaries")
            assert other and "发得太快" not in texts(other)
    assert answered == 5 and warned == 1 and silent == 9, (answered, warned, silent)
    # What was dropped was not written: the draft holds only the answers let through.
    draft = await chat.services.filings.drafts.load(OWNER, "request")
    assert draft is not None and "第5条" not in str(draft.data) and "第14条" not in str(draft.data)
    # A button press counts too, and is answered (the spinner stops) rather than ignored.
    anchor = (await chat.send(PEER, "/help"))[-1]
    assert anchor
    assert await chat.press(OWNER, anchor, "m:boundaries:") == []
    assert chat.api.refusals == []


TOKEN = "123456:TEST-secret-token-never-logged"


# -- every namespace and action, forged, by everyone who holds no right over the owner's filings ----
def _sweep(w: World) -> list[str]:
    refs = [w.rc, w.fb, w.pr, w.rc_b]
    payloads = [
        f"sv:{a}:{r}"
        for a in ("v", "acc", "read", "ack", "info", "note", "msg", "fans", "ffwd", "dec", "zz")
        for r in refs
    ]
    payloads += [f"my:{a}:{r}" for a in ("v", "ans", "wd", "wdok", "zz") for r in refs]
    payloads += [
        "dc:o:tolerated",
        "dc:b:law",
        "dc:d:1",
        "dc:ok:",
        "dc:zz:",
        "lb:ok:1",
        "lb:fix:1",
        "lb:ok:0",
        "lb:zz:1",
        f"kbm:apply:{w.staged}",
        f"kbm:drop:{w.staged}",
        "kbm:rb:1",
        "kbm:rbok:1",
        "kbm:hist:",
        "kbm:export:",
        "kbm:zz:1",
        "kbe:f:title",
        "kbe:f:answer",
        "inv:role:cadre",
        "inv:role:supervisor",
        "inv:role:admin",
        "fm:go:r",
        "fm:back:r",
        "fm:pv:r",
        "fm:ed:r.what_happened",
        "fm:sub:r",
        "fm:del:r",
        "fm:skip:r",
        "fm:done:r",
        "fm:ch:f.problems",
        "fm:tk:r.C-x",
        "fm:yes:r",
        "fm:no:r",
        "fm:sub:f",
        "fm:del:p",
        "fc:cite:C-x",
        "kb:art:A-procedure",
        "kb:case:C-x",
        "sc:a:yes.q1",
        "sc:skip:",
        "sc:back:",
        "lang:set:xx",
        "zz:zz:zz",
    ]
    from handlers import menu

    payloads += [f"m:{e.action}:" for e in menu._ENTRIES]
    return payloads


SWEPT = ("unregistered", "deactivated", "cadre", "cadre_other_unit", "supervisor_other_unit")
GUARDED = tuple(t for t in TABLES if t != "drafts")


@pytest.mark.parametrize("role", SWEPT)
async def test_every_namespace_and_action_forged(world: World, role: str) -> None:
    chat, actor = world.chat, ROLES[role]
    await _owner_draft_at_preview(world)
    await chat.services.filings.workflow.mark_feedback_read(world.fb, SUP)  # so fans/ffwd are possible for someone
    await chat.settle()
    owner_drafts = "SELECT * FROM drafts WHERE telegram_id = ? ORDER BY rowid"
    drafts_before = [tuple(r) for r in await chat.services.storage.db.fetchall(owner_drafts, (OWNER,))]
    before = await dump(chat)
    anchor = (await chat.send(actor, "/help"))[-1]
    for data in _sweep(world):
        if world.rc_b in data and role in ("cadre_other_unit", "supervisor_other_unit"):
            continue  # their own unit's request: theirs to act on
        out = await chat.press(actor, anchor, data)
        shown = clean(chat, out)
        assert out, f"{data} by {role}: silence"
        assert not [m for m in out if m.chat_id != actor], f"{data} by {role} reached someone else"
        assert_no_leak(shown, also=(NOTE[:8],))
        if data.startswith(("sc:", "dc:")) or data in ("m:check:",):
            await chat.send(actor, "/cancel")
    after = await dump(chat)
    changed = [t for t in GUARDED if before[t] != after[t]]
    assert changed == [], f"forged presses by {role} changed {changed}"
    assert [tuple(r) for r in await chat.services.storage.db.fetchall(owner_drafts, (OWNER,))] == drafts_before


# -- the webhook only takes updates from Telegram ----------------------------------------------------
async def test_webhook_requires_telegrams_secret_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a secret token anyone who finds the webhook's address can post updates as any user."""
    from telegram.ext import Updater

    from bot.runtime import runner as telegram_runner
    from tests.support.http_api import FakeTelegram

    telegram = FakeTelegram()
    await telegram.start()
    seen: dict = {}

    class Started(Exception):
        pass

    async def start_webhook(self, **kwargs):
        seen.update(kwargs)
        raise Started

    monkeypatch.setattr(Updater, "start_webhook", start_webhook)
    settings = Settings(
        _env_file=None,
        telegram_token=TOKEN,
        db_path=tmp_path / "bot.sqlite3",  # type: ignore[call-arg]
        telegram_base_url=f"http://127.0.0.1:{telegram.port}/bot",
        telegram_base_file_url=f"http://127.0.0.1:{telegram.port}/file/bot",
        admin_ids=[ADMIN],
    )
    try:
        # (run_telegram does not stop the running Application when start_webhook fails, so PTB's
        # "still running" RuntimeError replaces our exception on the way out.)
        with pytest.raises((Started, RuntimeError)):
            await telegram_runner.run_telegram(
                settings, webhook_url="https://bot.example.org/hook", listen="127.0.0.1:0"
            )
    finally:
        await telegram.stop()
    secret = seen.get("secret_token")
    assert secret and re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)  # what Telegram accepts
    assert TOKEN not in secret and TOKEN.split(":")[1] not in secret


# -- forged ticks in one's own draft -----------------------------------------------------------------
async def test_forged_ticks_cannot_cite_what_is_not_on_offer(world: World) -> None:
    """Found by fuzzing: ``fm:tk`` / ``fc:cite`` with an id not on offer (a malformed case id, another
    cadre's pre-registration) went into the draft, could never be unticked (only offered items are
    listed) and made the draft impossible to submit."""
    chat, service = world.chat, world.chat.services.filings
    other = await service.submission.preregister(
        CADRE_B, {"what": "乙社区紧急租车", "why_urgent": "洪水", "expected_cost": "三千元"}, "matrix-pr-b"
    )
    body = {
        "what_happened": "封控当晚直接采购蔬菜包",
        "when_where": "3月5日",
        "consequences": "多花两千元",
        "motive": "居民断菜",
        "remedy": "已补签合同",
    }
    await service.drafts.save(OWNER, "request", "cited_cases", body)
    anchor = (await chat.send(OWNER, "/apply"))[-1]
    for data in ("fm:tk:r.x.y", "fm:tk:r.NOPE", "fc:cite:x.y", "fc:cite:NOPE"):
        clean(chat, await chat.press(OWNER, anchor, data))
        assert (await service.drafts.load(OWNER, "request")).data.get("cited_cases", []) == []
    await service.drafts.save(OWNER, "request", "preregistrations", body)
    anchor = (await chat.send(OWNER, "/apply"))[-1]
    clean(chat, await chat.press(OWNER, anchor, f"fm:tk:r.{other.preregistration.ref}"))
    assert (await service.drafts.load(OWNER, "request")).data.get("preregistrations", []) == []
    assert "乙社区紧急租车" not in texts(chat.api.log, OWNER)
    # Their own pre-registration is still offered and ticked.
    clean(chat, await chat.press(OWNER, anchor, f"fm:tk:r.{world.pr}"))
    assert (await service.drafts.load(OWNER, "request")).data["preregistrations"] == [world.pr]


async def test_decide_button_on_a_filing_that_cannot_be_decided_is_refused_at_once(world: World) -> None:
    """A stale "decide" (not yet accepted, already decided, withdrawn) is refused before the outcome,
    the boundaries and a written reason are asked for — as the text actions already were."""
    chat = world.chat
    anchor = (await chat.send(SUP, "/help"))[-1]
    shown = clean(chat, await chat.press(SUP, anchor, f"sv:dec:{world.rc}"))
    assert "当前状态下不能" in shown and "请选择结果" not in shown
    assert "请选择结果" not in clean(chat, await chat.press(SUP_B, anchor, f"sv:dec:{world.rc}"))
    await chat.services.filings.workflow.accept(world.rc, SUP)
    assert "请选择结果" in clean(chat, await chat.press(SUP, anchor, f"sv:dec:{world.rc}"))
