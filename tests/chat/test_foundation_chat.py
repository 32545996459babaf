"""Whole conversations through the real Application: registration, roles, language, restarts."""

from __future__ import annotations

import asyncio

from bot.runtime.local_chat import LocalChat
from tests.support.flows import ADMIN, register, texts


async def test_unregistered_user_gets_explanation_and_public_menu(chat: LocalChat) -> None:
    replies = await chat.send(42, "/start")
    assert "还没有注册" in texts(replies)
    labels = [label for label, _ in replies[-1].buttons]
    assert any("语言" in label for label in labels)
    assert not any("邀请" in label or "容错申请" in label for label in labels)


async def test_invite_registers_once_and_code_cannot_be_reused(chat: LocalChat) -> None:
    sent = await chat.send(ADMIN, "/invite cadre 示例街道示例社区")
    assert "邀请码已生成" in sent[-1].plain
    code = next(line.strip() for line in sent[-1].plain.splitlines() if line.strip() and " " not in line.strip())
    first = await chat.send(2, f"/start {code}")
    assert "注册成功" in texts(first) and "社区干部" in texts(first)
    again = await chat.send(3, f"/start {code}")
    assert "无效" in texts(again)
    user = await chat.services.users.get(3)
    assert user is None


async def test_bad_and_hostile_codes_are_refused_politely(chat: LocalChat) -> None:
    for code in ("nope", "<b>x</b>", "x" * 300, "'; DROP TABLE users;--"):
        replies = await chat.send(9, f"/start {code}")
        assert "无效" in texts(replies)
    assert await chat.services.users.list() == [await chat.services.users.get(ADMIN)]


async def test_role_is_refused_server_side(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    replies = await chat.send(2, "/invite cadre 别的社区")
    assert "没有使用这项功能的权限" in texts(replies)
    # A forged button press for the admin-only flow is refused as well.
    replies = await chat.press(2, replies[-1], "inv:role:supervisor")
    assert "supervisor" not in texts(replies)
    assert "邀请码已生成" not in texts(replies)


async def test_invite_step_by_step_survives_a_restart(settings, knowledge) -> None:
    chat = await LocalChat.start(settings, knowledge)
    asked = await chat.send(ADMIN, "/invite")
    await chat.press_label(ADMIN, asked[-1], "监督审核人")
    await chat.stop()  # the bot restarts while the admin is typing the unit name

    chat = await LocalChat.start(settings, knowledge)
    try:
        done = await chat.send(ADMIN, "示例街道")
        assert "邀请码已生成" in texts(done) and "监督审核人" in texts(done)
    finally:
        await chat.stop()


async def test_language_switch_is_per_user(chat: LocalChat) -> None:
    asked = await chat.send(5, "/lang")
    switched = await chat.press_label(5, asked[-1], "English")
    assert "Switched to English" in texts(switched)
    assert "not registered" in texts(await chat.send(5, "/help"))
    assert "还没有注册" in texts(await chat.send(6, "/help"))


async def test_several_users_at_once(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "甲社区")
    await register(chat, 3, "supervisor", "甲社区")
    results = await asyncio.gather(*(chat.send(uid, "/help") for uid in (2, 3, 4, ADMIN)))
    assert all(results)
    menus = {m.chat_id: [label for label, _ in m.buttons] for batch in results for m in batch if m.buttons}
    assert any("邀请" in label for label in menus[ADMIN])
    assert not any("邀请" in label for label in menus[2])


async def test_unknown_command_sticker_and_stale_button(chat: LocalChat) -> None:
    assert "没有这个命令" in texts(await chat.send(2, "/nonsense"))
    assert "请用文字回复" in texts(await chat.send_sticker(2))
    menu = (await chat.send(2, "/help"))[-1]
    assert "已过期" in texts(await chat.press(2, menu, "zz:gone:1"))
    assert "已过期" in texts(await chat.press(2, menu, "not a payload at all"))


async def test_cancel_with_nothing_running(chat: LocalChat) -> None:
    assert "没有进行中的操作" in texts(await chat.send(2, "/cancel"))


async def test_nothing_the_bot_sent_was_refused_by_the_api(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "示例社区")
    for text in ("/start", "/help", "/lang", "<script>alert(1)</script>", "&amp; & < >"):
        await chat.send(2, text)
    assert chat.api.refusals == []


async def test_admin_manages_users_from_chat(chat: LocalChat) -> None:
    await register(chat, 2, "cadre", "甲社区")
    listing = texts(await chat.send(ADMIN, "/users"))
    assert "2 · " in listing and "甲社区" in listing
    assert "监督审核人" in texts(await chat.send(ADMIN, "/users role 2 supervisor 乙社区"))
    user = await chat.services.users.get(2)
    assert user.role == "supervisor" and user.unit_name == "乙社区"
    assert "挂职干部" in texts(await chat.send(ADMIN, "/users seconded 2"))
    assert (await chat.services.users.get(2)).seconded
    await chat.send(ADMIN, "/users role 2 cadre 乙社区")
    assert (await chat.services.users.get(2)).seconded  # a role change keeps the secondment
    assert "已停用" in texts(await chat.send(ADMIN, "/users deactivate 2"))
    assert "已停用" in texts(await chat.send(2, "/help"))
    assert "无效" in texts(await chat.send(ADMIN, "/users role 2 boss 乙社区"))
    assert "没有使用这项功能的权限" in texts(await chat.send(3, "/users")) or "还没有注册" in texts(
        await chat.send(3, "/users")
    )
    actions = [e.action for e in await chat.services.storage.audit.all()]
    assert actions.count("user.role") >= 3 and "user.deactivate" in actions


async def test_admin_cannot_deactivate_themselves(chat: LocalChat) -> None:
    assert "不能停用自己" in texts(await chat.send(ADMIN, f"/users deactivate {ADMIN}"))
    assert (await chat.services.users.get(ADMIN)).active
