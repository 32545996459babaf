"""Admins change the knowledge base from chat: validate, diff, confirm, history, rollback, export."""

from __future__ import annotations

import asyncio
import json

from bot.runtime.local_chat import LocalChat
from tests.support.flows import ADMIN, register, texts


def _cases_file(chat: LocalChat) -> dict:
    kb = chat.services.knowledge.current.kb
    return {"cases": [c.model_dump(mode="json") for c in kb.cases]}


async def test_upload_shows_diff_and_applies_only_after_confirmation(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    data = _cases_file(chat)
    removed = data["cases"].pop()
    data["cases"][0]["lessons"] = "改过的启示：先报备再行动。"
    new_case = dict(
        data["cases"][1],
        id="NEW-1",
        title="台风夜临时征用校车转移独居老人",
        background="台风登陆前夜，社区未签协议临时征用校车转移二十名独居老人，事后补签。",
        keywords=["台风", "征用校车", "转移老人"],
    )
    data["cases"].append(new_case)
    before = chat.services.knowledge.current.version

    shown = await chat.send_document(
        ADMIN, "cases.json", json.dumps(data, ensure_ascii=False).encode(), "application/json"
    )
    out = texts(shown)
    assert "校验通过" in out and "NEW-1" in out and removed["id"] in out and "案例启示" in out
    assert chat.services.knowledge.current.version == before  # nothing applied yet

    applied = await chat.press_label(ADMIN, shown[-1], "确认应用")
    assert "已应用为第" in texts(applied)
    assert chat.services.knowledge.current.version > before
    assert chat.services.knowledge.current.kb.case("NEW-1") is not None
    # The new case is matched at once, without a restart.
    assert "台风夜临时征用校车" in texts(await chat.send(2, "/cases 台风来了临时征用校车转移老人"))
    # Pressing confirm again changes nothing.
    assert "已经处理过了" in texts(await chat.press_label(ADMIN, shown[-1], "确认应用"))


async def test_bad_files_are_refused_with_every_problem_and_change_nothing(chat: LocalChat) -> None:
    version = chat.services.knowledge.current.version
    good = _cases_file(chat)
    broken = json.loads(json.dumps(good))
    broken["cases"][0]["keywords"] = ["只有", "两个"]
    broken["cases"][1]["outcome"] = "maybe"
    broken["cases"][2]["id"] = broken["cases"][3]["id"]
    uploads = [
        ("cases.json", json.dumps(broken, ensure_ascii=False).encode(), ["keywords", "outcome", "duplicate"]),
        ("cases.json", b'{"cases": [', ["invalid JSON"]),
        ("cases.json", "案例".encode("gbk"), ["UTF-8"]),
        ("faq.yaml", "- id: F1\n  question: 问\n  answer: 答\n  articles: [NOPE]\n".encode(), ["unknown article NOPE"]),
        ("notes.txt", b"hello", ["unknown knowledge file"]),
    ]
    for name, content, expected in uploads:
        out = texts(await chat.send_document(ADMIN, name, content, "application/octet-stream"))
        assert "没有通过校验" in out, out
        for word in expected:
            assert word in out, (word, out)
        assert "Traceback" not in out
    assert chat.services.knowledge.current.version == version
    assert chat.api.refusals == []


async def test_oversized_file_is_refused_before_download(chat: LocalChat) -> None:
    limit = chat.services.kb_admin.max_bytes
    out = texts(await chat.send_document(ADMIN, "cases.json", b" " * (limit + 1), "application/json"))
    assert "文件太大" in out


async def test_non_admin_cannot_upload_or_confirm(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    data = _cases_file(chat)
    data["cases"][0]["title"] = "被篡改的标题"
    out = await chat.send_document(2, "cases.json", json.dumps(data, ensure_ascii=False).encode(), "application/json")
    assert "校验通过" not in texts(out)
    staged = await chat.send_document(
        ADMIN, "cases.json", json.dumps(data, ensure_ascii=False).encode(), "application/json"
    )
    apply_data = next(d for _, d in staged[-1].buttons if d.startswith("kbm:apply:"))
    assert "没有使用这项功能的权限" in texts(await chat.press(2, staged[-1], apply_data))
    assert chat.services.knowledge.current.kb.cases[0].title != "被篡改的标题"
    assert "没有使用这项功能的权限" in texts(await chat.send(2, "/kb"))


async def test_edit_history_rollback_and_export_round_trip(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    snapshot = chat.services.knowledge.current
    entry = next(
        f for f in snapshot.kb.faq if (r := snapshot.matcher.answer(f.question)).confident and r.hits[0].id == f.id
    )
    first_version = chat.services.knowledge.current.version
    asked = await chat.send(ADMIN, f"/kb edit {entry.id}")
    typed = await chat.press(ADMIN, asked[-1], "kbe:f:answer")
    assert "新内容" in texts(typed)
    preview = await chat.send(ADMIN, "新的答复：先报备，再申请。")
    assert "答案" in texts(preview)
    await chat.press_label(ADMIN, preview[-1], "确认应用")
    assert "新的答复" in texts(await chat.send(2, f"/ask {entry.question}"))

    history = await chat.send(ADMIN, "/kb history")
    assert "随程序发布的内容" in texts(history)
    confirm = await chat.press(ADMIN, history[-1], f"kbm:rb:{first_version}")
    done = await chat.press_label(ADMIN, confirm[-1], "确定恢复")
    assert "已恢复" in texts(done)
    assert chat.services.knowledge.current.kb.faq_entry(entry.id).answer == entry.answer

    exported = await chat.send(ADMIN, "/kb export")
    files = {m.document[0]: m.document[1] for m in exported if m.document}
    assert set(files) == {"articles.yaml", "faq.yaml", "cases.json", "selfcheck.yaml"}
    for name, content in files.items():
        again = await chat.send_document(ADMIN, name, content, "application/octet-stream")
        assert "完全一样" in texts(again), name


async def test_queries_keep_working_during_a_swap(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    data = _cases_file(chat)
    data["cases"][0]["title"] = data["cases"][0]["title"] + "（修订）"
    staged = await chat.send_document(
        ADMIN, "cases.json", json.dumps(data, ensure_ascii=False).encode(), "application/json"
    )
    queries = [chat.send(2, f"/cases {c.title}") for c in chat.services.knowledge.current.kb.cases[:20]]
    results = await asyncio.gather(*queries, chat.press_label(ADMIN, staged[-1], "确认应用"))
    for replies in results[:-1]:
        assert replies and "出了点问题" not in texts(replies)
    assert "（修订）" in chat.services.knowledge.current.kb.cases[0].title
