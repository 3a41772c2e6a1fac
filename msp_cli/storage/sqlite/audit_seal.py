"""The audit trail's key and seal, kept outside the database in the user's data folder.

Anyone with the database file can recompute a plain hash chain. So each entry also carries a
keyed seal (HMAC-SHA256 of its number and hash) made with a key that never enters the
database: `audit.key` in the per-user data folder, owner-only. Keys copied from other
machines go in `audit-keys/`, so their entries can be checked here too.

And since dropping the newest entries leaves a shorter chain that is still whole, the head of
the chain (its last entry's number and hash) is sealed after every write in
`audit-seals/<database id>.json`, the database id being the hash of its first entry (a backup
shares it). The database must extend a head sealed here. During a restore two heads are
allowed, the old and the new, so a restore killed at any moment still checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from msp_cli import atomic
from msp_cli.location import default_data_dir

OWN_KEY = "audit.key"
OTHER_KEYS = "audit-keys"
SEALS = "audit-seals"

Head = tuple[int, str]  # (entry number, entry hash)
_SHA256_BLOCK = 64
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))  # HMAC's ipad and opad, as translation tables
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes = b""

    def mac(self, entry_id: int, entry_hash: str) -> str:
        # HMAC (RFC 2104) from the key's two hash states made once: a third of the time of
        # hmac.digest, which sets OpenSSL's HMAC up anew for each of a million entries
        inner, outer = self._hmac_states
        hashed = inner.copy()
        hashed.update(f"{entry_id}\x1f{entry_hash}".encode())
        sealed = outer.copy()
        sealed.update(hashed.digest())
        return f"{self.key_id}:{sealed.hexdigest()}"

    @cached_property
    def _hmac_states(self) -> tuple[Any, Any]:
        key = self.secret if len(self.secret) <= _SHA256_BLOCK else hashlib.sha256(self.secret).digest()
        key = key.ljust(_SHA256_BLOCK, b"\0")
        return hashlib.sha256(key.translate(_INNER_PAD)), hashlib.sha256(key.translate(_OUTER_PAD))

    @classmethod
    def from_text(cls, text: str) -> AuditKey:
        secret = bytes.fromhex(text.strip())
        return cls(key_id=hashlib.sha256(secret).hexdigest()[:16], secret=secret)


def key_folder() -> Path:
    return default_data_dir()


def own_key() -> AuditKey | None:
    """This user's key, made on first use; None where the data folder cannot be written."""
    path = key_folder() / OWN_KEY
    try:
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another msp made it first: use theirs
                atomic.write_private(path, secrets.token_hex(32).encode() + b"\n", replace=False)
        return AuditKey.from_text(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def known_keys() -> dict[str, AuditKey]:
    """Every key this user has: their own and any copied into audit-keys/."""
    paths = [key_folder() / OWN_KEY, *sorted((key_folder() / OTHER_KEYS).glob("*.key"))]
    keys = {}
    for path in paths:
        try:
            key = AuditKey.from_text(path.read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        keys[key.key_id] = key
    return keys


def database_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT hash FROM audit_log WHERE id = 1").fetchone()
    return None if row is None else str(row[0])[:32]


def seal_path(db_id: str) -> Path:
    return key_folder() / SEALS / f"{db_id}.json"


def read_heads(db_id: str) -> list[Head] | None:
    """The heads sealed on this machine for the database, or None if it has none here."""
    try:
        data = json.loads(seal_path(db_id).read_text(encoding="utf-8"))
        return [(int(i), str(h)) for i, h in data["heads"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return []  # an unreadable seal proves nothing: check says the trail cannot be matched


def write_heads(db_id: str, heads: list[Head]) -> None:
    """Seal HEADS for the database; a failure to write is not the user's write failing."""
    with contextlib.suppress(OSError):
        atomic.write_private(seal_path(db_id), json.dumps({"heads": heads}).encode("utf-8"))


def head(conn: sqlite3.Connection) -> Head | None:
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def extends(conn: sqlite3.Connection, sealed: Head) -> str | None:
    """None if the trail holds the sealed head; else why not, in one phrase."""
    entry_id, entry_hash = sealed
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        last = head(conn)
        return f"it ends at entry {last[0] if last else 0} but entry {entry_id} was sealed: entries were removed"
    if row[0] != entry_hash:
        return f"entry {entry_id} is not the entry that was sealed: the trail was rewritten"
    return None
