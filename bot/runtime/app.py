"""Wiring: one python-telegram-bot Application over the shared services, whatever transport feeds it."""

from __future__ import annotations

import logging
import warnings

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackContext, ContextTypes, Defaults
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.filing import calendar_watch
from bot.i18n import LOCALES
from bot.ops import log_redact
from bot.services import Services
from bot.transport.persistence import SqlitePersistence
from handlers import routing
from handlers.context import Ctx
from handlers.notify_buttons import make_markup

# Our conversations mix commands, text and buttons on purpose; their state is tracked per user,
# not per message, so PTB's per_message advice does not apply.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
log = logging.getLogger(__name__)

OFFLINE_TOKEN = "0:offline-local-bot-api"  # never valid at Telegram: offline mode cannot leak to it

# Shown in Telegram's command menu; descriptions come from the catalogue (commands.<name>).
COMMANDS = (
    "start",
    "help",
    "cases",
    "ask",
    "check",
    "apply",
    "report",
    "feedback",
    "my",
    "resume",
    "boundaries",
    "queue",
    "lookback",
    "cancel",
    "lang",
)


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit_outgoing: bool = False,
    with_updater: bool = True,
) -> Application:
    settings = services.settings
    log_redact.redact(settings.token)  # before the Bot exists: it logs its URL, token included
    builder: ApplicationBuilder = (
        ApplicationBuilder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .context_types(ContextTypes(context=Ctx))
        .persistence(SqlitePersistence(services.storage.ptb, settings.persistence_interval_s))
        .defaults(Defaults(parse_mode="HTML"))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit_outgoing:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["services"] = services
    services.filings.set_markup(make_markup(services))
    routing.install(application)
    return application


KB_REFRESH_S = 10
DEADLINES_S = 300
DRAFT_REMINDERS_S = 600


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data["services"]
    services.notifier.start(application.bot)
    await _check_calendar(services)
    for locale in LOCALES:
        commands = [BotCommand(c, services.catalogue.raw(locale, f"commands.{c}")) for c in COMMANDS]
        # The default list is the deployment's language; the other one is offered by Telegram client language.
        language = None if locale == services.settings.locale else locale
        await application.bot.set_my_commands(commands, language_code=language)
    if application.job_queue:
        # `cadrebot kb import` runs in another process; the bot picks its version up without a restart.
        jobs = application.job_queue
        jobs.run_repeating(_refresh_kb, interval=KB_REFRESH_S, first=KB_REFRESH_S, name="kb-refresh")
        # Due times live in SQLite; these jobs only look at them, so nothing is lost on a restart.
        jobs.run_repeating(_deadlines, interval=DEADLINES_S, first=5, name="deadlines")
        jobs.run_repeating(_draft_reminders, interval=DRAFT_REMINDERS_S, first=30, name="draft-reminders")


async def _deadlines(context: CallbackContext) -> None:
    services: Services = context.application.bot_data["services"]
    await services.filings.deadline_job.run()
    await _check_calendar(services)


async def _check_calendar(services: Services) -> None:
    """A deadline in a year no calendar source covers is provisional: tell the log and the admins."""
    try:
        await calendar_watch.check(services)
    except Exception:  # a warning must never stop the bot from starting or the deadlines from running
        log.exception("working-day calendar: the coverage check failed")


async def _draft_reminders(context: CallbackContext) -> None:
    services: Services = context.application.bot_data["services"]
    await services.filings.drafts.remind_idle()


async def _refresh_kb(context: CallbackContext) -> None:
    services: Services = context.application.bot_data["services"]
    await services.kb_admin.refresh()


async def _post_shutdown(application: Application) -> None:
    services: Services = application.bot_data["services"]
    await services.notifier.stop()
