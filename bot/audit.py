"""Verify the audit log's hash chain: any edited, deleted or reordered entry is reported.

Each entry's hash covers the previous entry's hash, its time, actor, action, subject and payload
(:func:`storage.sqlite.audit.entry_hash`). Editing an entry breaks its own hash; deleting one
breaks the next entry's ``prev_hash`` link (and leaves an id gap); swapping two breaks both the
links and the id order. Deleting the *newest* entries cannot be seen from the chain alone: compare
with a head hash kept elsewhere (``expected_head``) to catch that too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from storage.records import AuditEntry
from storage.sqlite.audit import GENESIS, entry_hash

ProblemKind = Literal["edited", "broken_link", "id_gap", "out_of_order", "head_mismatch"]


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "log"
        return f"{where}: {self.kind}: {self.detail}"


def verify_chain(entries: Iterable[AuditEntry], expected_head: str | None = None) -> list[AuditProblem]:
    """Problems found walking the entries in the order given (as stored: by id); [] when intact."""
    problems: list[AuditProblem] = []
    prev_hash = GENESIS
    prev_id: int | None = None
    last_hash = GENESIS
    for entry in entries:
        if prev_id is not None:
            if entry.id <= prev_id:
                problems.append(AuditProblem(entry.id, "out_of_order", f"id {entry.id} follows id {prev_id}"))
            elif entry.id != prev_id + 1:
                problems.append(AuditProblem(entry.id, "id_gap", f"ids {prev_id + 1}..{entry.id - 1} are missing"))
        elif entry.id != 1:
            problems.append(AuditProblem(entry.id, "id_gap", f"the log starts at id {entry.id}, not 1"))
        if entry.prev_hash != prev_hash:
            problems.append(
                AuditProblem(entry.id, "broken_link", "prev_hash does not match the preceding entry's hash")
            )
        recomputed = entry_hash(entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.payload)
        if recomputed != entry.hash:
            problems.append(AuditProblem(entry.id, "edited", "content does not match its hash"))
        prev_hash = entry.hash
        prev_id = entry.id
        last_hash = entry.hash
    if expected_head is not None and last_hash != expected_head:
        problems.append(AuditProblem(prev_id, "head_mismatch", "the newest entry is not the expected head"))
    return problems


async def verify_storage(storage) -> list[AuditProblem]:
    """Verify the whole audit log of a storage backend."""
    return verify_chain(await storage.audit.all())
