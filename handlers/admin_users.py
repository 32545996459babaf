"""Admins: invite codes from chat, as one command or step by step with buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.users import UserError
from handlers import menu
from handlers.access import require, t
from handlers.callback_data import Callback, as_id, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.reply import answer_query, keyboard, reply

CHOOSE_ROLE, TYPE_UNIT = range(2)


async def invite(update: Update, context: Ctx) -> int:
    admin = await require(update, context, "admin")
    if admin is None:
        return ConversationHandler.END
    args = context.args or []
    if len(args) >= 2:
        await _create(update, context, args[0].lower(), " ".join(args[1:]))
        return ConversationHandler.END
    if args:
        await reply(update, context, await t(update, context, "invite.usage"))
        return ConversationHandler.END
    await answer_query(update)
    end_others(context.application, update, "invite")
    rows = [[(await t(update, context, f"roles.{r}"), cb("inv", "role", r)) for r in ("cadre", "supervisor")]]
    await reply(update, context, await t(update, context, "invite.choose_role"), keyboard(rows))
    return CHOOSE_ROLE


async def chose_role(update: Update, context: Ctx) -> int:
    await answer_query(update)
    if await require(update, context, "admin") is None:
        return ConversationHandler.END
    data = Callback.parse(update.callback_query.data if update.callback_query else None)
    if data is None or data.arg not in ("cadre", "supervisor"):
        await reply(update, context, await t(update, context, "common.stale_button"))
        return CHOOSE_ROLE
    context.user_data["invite_role"] = data.arg
    await reply(update, context, await t(update, context, "invite.type_unit"))
    return TYPE_UNIT


async def typed_unit(update: Update, context: Ctx) -> int:
    if await require(update, context, "admin") is None:
        return ConversationHandler.END
    role = context.user_data.get("invite_role", "cadre")
    assert update.message is not None and update.message.text is not None
    if not await _create(update, context, role, update.message.text):
        return TYPE_UNIT
    context.user_data.pop("invite_role", None)
    return ConversationHandler.END


async def _create(update: Update, context: Ctx, role: str, unit: str) -> bool:
    admin = await context.services.users.get(update.effective_user.id) if update.effective_user else None
    try:
        created = await context.services.users.invite(role, unit, actor=admin.telegram_id if admin else None)
    except UserError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return False
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    text = await t(
        update,
        context,
        "invite.created",
        role=await t(update, context, f"roles.{created.role}"),
        unit=created.unit_name or "",
        code=created.code,
        link=link,
    )
    await reply(update, context, text)
    return True


def register(app: Application) -> None:
    app.add_handler(
        conversation(
            name="invite",
            entry_points=[CommandHandler("invite", invite), CallbackQueryHandler(invite, pattern=r"^m:invite:")],
            states={
                CHOOSE_ROLE: [CallbackQueryHandler(chose_role, pattern=pattern("inv"))],
                TYPE_UNIT: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_unit)],
            },
            state_key="invite_role",
            cancelled="invite.cancelled",
        )
    )
    menu.register("invite", {"admin"})


# -- /users: list, change role and unit, deactivate ---------------------------------------------
async def users_command(update: Update, context: Ctx) -> None:
    admin = await require(update, context, "admin")
    if admin is None:
        return
    await answer_query(update)
    args = context.args or []
    service = context.services.users
    try:
        target = as_id(args[1]) if len(args) >= 2 else None
        if args[:1] == ["role"] and len(args) >= 3 and target is not None:
            unit = " ".join(args[3:]) or None
            user = await service.add(target, args[2].lower(), unit, actor=admin.telegram_id)
            await reply(
                update,
                context,
                await t(
                    update,
                    context,
                    "users.changed",
                    id=user.telegram_id,
                    role=await t(update, context, f"roles.{user.role}"),
                    unit=user.unit_name or await t(update, context, "roles.none"),
                ),
            )
            return
        if args[:1] == ["seconded"] and len(args) == 2 and target is not None:
            user = await service.get(target)
            if user is None:
                raise UserError("users.unknown", id=args[1])
            await service.add(
                user.telegram_id,
                user.role,
                user.unit_name,
                actor=admin.telegram_id,
                display_name=user.display_name,
                seconded=not user.seconded,
            )
            await reply(
                update,
                context,
                await t(
                    update,
                    context,
                    "users.seconded_on" if not user.seconded else "users.seconded_off",
                    id=user.telegram_id,
                ),
            )
            return
        if args[:1] == ["deactivate"] and len(args) == 2 and target is not None:
            if target == admin.telegram_id:
                raise UserError("users.not_yourself")
            await service.deactivate(target, actor=admin.telegram_id)
            await reply(update, context, await t(update, context, "users.deactivated", id=args[1]))
            return
        if args:
            await reply(update, context, await t(update, context, "users.usage"))
            return
    except UserError as exc:
        await reply(update, context, await t(update, context, exc.key, **exc.values))
        return
    lines = [await t(update, context, "users.title")]
    for user in await service.list():
        lines.append(
            await t(
                update,
                context,
                "users.line",
                id=user.telegram_id,
                name=user.display_name or "-",
                role=await t(update, context, f"roles.{user.role}"),
                unit=user.unit_name or "-",
                state=await t(update, context, "users.active" if user.active else "users.inactive"),
                seconded=await t(update, context, "users.seconded_mark") if user.seconded else "",
            )
        )
    lines.append(await t(update, context, "users.usage"))
    await reply(update, context, "\n".join(lines))


def register_users(app: Application) -> None:
    app.add_handler(CommandHandler("users", users_command))
    menu.register("users", {"admin"}, users_command)
