"""SIGKILL the real ``cadrebot run`` process in the middle of every multi-step flow, restart it on the
same database, and show that nothing is lost or done twice.

Kill points are deterministic: either right after the bot answered a step, or while the bot is stuck
sending its answer (FakeTelegram never answers that call) — its database write is done, the user has
not seen the reply. ``ignore_offsets`` makes FakeTelegram hand the last updates to the restarted bot
again, as Telegram does when the confirming ``getUpdates`` never arrived. One kill point is drawn
from a seeded random generator. After every scenario the audit chain must verify.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import pytest_asyncio

from bot.ops.audit import verify_storage
from storage.sqlite.storage import SqliteStorage
from tests.support.http_api import (
    ANSWERS,
    BotProcess,
    FakeTelegram,
    SentMessage,
    press,
    request_to_preview,
    say,
    unexpected_tracebacks,
)

TEAMS = 8  # one team per test: a (seconded) cadre and two supervisors, in a unit of their own

pytestmark = pytest.mark.asyncio(loop_scope="module")


def team(n: int) -> tuple[int, int, int]:
    return 100 * n + 1, 100 * n + 2, 100 * n + 3


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram):
    """One database for the module, and one process at a time on it: tests kill and restart it."""
    workdir = tmp_path_factory.mktemp("crash")
    process = BotProcess(telegram, workdir / "bot.sqlite3", workdir)
    users = []
    for n in range(1, TEAMS + 1):
        cadre, sup, sup2 = team(n)
        unit = f"第{n}社区"
        users += [(cadre, "cadre", unit), (sup, "supervisor", unit), (sup2, "supervisor", unit)]
    process.add_users(*users, seconded=tuple(team(n)[0] for n in range(1, TEAMS + 1)))
    await process.start()
    try:
        yield process
    finally:
        await process.stop()
    assert unexpected_tracebacks(process.log) == []


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def _running_and_verified(bot: BotProcess, telegram: FakeTelegram):
    yield
    telegram.faults.clear()
    telegram.ignore_offsets = False
    if bot.process is None:
        await bot.start()
    assert await _audit_problems(bot.db_path) == []  # the audit chain verifies after every scenario


async def _audit_problems(db_path: Path) -> list:
    storage = await SqliteStorage.open(db_path)
    try:
        return await verify_storage(storage)
    finally:
        await storage.close()


def _draft(bot: BotProcess, cadre: int, kind: str) -> tuple[str, dict] | None:
    rows = bot.query("SELECT step, data FROM drafts WHERE telegram_id = ? AND kind = ?", (cadre, kind))
    return (rows[0][0], json.loads(rows[0][1])) if rows else None


def _filings(bot: BotProcess, cadre: int) -> int:
    return bot.query("SELECT COUNT(*) FROM filings WHERE cadre_id = ?", (cadre,))[0][0]


async def _until(condition, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never met"
        await asyncio.sleep(0.03)


async def _kill_while_answering(telegram: FakeTelegram, bot: BotProcess, user: int, send) -> None:
    """Kill point: the update was handled up to the reply, which never gets through."""
    fired = sum(1 for i in telegram.injected if i.method == "sendMessage")
    telegram.hang("sendMessage", chat_id=user)
    send()
    await telegram.wait_fired("sendMessage", fired + 1)
    await bot.kill()
    telegram.faults.clear()  # the network is fine again for the restarted process


def _button(message: SentMessage, label: str) -> str:
    return next(data for text, data in message.buttons if label in text)


async def test_request_killed_mid_form_and_right_after_submit(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE, SUP, SUP2 = team(1)
    await say(telegram, CADRE, "/apply", "第 1/")
    for n, answer in enumerate(ANSWERS[:3], start=2):
        await say(telegram, CADRE, answer, f"第 {n}/")
    # Kill point 1: the fourth answer is saved, its acknowledgement never reached the user.
    await _kill_while_answering(telegram, bot, CADRE, lambda: telegram.user_says(CADRE, ANSWERS[3]))
    step, data = _draft(bot, CADRE, "request")
    assert (
        step == "remedy" and [data[k] for k in ("what_happened", "when_where", "consequences", "motive")] == ANSWERS[:4]
    )

    await bot.start()
    resumed = await say(telegram, CADRE, "/resume", "第 5/")
    assert "补救" in resumed.plain
    await say(telegram, CADRE, ANSWERS[4], "第 6/")
    preview = await _to_preview_from_evidence(telegram, CADRE)
    for answer in ANSWERS:
        assert answer[:10] in preview.plain  # nothing typed before the crash is lost

    # Kill point 2: right after pressing submit — the filing is committed, no reply or notification
    # got out, and Telegram never heard the update was taken (it will hand it out again).
    fired = sum(1 for i in telegram.injected if i.method == "sendMessage")
    for chat in (CADRE, SUP, SUP2):
        telegram.hang("sendMessage", chat_id=chat)
    telegram.ignore_offsets = True
    submit = telegram.user_presses(CADRE, preview, _button(preview, "确认提交"))
    await _until(lambda: _filings(bot, CADRE) == 1)
    await telegram.wait_fired("sendMessage", fired + 2)
    await bot.kill()
    telegram.faults.clear()
    unsent = bot.query(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND chat_id IN (?, ?, ?)", (CADRE, SUP, SUP2)
    )[0][0]
    assert unsent >= 2  # the notifications wait in the durable outbox

    mark, handed_out = telegram.mark(), len(telegram.delivered)
    await bot.start()
    ref = bot.query("SELECT ref FROM filings WHERE cadre_id = ?", (CADRE,))[0][0]
    # The outbox is delivered after the restart: both supervisors and the cadre learn the reference.
    for chat in (SUP, SUP2, CADRE):
        await telegram.reply_to(chat, ref, mark)
    # The re-delivered submit press files nothing new.
    await _until(lambda: submit["update_id"] in telegram.delivered[handed_out:])
    telegram.ignore_offsets = False
    await telegram.wait_idle(quiet=0.6)
    # A double tap on the old preview files nothing either.
    telegram.user_presses(CADRE, preview, _button(preview, "确认提交"))
    await telegram.wait_idle(quiet=0.6)
    assert _filings(bot, CADRE) == 1
    assert bot.query("SELECT COUNT(*) FROM filing_events WHERE filing_ref = ? AND action = 'submit'", (ref,)) == [(1,)]
    for chat in (SUP, SUP2):
        notices = [m for m in telegram.sent_to(chat) if ref in m.plain]
        assert len(notices) == 1, [m.plain[:40] for m in notices]
    assert _draft(bot, CADRE, "request") is None


async def _to_preview_from_evidence(telegram: FakeTelegram, CADRE: int) -> SentMessage:
    mark = telegram.mark()
    telegram.user_sends_photo(CADRE, b"\xff\xd8\xff\xe0jpeg")
    added = await telegram.reply_to(CADRE, "第 1 个附件", mark, buttons=True)
    cases = await press(telegram, CADRE, added, "完成", "指导性案例", buttons=True)
    consent = await press(telegram, CADRE, cases, "完成", "匿名", buttons=True)
    return await press(telegram, CADRE, consent, "不同意", "请核对", buttons=True)


async def test_feedback_and_report_killed_mid_form(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE = team(2)[0]
    first = await say(telegram, CADRE, "/feedback", "第 1/", buttons=True)
    text_step = await press(telegram, CADRE, first, "发现的问题", "第 2/")
    assert text_step
    await say(telegram, CADRE, "独居老人名单三个月没更新", "第 3/")
    await bot.kill()  # kill point: right after an answer was acknowledged (state may not be flushed yet)
    step, data = _draft(bot, CADRE, "feedback")
    assert step == "urgency" and data["text"] == "独居老人名单三个月没更新" and data["category"] == "problems"

    await bot.start()
    await say(telegram, CADRE, "/report", "第 1/")
    await say(telegram, CADRE, "未比价紧急采购两台发电机", "第 2/")
    # Kill point: the second answer of /report is saved, its acknowledgement is not delivered.
    await _kill_while_answering(telegram, bot, CADRE, lambda: telegram.user_says(CADRE, "暴雨停电，安置点老人需要用电"))
    step, data = _draft(bot, CADRE, "prereg")
    assert step == "expected_cost" and data["why_urgent"] == "暴雨停电，安置点老人需要用电"

    await bot.start()
    # Two drafts: /resume offers both; each comes back at its step with what was typed.
    choose = await say(telegram, CADRE, "/resume", "草稿", buttons=True)
    report = await press(telegram, CADRE, choose, "报备", "第 3/")
    assert "预计费用" in report.plain
    preview = await say(telegram, CADRE, "约两万元", "请核对", buttons=True)
    assert "未比价紧急采购两台发电机" in preview.plain and "暴雨停电" in preview.plain
    done = await press(telegram, CADRE, preview, "确认提交", "PR-")
    assert done
    choose = await say(telegram, CADRE, "/resume", "第 3/", buttons=True)  # the feedback draft, only one left
    urgency = await press(telegram, CADRE, choose, "紧急", "第 4/", buttons=True)
    consent = await press(telegram, CADRE, urgency, "完成", "第 5/", buttons=True)
    preview = await press(telegram, CADRE, consent, "同意", "请核对", buttons=True)
    assert "独居老人名单三个月没更新" in preview.plain
    await press(telegram, CADRE, preview, "确认提交", "FB-")
    assert bot.query("SELECT COUNT(*) FROM preregistrations WHERE cadre_id = ?", (CADRE,)) == [(1,)]
    assert bot.query("SELECT COUNT(*) FROM filings WHERE kind = 'feedback' AND cadre_id = ?", (CADRE,)) == [(1,)]
    assert bot.query("SELECT COUNT(*) FROM drafts WHERE telegram_id = ?", (CADRE,)) == [(0,)]


async def test_supervisor_killed_mid_decision(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE, SUP, _ = team(3)
    preview = await request_to_preview(telegram, CADRE)
    done = await press(telegram, CADRE, preview, "确认提交", "已提交")
    ref = re.search(r"RC-\d{4}-\d{6}", done.plain).group(0)
    notice = await telegram.wait_for(lambda m: m.chat_id == SUP and ref in m.plain and bool(m.buttons))
    mark = telegram.mark()
    telegram.user_presses(SUP, notice, f"sv:acc:{ref}")
    await telegram.reply_to(SUP, "已受理", mark)
    view = await say(telegram, SUP, f"/view {ref}", "办理操作", buttons=True)
    mark = telegram.mark()
    telegram.user_presses(SUP, view, f"sv:dec:{ref}")
    outcome = await telegram.reply_to(SUP, "作出认定", mark, buttons=True)
    mark = telegram.mark()
    telegram.user_presses(SUP, outcome, "dc:o:partially_tolerated")
    form = await telegram.reply_to(SUP, "下一步", mark, buttons=True)
    # Kill point: in the middle of the decision form, once the press was handled to the end.
    await _until(
        lambda: (
            "partially_tolerated" in str(bot.query("SELECT data FROM ptb_data WHERE kind = 'user' AND key = ?", (SUP,)))
        )
    )
    await bot.kill()

    await bot.start()
    # The form's choices survived: the supervisor goes on to the reason.
    mark = telegram.mark()
    telegram.user_presses(SUP, form, "dc:ok:")
    await telegram.reply_to(SUP, "理由", mark)
    assert bot.query("SELECT state FROM filings WHERE ref = ?", (ref,))[0][0] == "accepted"

    # Kill point: the reason is typed and the decision committed; its acknowledgement and the cadre's
    # notification never got out, and the update will be handed out again.
    telegram.hang("sendMessage", chat_id=CADRE)
    telegram.ignore_offsets = True
    reason = "出于公心应急采购，但价格未比对，部分容错并要求完善流程。"
    typed: list[dict] = []
    await _kill_while_answering(telegram, bot, SUP, lambda: typed.append(telegram.user_says(SUP, reason)))
    assert bot.query("SELECT outcome FROM filings WHERE ref = ?", (ref,))[0][0] == "partially_tolerated"

    mark, handed_out = telegram.mark(), len(telegram.delivered)
    await bot.start()
    decided = await telegram.reply_to(CADRE, "部分容错", mark)
    assert "出于公心" in decided.plain
    await _until(lambda: typed[0]["update_id"] in telegram.delivered[handed_out:])
    telegram.ignore_offsets = False
    await telegram.wait_idle(quiet=0.6)
    # A decide press on the old view is refused: the decision stands, made once, told once.
    telegram.user_presses(SUP, view, f"sv:dec:{ref}")
    await telegram.wait_idle(quiet=0.6)
    assert bot.query("SELECT COUNT(*) FROM filing_events WHERE filing_ref = ? AND action = 'decide'", (ref,)) == [(1,)]
    assert len([m for m in telegram.sent_to(CADRE, mark) if "部分容错" in m.plain]) == 1


async def test_seeded_random_kill_point_in_a_request(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE = team(4)[0]
    rng = random.Random(20261124)
    answered = rng.randint(1, len(ANSWERS) - 1)  # answers acknowledged before the crash
    hung = rng.random() < 0.5  # and one more saved whose acknowledgement never got out
    await say(telegram, CADRE, "/apply", "第 1/")
    for n, answer in enumerate(ANSWERS[:answered], start=2):
        await say(telegram, CADRE, answer, f"第 {n}/")
    if hung:
        await _kill_while_answering(telegram, bot, CADRE, lambda: telegram.user_says(CADRE, ANSWERS[answered]))
        answered += 1
    else:
        await bot.kill()
    _, data = _draft(bot, CADRE, "request")
    assert len([k for k in data if not k.startswith("_")]) == answered, data

    await bot.start()
    await say(telegram, CADRE, "/resume", f"第 {answered + 1}/")
    for n, answer in enumerate(ANSWERS[answered:], start=answered + 2):
        await say(telegram, CADRE, answer, f"第 {n}/")
    preview = await _to_preview_from_evidence(telegram, CADRE)
    assert all(answer[:10] in preview.plain for answer in ANSWERS)
    await press(telegram, CADRE, preview, "确认提交", "已提交")
    body = json.loads(bot.query("SELECT body FROM filings WHERE cadre_id = ?", (CADRE,))[0][0])
    assert [body[k] for k in ("what_happened", "when_where", "consequences", "motive", "remedy")] == ANSWERS


async def test_backup_while_the_bot_writes_then_restore(
    telegram: FakeTelegram, bot: BotProcess, tmp_path: Path
) -> None:
    CADRE = team(5)[0]

    async def keep_writing() -> None:
        for round_ in range(3):
            await say(telegram, CADRE, "/report", "第 1/")
            await say(telegram, CADRE, f"第{round_}次未比价紧急采购发电机", "第 2/")
            await say(telegram, CADRE, "暴雨停电，安置点老人需要用电", "第 3/")
            preview = await say(telegram, CADRE, "约两万元", "请核对", buttons=True)
            await press(telegram, CADRE, preview, "确认提交", "PR-")

    copy = tmp_path / "backup.sqlite3"
    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.3)
    await asyncio.to_thread(bot.cli, "backup", str(copy))
    await writer
    restored = tmp_path / "restored" / "bot.sqlite3"
    # A backup never holds the audit key: a deployment moved elsewhere takes its key along.
    restored.parent.mkdir()
    shutil.copy(bot.db_path.parent / "audit.key", restored.parent / "audit.key")
    result = bot.cli("restore", str(copy), db_path=restored)
    assert "restored" in result.stdout
    with sqlite3.connect(f"file:{restored}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 3 * TEAMS + 1  # and the admin
        copied = conn.execute("SELECT COUNT(*) FROM preregistrations WHERE cadre_id = ?", (CADRE,)).fetchone()[0]
    assert 0 <= copied <= 3
    assert await _audit_problems(restored) == []
    assert bot.query("SELECT COUNT(*) FROM preregistrations WHERE cadre_id = ?", (CADRE,)) == [(3,)]


async def test_typing_on_after_a_crash_without_resume(telegram: FakeTelegram, bot: BotProcess) -> None:
    """Killed right after a step was answered: the next answer, typed straight away, goes to the form."""
    CADRE = team(6)[0]
    await say(telegram, CADRE, "/apply", "第 1/")
    await say(telegram, CADRE, ANSWERS[0], "第 2/")
    await bot.kill()
    await bot.start()
    await say(telegram, CADRE, ANSWERS[1], "第 3/")
    step, data = _draft(bot, CADRE, "request")
    assert step == "consequences" and data["when_where"] == ANSWERS[1]


async def test_answer_handed_out_again_after_a_crash_is_taken_once(telegram: FakeTelegram, bot: BotProcess) -> None:
    """The process handled an answer, then died before Telegram heard it was taken: the restarted bot
    is handed the same update again and must not also take it as the answer to the next step."""
    CADRE = team(7)[0]
    await say(telegram, CADRE, "/apply", "第 1/")
    telegram.ignore_offsets = True
    await say(telegram, CADRE, ANSWERS[0], "第 2/")
    await bot.kill()
    mark = telegram.mark()
    await bot.start()
    await telegram.wait_idle(quiet=1.0)
    telegram.ignore_offsets = False
    step, data = _draft(bot, CADRE, "request")
    assert step == "when_where", f"the answer was taken twice: {data}; sent {telegram.sent_to(CADRE, mark)}"
