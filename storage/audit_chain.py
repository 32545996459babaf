"""The audit log's hash chain, the same on every backend.

Each entry's hash covers the previous hash and the entry's own fields (:func:`entry_hash`), the
payload is encoded one way only (:func:`encode_payload`), and the seal's anchor follows the head
only once an append is committed (:func:`advance_anchor`). A log copied between backends
(``cadrebot db copy``) verifies because both spell entries with these very functions.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from storage.audit_seal import AuditSeal

GENESIS = "0" * 64


def entry_hash(prev_hash: str, at: str, actor: int | None, action: str, subject: str, payload: str) -> str:
    body = json.dumps([prev_hash, at, actor, action, subject, payload], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def encode_payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def advance_anchor(seal: AuditSeal, entry_id: int, digest: str) -> None:
    """Move the anchor to a committed entry (call from ``after_commit``)."""
    anchor = seal.read_anchor()
    if anchor is None:
        return  # lost anchor: see start_anchor
    seal.advance(entry_id, digest, keyed_from=anchor.keyed_from)
