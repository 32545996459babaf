"""Evidence after submission: who may add files to a filing already on file, and when.

The filer alone, on their own tolerance request, while it is undecided (submitted, accepted or
waiting for their answer): a decision is taken on what was on file, so nothing is added after it.
Files are checked as in the form (type, size, count: :class:`~bot.filing.context.FilingLimits`).
"""

from __future__ import annotations

from bot.filing.context import FilingLimits
from bot.filing.errors import FilingError, TransitionError
from storage.records_filings import Filing, FilingKind, FilingState

UNDECIDED: frozenset[FilingState] = frozenset({FilingState.SUBMITTED, FilingState.ACCEPTED, FilingState.INFO_REQUESTED})
ACTION = "add_evidence"


def may_add(filing: Filing, user_id: int) -> bool:
    return filing.cadre_id == user_id and filing.kind == FilingKind.REQUEST and filing.state in UNDECIDED


def check_addition(filing: Filing, user_id: int) -> None:
    if filing.cadre_id != user_id:
        raise TransitionError("filing.error.not_allowed", action=ACTION)
    if not may_add(filing, user_id):
        raise TransitionError("filing.error.illegal_transition", state=filing.state, action=ACTION)


def check_file(limits: FilingLimits, *, file_id: str, mime: str, size: int, already: int) -> str:
    """The file's MIME type, normalised, or the reason it is refused (the form's checks)."""
    mime = (mime or "").lower().strip()
    if mime not in limits.allowed_mime:
        raise FilingError("filing.error.file_type", mime=mime or "?")
    # Telegram may omit a document's size (0 here): we never download evidence, so an unknown
    # size is accepted; a known one over the limit is not.
    if size < 0 or size > limits.max_file_bytes:
        raise FilingError("filing.error.file_too_large", limit_mb=limits.max_file_bytes // (1024 * 1024))
    if not file_id or len(file_id) > 256:
        raise FilingError("filing.error.bad_attachment")
    if already >= limits.max_attachments:
        raise FilingError("filing.error.too_many_files", limit=limits.max_attachments)
    return mime
