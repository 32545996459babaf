"""The real ``cadrebot run`` process over HTTP while the Bot API misbehaves.

Faults are injected in :class:`tests.support.http_api.FakeTelegram`: 429 bursts with ``retry_after``, 5xx,
answers later than the client's timeout, dropped connections, duplicated and out-of-order updates,
and a user who blocked the bot. The bot must keep serving, never file twice, and lose no reply.
"""

from __future__ import annotations

import asyncio
import re

import pytest
import pytest_asyncio

from tests.support.http_api import (
    ANSWERS,
    TOKEN,
    BotProcess,
    FakeTelegram,
    press,
    request_to_preview,
    say,
    unexpected_tracebacks,
)

MENU = "可以做什么"
TEAMS = 8  # one team per test: a cadre, two supervisors and another cadre, in a unit of their own

pytestmark = pytest.mark.asyncio(loop_scope="module")


def team(n: int) -> tuple[int, int, int, int]:
    """(cadre, supervisor, second supervisor, other cadre) of team ``n``."""
    return 100 * n + 1, 100 * n + 2, 100 * n + 3, 100 * n + 4


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram):
    """One process for the whole module (start-up is the slow part); every test has its own users."""
    workdir = tmp_path_factory.mktemp("faults")
    process = BotProcess(telegram, workdir / "bot.sqlite3", workdir)
    users = []
    for n in range(1, TEAMS + 1):
        cadre, sup, sup2, other = team(n)
        unit = f"第{n}社区"
        users += [(cadre, "cadre", unit), (sup, "supervisor", unit), (sup2, "supervisor", unit), (other, "cadre", unit)]
    process.add_users(*users)
    await process.start()
    try:
        yield process
    finally:
        log = await process.stop()
    assert TOKEN not in log  # the token never reaches the logs
    assert unexpected_tracebacks(log) == []


@pytest.fixture(autouse=True)
def _clean_faults(telegram: FakeTelegram):
    yield
    telegram.faults.clear()
    telegram.hold_updates = telegram.ignore_offsets = False


async def _until(condition, timeout: float) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never met"
        await asyncio.sleep(0.05)


def _count(telegram: FakeTelegram, chat_id: int, text: str, after: int = 0) -> int:
    return sum(1 for m in telegram.sent_to(chat_id, after) if text in m.plain)


