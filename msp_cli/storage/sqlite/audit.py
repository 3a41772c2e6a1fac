"""The audit trail: who changed what, when; chained by hashes so tampering shows.

Entries are written by store.py inside the transaction of the change they record. Each
hash covers the entry's own fields and the hash before it; verify() walks the chain.
A removed last entry is not detectable from the chain alone: backups keep the head.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from msp_cli.storage.sqlite.rows import dict_rows

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who is making a change: the worker name given to msp and the operating-system user."""

    worker: str | None
    os_user: str

    @classmethod
    def current(cls, worker: str | None) -> Actor:
        try:
            os_user = getpass.getuser()
        except (OSError, KeyError):  # no login name (some containers and services)
            os_user = "unknown"
        return cls(worker=worker, os_user=os_user)


HASHED_FIELDS = ("at", "worker", "os_user", "action", "table_name", "row_key", "changes")


def entry_hash(entry_id: int, fields: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the entry's number, the hash before it, and its fields (changes as stored)."""
    parts = [str(entry_id), prev_hash] + ["\x00" if fields.get(k) is None else str(fields[k]) for k in HASHED_FIELDS]
    payload = "\x1f".join(parts)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditWriter:
    """Appends entries within one open transaction, keeping the chain's head in memory."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        row = self.head()
        self.last_id: int = row[0] if row and row[0] is not None else 0
        self.last_hash: str = row[1] if row and row[1] is not None else GENESIS
        self.deferred: list[tuple[Any, ...]] = []  # bulk writers send entries in batches

    def head(self) -> Any:
        """The newest entry's (id, hash), or None: the chain's head, which the next entry follows."""
        return self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()

    def append(
        self,
        action: str,
        *,
        table: str | None = None,
        row_key: str | None = None,
        changes: dict[str, Any] | None = None,
        defer: bool = False,
    ) -> None:
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        fields = {
            "at": at,
            "worker": self.actor.worker,
            "os_user": self.actor.os_user,
            "action": action,
            "table_name": table,
            "row_key": row_key,
            # stored as written (the hash covers this exact text), so no key sorting is needed
            "changes": json.dumps(changes, ensure_ascii=False, separators=(",", ":")) if changes is not None else None,
        }
        entry_id = self.last_id + 1
        digest = entry_hash(entry_id, fields, self.last_hash)
        row = (
            entry_id,
            at,
            fields["worker"],
            fields["os_user"],
            action,
            table,
            row_key,
            fields["changes"],
            self.last_hash,
            digest,
        )
        self.last_id, self.last_hash = entry_id, digest
        self.deferred.append(row)
        if not defer:
            self.flush()

    def flush(self) -> None:
        """Write deferred entries; Store.write() calls this before it commits."""
        if self.deferred:
            self.conn.executemany(
                "INSERT INTO audit_log (id, at, worker, os_user, action, table_name, row_key, changes,"
                " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.deferred,
            )
            self.deferred.clear()


def verify(conn: sqlite3.Connection) -> list[str]:
    """Every break in the chain, as one line each; an empty list means the chain is whole."""
    problems: list[str] = []
    expected_prev, expected_id = GENESIS, 1
    for row in _entries(conn):
        entry_id, prev_hash, stored = row["id"], row["prev_hash"], row["hash"]
        fields = {k: row[k] for k in ("at", "worker", "os_user", "action", "table_name", "row_key", "changes")}
        if entry_id != expected_id:
            problems.append(f"audit entry {expected_id} is missing (next is {entry_id})")
        if prev_hash != expected_prev:
            problems.append(f"audit entry {entry_id} does not follow the entry before it")
        if entry_hash(entry_id, fields, prev_hash) != stored:
            problems.append(f"audit entry {entry_id} has been altered (its hash does not match)")
        expected_prev, expected_id = stored, entry_id + 1
    return problems


def _entries(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:

    yield from dict_rows(
        conn.execute(
            "SELECT id, at, worker, os_user, action, table_name, row_key, changes, prev_hash, hash"
            " FROM audit_log ORDER BY id"
        )
    )


def newest_entries(conn: sqlite3.Connection, *, row_key: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest LIMIT entries (of one case or key, if given), oldest of them first."""

    where, params = ("WHERE row_key = ?", (row_key,)) if row_key is not None else ("", ())
    sql = (
        'SELECT * FROM (SELECT id, at, worker, os_user, action, table_name AS "table", row_key AS key, changes'  # noqa: S608
        f" FROM audit_log {where} ORDER BY id DESC LIMIT ?) AS newest ORDER BY id"  # fixed text; the key is a parameter
    )
    return list(dict_rows(conn.execute(sql, (*params, limit))))


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A record as {dotted.path: scalar or list of scalars}, for field-by-field diffs."""
    out: dict[str, Any] = {}
    _flatten_into(out, value, prefix)
    return out


def _flatten_into(out: dict[str, Any], value: Any, prefix: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(out, item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value and any(isinstance(item, dict) for item in value):
        # lists of objects (outcomes, meetings) are compared item by item
        for i, item in enumerate(value):
            _flatten_into(out, item, f"{prefix}[{i}]")
    else:
        out[prefix] = value


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None, *, prefix: str = "") -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed; absent and null are the same."""
    before, after = flatten(old or {}, prefix), flatten(new or {}, prefix)
    changed = {}
    for key in list(before) + [k for k in after if k not in before]:
        a, b = before.get(key), after.get(key)
        if a != b and not (a in (None, []) and b in (None, [])):
            changed[key] = [a, b]
    return changed


def created(record: dict[str, Any]) -> dict[str, list[Any]]:
    """The audit changes of a new record: every top-level field it sets, from nothing.

    Whole values (the person, the list of outcomes) rather than flattened paths, and without
    their empty parts: a new record has nothing to compare with, and bulk imports write one of
    these for every case, so they are kept small.
    """
    return {key: [None, _without_nulls(value)] for key, value in record.items() if value is not None and value != []}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
