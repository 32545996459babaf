"""Verify the audit log's hash chain: any edited, deleted or reordered entry is reported.

Each entry's hash covers the previous entry's hash, its time, actor, action, subject and payload
(:func:`storage.audit_chain.entry_hash`). Editing an entry breaks its own hash; deleting one
breaks the next entry's ``prev_hash`` link (and leaves an id gap); swapping two breaks both the
links and the id order. Deleting the *newest* entries, or rewriting the history and re-hashing it,
cannot be seen from the chain alone: the seal (storage/audit_seal.py) catches both, with a MAC per
entry and a signed anchor on the newest one, under a key the database does not hold. A head kept
elsewhere (``expected_head``, e.g. from `cadrebot audit head`) can be checked as well.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from storage.audit_chain import GENESIS, entry_hash
from storage.audit_seal import AuditSeal
from storage.records import AuditEntry

ProblemKind = Literal[
    "edited",
    "broken_link",
    "id_gap",
    "out_of_order",
    "head_mismatch",
    "bad_signature",
    "tail_missing",
    "anchor_missing",
    "anchor_forged",
]


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "log"
        return f"{where}: {self.kind}: {self.detail}"


def verify_chain(
    entries: Iterable[AuditEntry], expected_head: str | None = None, seal: AuditSeal | None = None
) -> list[AuditProblem]:
    """Problems found walking the entries in the order given (as stored: by id); [] when intact."""
    entries = list(entries)
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
    if seal is not None:
        problems.extend(_sealed(entries, seal))
    return problems


def _sealed(entries: list[AuditEntry], seal: AuditSeal) -> list[AuditProblem]:
    anchor = seal.read_anchor()
    if anchor is None:
        if any(entry.mac for entry in entries):
            return [AuditProblem(None, "anchor_missing", f"{seal.anchor_file} is gone but the log is signed")]
        return []
    if not seal.anchor_is_genuine(anchor):
        return [AuditProblem(None, "anchor_forged", f"{seal.anchor_file} is not signed with the audit key")]
    problems: list[AuditProblem] = []
    for entry in entries:
        if entry.id < anchor.keyed_from and entry.mac is None:
            continue  # written before the key existed; the chain and the anchor still cover it
        if entry.mac is None or not hmac.compare_digest(entry.mac, seal.mac(entry.hash)):
            problems.append(AuditProblem(entry.id, "bad_signature", "not signed with the audit key"))
    by_id = {entry.id: entry for entry in entries}
    if anchor.entry_id:
        anchored = by_id.get(anchor.entry_id)
        if anchored is None:
            newest = entries[-1].id if entries else 0
            problems.append(
                AuditProblem(
                    anchor.entry_id,
                    "tail_missing",
                    f"the anchor signs entry {anchor.entry_id}, the log ends at {newest}",
                )
            )
        elif anchored.hash != anchor.hash:
            problems.append(AuditProblem(anchor.entry_id, "head_mismatch", "the entry differs from the signed anchor"))
    return problems


async def verify_storage(storage) -> list[AuditProblem]:
    """Verify the whole audit log of a storage backend, with its seal."""
    return verify_chain(await storage.audit.all(), seal=storage.audit.seal)
