"""Evidence after submission: the answer to a request for information carries photos and files,
and a cadre adds evidence to their undecided request from /my; each addition is in the history and
the audit log, the supervisors are told, and /view shows the new files with the originals."""

from __future__ import annotations

import re

from bot.runtime.local_chat import LocalChat
from tests.support.flows import fill_request, register, texts

CADRE, SUP = 2, 3


def _to(messages, chat_id: int) -> list:
    return [m for m in messages if m.chat_id == chat_id]


async def test_files_with_the_answer_and_from_my_are_on_file_and_shown(chat: LocalChat) -> None:
    await register(chat, CADRE, "cadre", "甲社区")
    await register(chat, SUP, "supervisor", "甲社区")
    preview = await fill_request(chat)  # one photo and one PDF in the form
    sent = await chat.press_label(CADRE, preview[-1], "确认提交")
    ref = re.search(r"RC-\d{4}-\d{6}", texts(sent, CADRE)).group(0)

    # Asked for a quote and screenshots, the cadre answers with a file, a photo, then the text.
    await chat.press(SUP, _to(sent, SUP)[0], f"sv:acc:{ref}")
    await chat.press(SUP, (await chat.send(SUP, f"/view {ref}"))[-1], f"sv:info:{ref}")
    (asked,) = _to(await chat.send(SUP, "请补充施工队的报价单和截图"), CADRE)
    prompt = await chat.press(CADRE, asked, next(d for _, d in asked.buttons if d.startswith("my:ans:")))
    assert "也可以先发照片或文件" in texts(prompt)
    refused = await chat.send_document(CADRE, "tool.exe", b"MZ", "application/x-msdownload")
    assert "不支持这种文件" in texts(refused)
    added = await chat.send_document(CADRE, "报价单.pdf", b"%PDF-1.4 quote", "application/pdf")
    assert f"已补充到 {ref}：报价单.pdf" in texts(added, CADRE)
    assert "补充了一份材料" in texts(added, SUP)
    await chat.send_photo(CADRE, b"\xff\xd8jpeg-screenshot")
    answered = await chat.send(CADRE, "报价单和聊天截图已发")
    assert "报价单和聊天截图已发" in texts(answered, SUP)

    # Later, from /my, one more photo while the request is undecided.
    mine = await chat.send(CADRE, "/my")
    opened = await chat.press_label(CADRE, mine[-1], f"查看 {ref}")
    asking = await chat.press_label(CADRE, opened[-1], "补充材料")
    assert "请发送要补充到" in texts(asking)
    more = await chat.send_photo(CADRE, b"\xff\xd8jpeg-site")
    assert "已补充到" in texts(more, CADRE) and "补充了一份材料" in texts(more, SUP)
    assert "已全部登记" in texts(await chat.press_label(CADRE, asking[-1], "完成"))

    # The supervisor sees five files in one album and one document list, and three additions in the history.
    view = await chat.send(SUP, f"/view {ref}")
    assert "5 个附件" in texts(view)
    album = [m for m in view if m.photo]
    assert [m.photo for m in album] == [b"\xff\xd8jpeg", b"\xff\xd8jpeg-screenshot", b"\xff\xd8jpeg-site"]
    assert [m.document[0] for m in view if m.document] == ["收据.pdf", "报价单.pdf"]
    assert texts(view).count("补充材料") >= 3
    audit = [e for e in await chat.services.storage.audit.all() if e.action == "filing.add_evidence"]
    assert [e.subject for e in audit] == [ref] * 3

    # Once decided, nothing more can be added.
    start = await chat.press(SUP, view[-1], f"sv:dec:{ref}")
    form = await chat.press(SUP, start[-1], "dc:o:tolerated")
    await chat.press(SUP, form[-1], "dc:ok:")
    await chat.send(SUP, "情况紧急且事后补齐手续，予以容错免责。")
    opened = await chat.press_label(CADRE, (await chat.send(CADRE, "/my"))[-1], f"查看 {ref}")
    assert not any("补充材料" in label for label, _ in opened[-1].buttons)
    # An old 补充材料 button is refused at once.
    late = await chat.press(CADRE, opened[-1], f"my:ev:{ref}")
    assert "当前状态下不能" in texts(late) and "请发送要补充到" not in texts(late)