async def test_429_burst_and_5xx_on_replies(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE = team(1)[0]
    # A burst of three 429s on the reply: the rate limiter waits retry_after and sends it, once.
    telegram.fail("sendMessage", 429, retry_after=1, times=3, chat_id=CADRE)
    mark = telegram.mark()
    await say(telegram, CADRE, "/help", MENU)
    await telegram.wait_idle()
    assert _count(telegram, CADRE, MENU, mark) == 1
    assert telegram.pending_faults() == 0

    # A 502 and a 500 on the reply to a form step: the step is saved and the reply still arrives, once.
    await say(telegram, CADRE, "/apply", "第 1/")
    for status, answer, step in ((502, ANSWERS[0], "第 2/"), (500, ANSWERS[1], "第 3/")):
        telegram.fail("sendMessage", status, chat_id=CADRE)
        mark = telegram.mark()
        telegram.user_says(CADRE, answer)
        await telegram.reply_to(CADRE, step, mark)
        await telegram.wait_idle()
        assert _count(telegram, CADRE, step, mark) == 1, [m.plain[:30] for m in telegram.sent_to(CADRE, mark)]
    data = bot.query("SELECT data FROM drafts WHERE telegram_id = ? AND kind = 'request'", (CADRE,))[0][0]
    assert ANSWERS[0] in data and ANSWERS[1] in data


async def test_reply_later_than_the_client_timeout(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE = team(2)[0]
    # Telegram carries the send out but answers after the client gave up (read timeout 5 s):
    # the bot must not send the same reply again, and the user's answer is kept.
    await say(telegram, CADRE, "/apply", "第 1/")
    telegram.delay("sendMessage", 6.0, process=True, chat_id=CADRE)
    mark = telegram.mark()
    telegram.user_says(CADRE, ANSWERS[0])
    await telegram.reply_to(CADRE, "第 2/", mark)
    await telegram.wait_idle(quiet=1.0)
    assert _count(telegram, CADRE, "第 2/", mark) == 1
    # The bot cannot know the prompt got through: its error path also says nothing was lost.
    assert _count(telegram, CADRE, "没有丢失", mark) <= 1
    # …and the bot keeps serving.
    await say(telegram, CADRE, ANSWERS[1], "第 3/")
    data = bot.query("SELECT data FROM drafts WHERE telegram_id = ?", (CADRE,))[0][0]
    assert ANSWERS[0] in data and ANSWERS[1] in data


async def test_polling_recovers_from_dropped_connections_and_5xx(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE = team(3)[0]
    await say(telegram, CADRE, "/help", MENU)
    telegram.drop("getUpdates")
    telegram.fail("getUpdates", 502)
    telegram.drop("getUpdates")
    # The user writes while polling fails again and again; the update waits at Telegram.
    telegram.hold_updates = True
    mark = telegram.mark()
    telegram.user_says(CADRE, "/apply")
    await _until(lambda: telegram.pending_faults("getUpdates") == 0, 25)
    telegram.hold_updates = False
    await telegram.reply_to(CADRE, "第 1/", mark, timeout=15)
    await say(telegram, CADRE, ANSWERS[0], "第 2/")
    assert _count(telegram, CADRE, "第 1/", mark) == 1  # the /apply update was handled once


async def test_duplicated_and_out_of_order_updates_file_once(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE, SUP, SUP2, OTHER = team(4)
    preview = await request_to_preview(telegram, CADRE)
    # The submit press arrives twice in one batch, and once more after it was confirmed.
    submit = telegram.press_update(CADRE, preview, next(d for label, d in preview.buttons if "确认提交" in label))
    mark = telegram.mark()
    telegram.push(submit, submit)
    await telegram.reply_to(CADRE, "已提交", mark)
    await telegram.wait_confirmed(submit)
    telegram.duplicate(submit)
    await telegram.wait_idle(quiet=0.6)
    assert bot.query("SELECT COUNT(*) FROM filings WHERE cadre_id = ?", (CADRE,))[0][0] == 1
    assert _count(telegram, CADRE, "已提交，编号", mark) == 1
    ref = re.search(r"RC-\d{4}-\d{6}", telegram.sent_to(CADRE, mark)[0].plain).group(0)
    # Every supervisor of the unit is told once, however often the update came.
    assert _count(telegram, SUP, ref) == 1 and _count(telegram, SUP2, ref) == 1

    # Out of order: two cadres' /report steps delivered in one batch, the later id first.
    first = telegram.message_update(OTHER, "/report")
    second = telegram.message_update(CADRE, "/report")
    mark = telegram.mark()
    telegram.push(second, first)
    await telegram.reply_to(OTHER, "第 1/", mark)
    await telegram.reply_to(CADRE, "第 1/", mark)
    await telegram.wait_idle(quiet=0.6)
    assert _count(telegram, OTHER, "第 1/", mark) == 1 and _count(telegram, CADRE, "第 1/", mark) == 1


async def test_duplicated_text_answer_is_taken_once(telegram: FakeTelegram, bot: BotProcess) -> None:
    """Telegram may hand the same message out twice: the answer must not also fill the next step."""
    CADRE = team(5)[0]
    await say(telegram, CADRE, "/apply", "第 1/")
    update = telegram.message_update(CADRE, ANSWERS[0])
    mark = telegram.mark()
    telegram.push(update, update)
    await telegram.reply_to(CADRE, "第 2/", mark)
    await telegram.wait_idle(quiet=0.6)
    step, data = bot.query("SELECT step, data FROM drafts WHERE telegram_id = ?", (CADRE,))[0]
    assert step == "when_where", f"the duplicate was taken as the next answer too: {data}"


async def test_blocked_user_does_not_stop_others(telegram: FakeTelegram, bot: BotProcess) -> None:
    CADRE, SUP, SUP2, OTHER = team(6)
    telegram.block(OTHER)
    telegram.block(SUP2)
    telegram.user_says(OTHER, "/help")  # every reply to them is refused with 403
    await say(telegram, CADRE, "/help", MENU)
    preview = await request_to_preview(telegram, CADRE)
    done = await press(telegram, CADRE, preview, "确认提交", "已提交")
    ref = re.search(r"RC-\d{4}-\d{6}", done.plain).group(0)
    await telegram.wait_for(lambda m: m.chat_id == SUP and ref in m.plain)
    telegram.user_says(OTHER, "/apply")
    await say(telegram, SUP, "/queue", ref)
    rows = bot.query("SELECT chat_id, sent_at IS NOT NULL, failed FROM outbox WHERE chat_id IN (?, ?)", (SUP, SUP2))
    assert (SUP, 1, None) in rows
    assert any(chat == SUP2 and failed and "blocked" in failed for chat, _, failed in rows)
    assert telegram.sent_to(OTHER) == [] and telegram.sent_to(SUP2) == []
    # The blocked cadre's /apply still saved a draft: nothing they did is lost.
    assert bot.query("SELECT COUNT(*) FROM drafts WHERE telegram_id = ?", (OTHER,))[0][0] == 1


async def test_notification_survives_a_network_outage(telegram: FakeTelegram, bot: BotProcess) -> None:
    """A supervisor's phone network is gone for a while: the notice of a new filing still arrives."""
    CADRE, SUP, SUP2, _ = team(7)
    preview = await request_to_preview(telegram, CADRE)
    telegram.drop("sendMessage", times=3, chat_id=SUP)  # three sends to SUP die on the wire
    telegram.fail("sendMessage", 502, times=2, chat_id=SUP)  # then two Bad Gateways
    done = await press(telegram, CADRE, preview, "确认提交", "已提交，编号")
    ref = re.search(r"RC-\d{4}-\d{6}", done.plain).group(0)
    await telegram.wait_for(lambda m: m.chat_id == SUP2 and ref in m.plain)
    await telegram.wait_for(lambda m: m.chat_id == SUP and ref in m.plain, timeout=30)
    assert telegram.pending_faults() == 0
    assert _count(telegram, SUP, ref) == 1


async def test_files_over_http_albums_uploads_and_downloads(telegram: FakeTelegram, bot: BotProcess) -> None:
    """sendMediaGroup, sendDocument as a multipart upload, getFile and the download — with faults."""
    CADRE, SUP, _, _ = team(8)
    admin = 1
    # The admin exports the knowledge base: files uploaded as multipart; one upload meets a 502.
    telegram.fail("sendDocument", 502)
    mark = telegram.mark()
    await say(telegram, admin, "/kb export", "知识库文件如下")
    await telegram.wait_idle(quiet=0.8)
    documents = [m for m in telegram.sent_to(admin, mark) if m.document]
    assert len(documents) >= 3 and all(m.document[1] for m in documents)
    assert len({m.document[0] for m in documents}) == len(documents)  # each file once
    # …and sends one back unchanged: getFile fails once, the download drops once; both are retried.
    name, content = next(m.document for m in documents if m.document[0].endswith(".yaml"))
    telegram.fail("getFile", 500)
    telegram.drop("file")
    mark = telegram.mark()
    telegram.user_sends_document(admin, name, content, "application/x-yaml")
    await telegram.reply_to(admin, "完全一样", mark)
    assert telegram.pending_faults() == 0

    # A filing with two photos and a PDF: the supervisor's /view re-sends them (an album, a document).
    preview = await request_to_preview(telegram, CADRE, photos=2)
    done = await press(telegram, CADRE, preview, "确认提交", "已提交，编号")
    ref = re.search(r"RC-\d{4}-\d{6}", done.plain).group(0)
    mark = telegram.mark()
    await say(telegram, SUP, f"/view {ref}", "状态")
    await telegram.wait_idle(quiet=0.8)
    sent = telegram.sent_to(SUP, mark)
    assert sorted(m.photo for m in sent if m.photo) == [b"\xff\xd8\xff\xe0jpeg\x01", b"\xff\xd8\xff\xe0jpeg\x02"]
    assert [m.document for m in sent if m.document] == [("收据.pdf", b"%PDF-1.4 receipt")]
    assert not any("无法从 Telegram 取回" in m.plain for m in sent)
