"""The audit chain's anchor outside the database: a secret key and a signed head.

A hash chain alone proves only that the entries agree with each other: whoever can write the
database file can delete the newest entries, or rewrite an old one and re-hash everything after
it, and the chain still checks. So each entry also carries an HMAC of its hash under a key that
the database never holds, and the newest entry's id and hash are kept, signed, in an anchor file
beside the database. Deleting the tail leaves the anchor pointing past the end; re-hashing
without the key breaks every MAC; forging the anchor needs the key too.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32


class AuditKeyError(Exception):
    """The key file is unusable (unreadable, malformed): the message names the file."""


@dataclass(frozen=True)
class Anchor:
    entry_id: int
    hash: str
    keyed_from: int  # the first entry signed with the key; older ones predate it
    mac: str


def default_key_file(db_path: Path) -> Path:
    return db_path.parent / "audit.key"


def default_anchor_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".audit-anchor")


class AuditSeal:
    def __init__(self, key: bytes, anchor_file: Path) -> None:
        self._key = key
        self.anchor_file = anchor_file

    @classmethod
    def load_or_create(cls, key_file: Path, anchor_file: Path) -> AuditSeal:
        """The key from ``key_file``; generated there (mode 0600) when the file does not exist yet."""
        try:
            raw = key_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            raw = secrets.token_hex(KEY_BYTES)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(raw + "\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditKeyError(f"{key_file}: cannot read the audit key ({exc})") from None
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            key = b""
        if len(key) < 16:
            raise AuditKeyError(f"{key_file}: not an audit key (expected {KEY_BYTES * 2} hex digits)")
        return cls(key, anchor_file)

    def mac(self, entry_hash: str) -> str:
        return hmac.new(self._key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()

    def _anchor_mac(self, entry_id: int, entry_hash: str, keyed_from: int) -> str:
        message = f"anchor:{entry_id}:{entry_hash}:{keyed_from}".encode("ascii")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def anchor_is_genuine(self, anchor: Anchor) -> bool:
        return hmac.compare_digest(anchor.mac, self._anchor_mac(anchor.entry_id, anchor.hash, anchor.keyed_from))

    def read_anchor(self) -> Anchor | None:
        """The anchor as stored, or None when there is none; a mangled file reads as a forged anchor."""
        try:
            data = json.loads(self.anchor_file.read_text(encoding="utf-8"))
            return Anchor(int(data["id"]), str(data["hash"]), int(data["keyed_from"]), str(data["mac"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return Anchor(0, "", 0, "")

    def advance(self, entry_id: int, entry_hash: str, keyed_from: int, *, force: bool = False) -> None:
        """Sign ``entry_id`` as the newest entry, unless the anchor already points further.

        Several processes append (the bot, `cadrebot users add`); a file lock and the id check
        keep a slower process from moving the anchor back.
        """
        self.anchor_file.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.anchor_file.with_name(self.anchor_file.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.read_anchor()
                if not force and current is not None:
                    if not self.anchor_is_genuine(current):
                        return  # a forged anchor stays for `audit verify` to report
                    if current.entry_id >= entry_id:
                        return
                    keyed_from = current.keyed_from
                body = {
                    "id": entry_id,
                    "hash": entry_hash,
                    "keyed_from": keyed_from,
                    "mac": self._anchor_mac(entry_id, entry_hash, keyed_from),
                }
                tmp = self.anchor_file.with_name(self.anchor_file.name + ".tmp")
                tmp.write_text(json.dumps(body) + "\n", encoding="utf-8")
                os.replace(tmp, self.anchor_file)
            finally:
                with contextlib.suppress(OSError):
                    fcntl.flock(lock, fcntl.LOCK_UN)
