"""Every handler, its group and its order, in one table (like python-telegram-bot's rules-bot ``main()``).

PTB offers an update to the groups in ascending order and, within a group, to the handlers in the
order they were added: the first whose filter matches runs, then the next group. So:

- group ``GATE`` runs first for every update and may stop it (rate limit, private chats only);
- group ``MAIN`` holds everything else, most specific first: commands, then the conversations,
  then what is left for free text and documents, and last the fallbacks for anything no feature took.

The conversations keep their own states inside (``conversation_handler()`` in each module).
To add a feature, add its line where it belongs in ``ROUTES`` — and in ``MENU`` if it has a button.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.users import FILERS, SUPERVISING
from handlers import (
    admin_kb,
    admin_users,
    common,
    filing_forms,
    followup,
    knowledge,
    menu,
    selfcheck,
    stats,
    supervise,
)
from handlers.callback_data import Ns, pattern
from handlers.web import chat_command
from storage.records import ROLES, Role

GATE, MAIN = -10, 0
ADMINS = {Role.ADMIN}
REGISTERED = set(ROLES)
PUBLIC = {menu.PUBLIC}


def routes() -> list[tuple[int, BaseHandler]]:
    """(group, handler) in the order PTB tries them."""
    return [
        # Before anything: too many updates, or not a private chat → stop here.
        (GATE, TypeHandler(Update, common.rate_limit)),
        (GATE + 1, TypeHandler(Update, common.private_only)),
        # Everyone.
        (MAIN, CommandHandler("start", common.start)),
        (MAIN, CommandHandler(["help", "menu"], common.help_menu)),
        (MAIN, CommandHandler("lang", common.choose_language)),
        (MAIN, CallbackQueryHandler(common.set_language, pattern=pattern(Ns.LANG))),
        # Admins: invite codes and users.
        (MAIN, admin_users.conversation_handler()),
        (MAIN, CommandHandler("users", admin_users.users_command)),
        # Knowledge: boundaries, answers, cases.
        (MAIN, CommandHandler("boundaries", knowledge.boundaries)),
        (MAIN, CommandHandler("ask", knowledge.ask)),
        (MAIN, CommandHandler("cases", knowledge.cases)),
        (MAIN, CallbackQueryHandler(knowledge.show, pattern=pattern(Ns.KB))),
        # Conversations; entering one ends any other (handlers.conversations.end_others).
        (MAIN, selfcheck.conversation_handler()),
        (MAIN, filing_forms.conversation_handler()),
        (MAIN, followup.conversation_handler()),
        (MAIN, supervise.conversation_handler()),
        # Superior supervision.
        (MAIN, CommandHandler("stats", stats.stats)),
        (MAIN, CallbackQueryHandler(stats.files, pattern=pattern(Ns.STATS))),
        (MAIN, CommandHandler("web", chat_command.web)),
        # Admins: the knowledge base.
        (MAIN, CommandHandler("draftcase", admin_kb.draft_case)),
        (MAIN, admin_kb.conversation_handler()),
        (MAIN, CallbackQueryHandler(admin_kb.press, pattern=pattern(Ns.KB_ADMIN))),
        # After the filing forms, which take documents as evidence while they run.
        (MAIN, MessageHandler(filters.Document.ALL, admin_kb.upload)),
        # After every conversation, so text inside a conversation never reaches it.
        (MAIN, MessageHandler(filters.TEXT & ~filters.COMMAND, knowledge.free_text)),
        # Last resort for anything no feature above took.
        (MAIN, CallbackQueryHandler(common.menu_press, pattern=pattern(Ns.MENU))),
        (MAIN, CommandHandler("cancel", common.cancel)),
        (MAIN, MessageHandler(filters.COMMAND, common.unknown_command)),
        (MAIN, CallbackQueryHandler(common.stale_button)),
        (MAIN, MessageHandler(~filters.TEXT & ~filters.COMMAND, common.not_text)),
    ]


# The /help menu, in the order its buttons appear: (action, who sees it, what a press runs).
# None: the press is an entry point of a conversation (its pattern ``m:<action>:``), caught there.
MENU = (
    ("lang", PUBLIC, common.choose_language),
    ("invite", ADMINS, None),
    ("users", ADMINS, admin_users.users_command),
    ("boundaries", PUBLIC, knowledge.boundaries),
    ("ask", PUBLIC, knowledge.ask),
    ("cases", REGISTERED, knowledge.cases),
    ("check", REGISTERED, None),
    ("apply", FILERS, None),
    ("report", FILERS, None),
    ("feedback", FILERS, None),
    ("my", FILERS, None),
    ("queue", SUPERVISING, None),
    ("lookback", SUPERVISING, None),
    ("stats", SUPERVISING, stats.stats),
    ("kb", ADMINS, None),
)


def install(application: Application) -> None:
    for group, handler in routes():
        application.add_handler(handler, group=group)
    for action, roles, handler in MENU:
        menu.register(action, roles, handler)
    application.add_error_handler(common.on_error)
