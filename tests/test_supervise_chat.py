"""Supervisors receive, accept, ask, decide, look back and correct — cadres follow it all in /my."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.ops.audit import verify_chain
from bot.runtime.local_chat import LocalChat
from tests.conftest import ADMIN, register, texts
from tests.test_filing_chat import _fill_request

CADRE, SUP, SUP2, FOREIGN = 2, 3, 5, 4


async def _filed(chat: LocalChat) -> tuple[str, list]:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    await register(chat, SUP2, "supervisor", "甲社区")
    await register(chat, FOREIGN, "supervisor", "乙社区")
    preview = await _fill_request(chat)
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    ref = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)
    notice = next(m for m in sent if m.chat_id == SUP and ref in m.plain)
    return ref, [notice]


def _button(message, prefix: str) -> str:
    return next(d for _, d in message.buttons if d.startswith(prefix))


async def test_accept_info_roundtrip_decide_and_history(chat: LocalChat) -> None:
    ref, (notice,) = await _filed(chat)
    accepted = await chat.press(SUP, notice, f"sv:acc:{ref}")
    assert "已受理" in texts(accepted, SUP) and "认定期限" in texts(accepted, CADRE)

    view = await chat.send(SUP, f"/view {ref}")
    assert "封控当晚" in texts(view, SUP) and "认定时限" in texts(view, SUP)
    asked = await chat.press(SUP, view[0], f"sv:info:{ref}")
    assert "补充哪些材料" in texts(asked)
    sent = await chat.send(SUP, "请补充超市的报价单和验收单")
    to_cadre = next(m for m in sent if m.chat_id == CADRE)
    assert "报价单" in to_cadre.plain
    prompt = await chat.press(CADRE, to_cadre, _button(to_cadre, "my:ans:"))
    assert ref in texts(prompt)
    answered = await chat.send(CADRE, "报价单已拍照，验收单在街道财务")
    assert "报价单已拍照" in texts(answered, SUP)

    note = await chat.press(SUP, view[0], f"sv:note:{ref}")
    assert note
    await chat.send(SUP, "内部：价格差异约 5%，合理")

    start = await chat.press(SUP, view[0], f"sv:dec:{ref}")
    form = await chat.press(SUP, start[-1], "dc:o:partially_tolerated")
    form = await chat.press(SUP, form[-1], "dc:b:org_interest")
    form = await chat.press(SUP, form[-1], "dc:d:1")
    asked = await chat.press(SUP, form[-1], "dc:ok:")
    assert "理由" in texts(asked)
    assert "太短" in texts(await chat.send(SUP, "可以"))
    decided = await chat.send(SUP, "出于公心应急采购，但价格未比对，部分容错并要求完善流程。")
    assert "已对" in texts(decided, SUP)
    assert "部分容错" in texts(decided, CADRE) and "出于公心" in texts(decided, CADRE)

    mine = await chat.send(CADRE, "/my")
    detail = await chat.press(CADRE, mine[-1], f"my:v:{ref}")
    out = texts(detail)
    assert "已认定：部分容错" in out and "要求补充材料" in out and "报价单已拍照" in out
    assert "价格差异约" not in out  # the internal note stays internal
    assert "价格差异约" in texts(await chat.send(SUP, f"/view {ref}"), SUP)
    assert verify_chain(await chat.services.storage.audit.all()) == []


async def test_other_units_and_forged_buttons_see_nothing(chat: LocalChat) -> None:
    ref, (notice,) = await _filed(chat)
    for attempt in (f"/view {ref}", "/view RC-2026-999999"):
        out = texts(await chat.send(FOREIGN, attempt))
        assert "没有找到" in out and "封控" not in out
    forged = await chat.press(FOREIGN, notice, f"sv:acc:{ref}")
    assert "没有找到" in texts(forged)
    assert "没有使用这项功能的权限" in texts(await chat.press(CADRE, notice, f"sv:acc:{ref}"))
    state = await chat.services.storage.db.fetchone("SELECT state FROM filings WHERE ref = ?", (ref,))
    assert state[0] == "submitted"
    other_cadre = 9
    await register(chat, other_cadre, "cadre", "甲社区")
    mine = await chat.press(other_cadre, notice, f"my:v:{ref}")
    assert "没有找到" in texts(mine)


async def test_queue_search_and_withdraw(chat: LocalChat) -> None:
    ref, _ = await _filed(chat)
    queue = await chat.send(SUP, "/queue")
    assert ref in texts(queue)
    assert ref in texts(await chat.send(SUP, "/search 甲社区"))
    assert ref in texts(await chat.send(SUP, f"/search {ref}"))
    assert "没有找到" in texts(await chat.send(SUP, "/search 不存在的社区"))
    assert "没有找到" in texts(await chat.send(FOREIGN, f"/search {ref}"))
    mine = await chat.send(CADRE, "/my")
    detail = await chat.press(CADRE, mine[-1], f"my:v:{ref}")
    confirm = await chat.press(CADRE, detail[-1], _button(detail[-1], "my:wd:"))
    done = await chat.press(CADRE, confirm[-1], _button(confirm[-1], "my:wdok:"))
    assert "已撤回" in texts(done, CADRE) and "撤回" in texts(done, SUP)
    assert ref not in texts(await chat.send(SUP, "/queue"))
    # A decision after withdrawal is refused, whoever asks.
    assert "当前状态下不能" in texts(await chat.press(SUP, detail[-1], f"sv:acc:{ref}"))


async def test_lookback_correction_with_clearing_note(chat: LocalChat) -> None:
    ref, (notice,) = await _filed(chat)
    await chat.press(SUP, notice, f"sv:acc:{ref}")
    view = await chat.send(SUP, f"/view {ref}")
    start = await chat.press(SUP, view[0], f"sv:dec:{ref}")
    form = await chat.press(SUP, start[-1], "dc:o:not_tolerated")
    form = await chat.press(SUP, form[-1], "dc:b:law")
    await chat.press(SUP, form[-1], "dc:ok:")
    await chat.send(SUP, "未履行采购程序，价格偏高，不予容错。")

    today = chat.services.filings.calendar.local_date(datetime.now(UTC))  # draw takes local days
    drawn = await chat.send(ADMIN, f"/lookback draw {today - timedelta(days=1)} {today}")
    assert "抽取 1 件" in texts(drawn, ADMIN)
    assert ref in texts(drawn, SUP2)  # assigned to the supervisor who did not decide
    mine = await chat.send(SUP2, "/lookback")
    fix = _button(mine[-1], "lb:fix:")
    start = await chat.press(SUP2, mine[-1], fix)
    form = await chat.press(SUP2, start[-1], "dc:o:tolerated")
    asked = await chat.press(SUP2, form[-1], "dc:ok:")
    assert "理由" in texts(asked)
    clear = await chat.send(SUP2, "复核认为价格差异在应急合理范围内，出于公心，应予容错。")
    assert "澄清说明" in texts(clear)
    done = await chat.send(SUP2, "经复核，该同志应急采购行为符合容错条件，特此澄清，消除影响。")
    assert "已纠正" in texts(done, SUP2)
    assert "特此澄清" in texts(done, CADRE) and "予以容错" in texts(done, CADRE)
    row = await chat.services.storage.db.fetchone("SELECT state FROM filings WHERE ref = ?", (ref,))
    assert row[0] == "corrected"
    # The supervisor who decided cannot review their own decision.
    assert "没有分配给您" in texts(await chat.send(SUP, "/lookback")) or "没有" in texts(
        await chat.send(SUP, "/lookback")
    )


async def test_decided_request_becomes_a_reviewed_draft_case(chat: LocalChat) -> None:
    ref, (notice,) = await _filed(chat)
    await chat.services.users.add(CADRE, "cadre", "甲社区", display_name="王小明")
    await chat.press(SUP, notice, f"sv:acc:{ref}")
    assert "还没有认定" in texts(await chat.send(ADMIN, f"/draftcase {ref}"))
    view = await chat.send(SUP, f"/view {ref}")
    start = await chat.press(SUP, view[0], f"sv:dec:{ref}")
    form = await chat.press(SUP, start[-1], "dc:o:tolerated")
    await chat.press(SUP, form[-1], "dc:ok:")
    await chat.send(SUP, "王小明出于公心应急采购，无利益输送，予以容错。联系电话13812345678。")
    draft = await chat.send(ADMIN, f"/draftcase {ref}")
    out = texts(draft)
    assert "案例草稿" in out and "予以容错" in out
    assert "王小明" not in out and "13812345678" not in out and "王某" in out
    assert "没有使用这项功能的权限" in texts(await chat.send(SUP, f"/draftcase {ref}"))
    before = chat.services.knowledge.current.version
    await chat.press_label(ADMIN, draft[-1], "确认应用")
    case_id = "C-" + ref.replace("-", "")
    case = chat.services.knowledge.current.kb.case(case_id)
    assert case is not None and case.outcome == "tolerated"
    assert chat.services.knowledge.current.version > before


async def test_clearing_note_for_an_untrue_report(chat: LocalChat) -> None:
    await _filed(chat)
    assert "用法" in texts(await chat.send(SUP, "/clear abc"))
    asked = await chat.send(SUP, f"/clear {CADRE}")
    assert "澄清说明" in texts(asked)
    done = await chat.send(SUP, "经核查，关于该同志违规发放物资的举报不属实。")
    assert "已为用户" in texts(done, SUP)
    assert "举报不属实" in texts(done, CADRE)
    refused = await chat.send(FOREIGN, f"/clear {CADRE}")
    refused += await chat.send(FOREIGN, "另一个单位的人不能替他澄清。")
    assert "没有找到" in texts(refused, FOREIGN)
    rows = await chat.services.storage.db.fetchall("SELECT cadre_id FROM clearing_notes")
    assert [r[0] for r in rows] == [CADRE]


async def test_feedback_read_answer_and_forward(chat: LocalChat) -> None:
    await register(chat, SUP, "supervisor", "甲社区")
    await chat.services.users.add(CADRE, "cadre", "甲社区", seconded=True)
    first = await chat.send(CADRE, "/feedback")
    step = await chat.press_label(CADRE, first[-1], "社区真实情况")
    step = await chat.send(CADRE, "安置点夜间照明不足，老人起夜容易摔倒")
    step = await chat.press_label(CADRE, step[-1], "一般")
    step = await chat.press_label(CADRE, step[-1], "完成")
    preview = await chat.press_label(CADRE, step[-1], "不同意")
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    ref = re.search(r"FB-\d{4}-\d{6}", texts(sent, CADRE)).group(0)
    view = await chat.send(SUP, f"/view {ref}")
    assert "照明不足" in texts(view, SUP)
    read = await chat.press(SUP, view[0], f"sv:read:{ref}")
    assert "已被阅读" in texts(read, CADRE)
    await chat.press(SUP, view[0], f"sv:fans:{ref}")
    answered = await chat.send(SUP, "已协调增设应急灯二十盏，本周内安装。")
    assert "应急灯" in texts(answered, CADRE)
    # Once answered, forwarding is no longer possible, whoever asks.
    assert "当前状态下不能" in texts(await chat.press(SUP, view[0], f"sv:ffwd:{ref}"))
    row = await chat.services.storage.db.fetchone("SELECT state FROM filings WHERE ref = ?", (ref,))
    assert row[0] == "answered"


async def test_stats_export_and_chart_for_own_units_only(chat: LocalChat) -> None:
    import io

    from openpyxl import load_workbook

    ref, (notice,) = await _filed(chat)
    await chat.press(SUP, notice, f"sv:acc:{ref}")
    summary = await chat.send(SUP, "/stats")
    assert "甲社区" in texts(summary) or "1" in texts(summary)
    assert "用法" in texts(await chat.send(SUP, "/stats 2026-13-01"))
    xlsx = await chat.press_label(SUP, summary[-1], "导出 Excel")
    document = next(m.document for m in xlsx if m.document)
    book = load_workbook(io.BytesIO(document[1]))
    cells = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert ref in cells
    chart = await chat.press_label(SUP, summary[-1], "每周认定图")
    assert any(m.photo and m.photo.startswith(b"\x89PNG") for m in chart)
    foreign = await chat.send(FOREIGN, "/stats")
    foreign_xlsx = await chat.press_label(FOREIGN, foreign[-1], "导出 Excel")
    book = load_workbook(io.BytesIO(next(m.document for m in foreign_xlsx if m.document)[1]))
    assert ref not in [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "没有使用这项功能的权限" in texts(await chat.send(CADRE, "/stats"))
    assert "export.xlsx" in [e.action for e in await chat.services.storage.audit.all()]


async def test_clear_does_not_tell_which_ids_are_registered(chat: LocalChat) -> None:
    await _filed(chat)
    unknown = 987654321
    registered_here = texts(await chat.send(FOREIGN, f"/clear {CADRE}")).replace(str(CADRE), "ID")
    await chat.send(FOREIGN, "/cancel")
    nobody = texts(await chat.send(FOREIGN, f"/clear {unknown}")).replace(str(unknown), "ID")
    assert registered_here == nobody and "澄清说明" in nobody
    # Both end the same way once the note is written, and nothing is recorded.
    refused_unknown = texts(await chat.send(FOREIGN, "经核查，举报不属实，特此澄清。"), FOREIGN)
    await chat.send(FOREIGN, f"/clear {CADRE}")
    refused_registered = texts(await chat.send(FOREIGN, "经核查，举报不属实，特此澄清。"), FOREIGN)
    assert refused_unknown == refused_registered and "没有找到" in refused_unknown
    assert await chat.services.storage.db.fetchall("SELECT cadre_id FROM clearing_notes") == []
