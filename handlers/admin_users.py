"""Admins: invite codes from chat, as one command or step by step with buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.users import UserError
from handlers.callback_data import Callback, Invite, Ns, as_id, cb, pattern
from handlers.context import Ctx
from handlers.conversations import conversation, end_others
from handlers.guards import END, refuse, requires, stale
from handlers.reply import keyboard, reply
from handlers.texts import t, tell, words
from storage.records import Role, User

# The invite conversation's states: pick the role, then type the unit.
CHOOSE_ROLE, TYPE_UNIT = range(2)
NAME = "invite"
INVITABLE = (Role.CADRE, Role.SUPERVISOR)  # admins come from the configuration, never from a code

admin_only = requires(Role.ADMIN)


@admin_only
async def invite(update: Update, context: Ctx, admin: User) -> int:
    args = context.args or []
    if len(args) >= 2:
        await _create(update, context, admin, args[0].lower(), " ".join(args[1:]))
        return END
    if args:
        await refuse(update, context, "invite.usage")
        return END
    end_others(context.application, update, NAME)
    rows = [[(await t(update, context, f"roles.{r}"), cb(Ns.INVITE, Invite.ROLE, r)) for r in INVITABLE]]
    await reply(update, context, await t(update, context, "invite.choose_role"), keyboard(rows))
    return CHOOSE_ROLE


@admin_only
async def chose_role(update: Update, context: Ctx, admin: User) -> int:
    data = Callback.of(update)
    if data is None or data.arg not in INVITABLE:
        await stale(update, context)
        return CHOOSE_ROLE
    context.store["invite_role"] = data.arg
    await tell(update, context, "invite.type_unit")
    return TYPE_UNIT


@requires(Role.ADMIN, stay=TYPE_UNIT)
async def typed_unit(update: Update, context: Ctx, admin: User) -> int:
    role = context.stored("invite_role", str) or "cadre"
    assert update.message is not None and update.message.text is not None
    await _create(update, context, admin, role, update.message.text)
    context.store.pop("invite_role", None)
    return END


async def _create(update: Update, context: Ctx, admin: User, role: str, unit: str) -> None:
    created = await context.services.users.invite(role, unit, actor=admin.telegram_id)
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


def conversation_handler() -> ConversationHandler:
    return conversation(
        name=NAME,
        entry_points=[
            CommandHandler("invite", invite),
            CallbackQueryHandler(invite, pattern=pattern(Ns.MENU, "invite")),
        ],
        states={
            CHOOSE_ROLE: [CallbackQueryHandler(chose_role, pattern=pattern(Ns.INVITE))],
            TYPE_UNIT: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_unit)],
        },
        state_key="invite_role",
        cancelled="invite.cancelled",
    )


# -- /users: list, change role and unit, deactivate ---------------------------------------------
async def _set_role(update: Update, context: Ctx, admin: User, target: int, args: list[str]) -> None:
    unit = " ".join(args[3:]) or None
    user = await context.services.users.add(target, args[2].lower(), unit, actor=admin.telegram_id)
    say = await words(update, context)
    role, unit_name = say(f"roles.{user.role}"), user.unit_name or say("roles.none")
    await reply(update, context, say("users.changed", id=user.telegram_id, role=role, unit=unit_name))


async def _toggle_seconded(update: Update, context: Ctx, admin: User, target: int, args: list[str]) -> None:
    service = context.services.users
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
    await tell(update, context, "users.seconded_on" if not user.seconded else "users.seconded_off", id=user.telegram_id)


async def _deactivate(update: Update, context: Ctx, admin: User, target: int, args: list[str]) -> None:
    if target == admin.telegram_id:
        raise UserError("users.not_yourself")
    await context.services.users.deactivate(target, actor=admin.telegram_id)
    await tell(update, context, "users.deactivated", id=args[1])


# Subcommand → (how many words it takes at least, exactly; None: any more), what it does.
SUBCOMMANDS = {
    "role": ((3, None), _set_role),
    "seconded": ((2, 2), _toggle_seconded),
    "deactivate": ((2, 2), _deactivate),
}


@admin_only
async def users_command(update: Update, context: Ctx, admin: User) -> None:
    args = context.args or []
    if args:
        (least, most), run = SUBCOMMANDS.get(args[0], ((0, -1), None))
        target = as_id(args[1]) if len(args) >= 2 else None
        if run is None or target is None or len(args) < least or (most is not None and len(args) > most):
            await refuse(update, context, "users.usage")
            return
        await run(update, context, admin, target, args)
        return
    say = await words(update, context)
    lines = [say("users.title")]
    for user in await context.services.users.list():
        lines.append(
            say(
                "users.line",
                id=user.telegram_id,
                name=user.display_name or "-",
                role=say(f"roles.{user.role}"),
                unit=user.unit_name or "-",
                state=say("users.active" if user.active else "users.inactive"),
                seconded=say("users.seconded_mark") if user.seconded else "",
            )
        )
    lines.append(say("users.usage"))
    await reply(update, context, "\n".join(lines))
