"""The bot token never reaches a log.

httpx logs every request URL at INFO and python-telegram-bot logs its API URLs at DEBUG, and the
Bot API puts the token in the URL (``…/bot<TOKEN>/getUpdates``). Whoever turns logging up to find
a problem must not end up with the token in a file: every log record, whichever logger and handler
it goes through, is scrubbed when it is created.
"""

from __future__ import annotations

import logging
import traceback

REDACTED = "<token>"
_secrets: list[str] = []
_installed = False


def redact(secret: str | None) -> None:
    """From now on, replace ``secret`` (and the part after ``id:``) in every log record."""
    global _installed
    if not secret:
        return
    for value in (secret, secret.partition(":")[2]):
        if len(value) >= 8 and value not in _secrets:
            _secrets.append(value)
    _secrets.sort(key=len, reverse=True)  # the whole token before its secret half
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def scrub(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's problem to report, not ours
        return
    cleaned = scrub(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = scrub(text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
