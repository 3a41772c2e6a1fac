"""The audit trail: who changed what, when; chained by hashes so tampering shows.

Entries are written by store.py inside the transaction of the change they record. Each
hash covers the entry's own fields and the hash before it; verify() walks the chain.
Each entry also carries a keyed seal (mac) made with a key outside the database, and the
head of the chain is sealed outside it too (audit_seal.py): a chain recomputed by someone
holding only the file, or cut short, shows.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from msp_cli.storage.sqlite.rows import dict_rows

if TYPE_CHECKING:
    from msp_cli.storage.sqlite.audit_seal import AuditKey

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


def entry_hash(entry_id: int, values: tuple[Any, ...], prev_hash: str) -> str:
    """The chain's hash of an entry: SHA-256 over its number, the hash before it, and its VALUES in
    HASHED_FIELDS' order (changes as stored)."""
    parts = [str(entry_id), prev_hash] + ["\x00" if v is None else str(v) for v in values]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _compact_json(value: Any) -> str:
    """VALUE as compact JSON text, characters as they are: what json.dumps(VALUE, ensure_ascii=False,
    separators=(",", ":")) gives, in a sixth of its time (tests/test_audit_text.py holds them equal)."""
    import orjson  # here: it brings modules (uuid, platform) that opening a case has no need of

    return orjson.dumps(value).decode()


class AuditWriter:
    """Appends entries within one open transaction, keeping the chain's head in memory."""

    def __init__(self, conn: sqlite3.Connection, actor: Actor, key: AuditKey | None = None) -> None:
        self.conn = conn
        self.actor = actor
        self.key = key
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
        changes: dict[str, Any] | str | None = None,
        defer: bool = False,
    ) -> None:
        """CHANGES as a dict, or as its JSON text already made (new_case_changes, in an import's worker)."""
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        # stored as written (the hash covers this exact text), so no key sorting is needed
        text = _compact_json(changes) if isinstance(changes, dict) else changes
        hashed = (at, self.actor.worker, self.actor.os_user, action, table, row_key, text)  # HASHED_FIELDS' order
        entry_id = self.last_id + 1
        digest = entry_hash(entry_id, hashed, self.last_hash)
        mac = self.key.mac(entry_id, digest) if self.key else None
        self.deferred.append((entry_id, *hashed, self.last_hash, digest, mac))
        self.last_id, self.last_hash = entry_id, digest
        if not defer:
            self.flush()

    def flush(self) -> None:
        """Write deferred entries; Store.write() calls this before it commits."""
        if self.deferred:
            self.conn.executemany(
                "INSERT INTO audit_log (id, at, worker, os_user, action, table_name, row_key, changes,"
                " prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.deferred,
            )
            self.deferred.clear()


def verify(
    conn: sqlite3.Connection, keys: dict[str, AuditKey] | None = None, *, keys_folder: str = "audit-keys"
) -> list[str]:
    """Every break in the chain, and every entry whose keyed seal fails, as one line each.

    With KEYS (key id -> key), each entry's mac is checked; entries sealed with a key that is
    not here are listed as unprovable rather than forged. An empty list means all is well.
    """
    problems: list[str] = []
    expected_prev, expected_id = GENESIS, 1
    macs = _MacCheck(keys, keys_folder)
    for row in _entries(conn):  # tuples, not dicts: a million entries are walked by `msp check`
        entry_id, prev_hash, stored, mac = row[0], row[8], row[9], row[10]
        macs.check(entry_id, stored, mac)
        if entry_id != expected_id:
            problems.append(f"audit entry {expected_id} is missing (next is {entry_id})")
        if prev_hash != expected_prev:
            problems.append(f"audit entry {entry_id} does not follow the entry before it")
        if entry_hash(entry_id, row[1:8], prev_hash) != stored:
            problems.append(f"audit entry {entry_id} has been altered (its hash does not match)")
        expected_prev, expected_id = stored, entry_id + 1
    return problems + macs.problems()


class _MacCheck:
    """Checks each entry's keyed seal; gathers runs of failures so a long trail gives few lines."""

    def __init__(self, keys: dict[str, AuditKey] | None, keys_folder: str) -> None:
        self.keys = keys
        self.keys_folder = keys_folder
        self.keyed_from: int | None = None
        self.forged: list[int] = []
        self.unsealed: list[int] = []
        self.unknown: dict[str, list[int]] = {}

    def check(self, entry_id: int, entry_hash: str, mac: str | None) -> None:
        if self.keys is None:
            return
        if mac is None:
            if self.keyed_from is not None:  # entries before msp kept keys have none; later ones must
                self.unsealed.append(entry_id)
            return
        self.keyed_from = self.keyed_from or entry_id
        key_id = str(mac).split(":", 1)[0]
        key = self.keys.get(key_id)
        if key is None:
            self.unknown.setdefault(key_id, []).append(entry_id)
        elif not hmac.compare_digest(key.mac(entry_id, entry_hash), str(mac)):
            self.forged.append(entry_id)

    def problems(self) -> list[str]:
        found = []
        if self.forged:
            found.append(f"{_entries_text(self.forged)} not sealed by msp's key: forged, or the chain was recomputed")
        if self.unsealed:
            found.append(f"{_entries_text(self.unsealed)} without a keyed seal, though earlier entries have one")
        for key_id, ids in self.unknown.items():
            found.append(
                f"{_entries_text(ids)} sealed with a key that is not on this machine (key {key_id}), so they"
                f" cannot be proved genuine here; copy audit.key from the machine that wrote them into"
                f" {self.keys_folder} (any name ending .key)"
            )
        return found


def _entries_text(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"entr{'y' if len(ids) == 1 else 'ies'} {shown} {'is' if len(ids) == 1 else 'are'}"


def _entries(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """(id, the HASHED_FIELDS in order, prev_hash, hash, mac) of every entry, oldest first."""
    yield from conn.execute(
        "SELECT id, at, worker, os_user, action, table_name, row_key, changes, prev_hash, hash, mac"
        " FROM audit_log ORDER BY id"
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


def created(record: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The audit changes of a new record: every top-level field it sets, from nothing.

    Whole values (the person, the list of outcomes) rather than flattened paths, and without
    their empty parts: a new record has nothing to compare with, and bulk imports write one of
    these for every case, so they are kept small.
    """
    return {
        key: [None, _without_nulls(value) if type(value) in _NESTED else value]
        for key, value in record.items()
        if value is not None and (value or type(value) is not list)  # not empty: [] (as value != [], but quicker)
    }


_NESTED = (dict, list)


def new_case_changes(record: Mapping[str, Any]) -> str:
    """created(RECORD) as the audit entry stores it: made where the case is checked, sent as text."""
    return _compact_json(created(record))


def with_person(changes: str, person: Mapping[str, Any]) -> str:
    """new_case_changes' text for the record with PERSON in place of its own (what a later case filled in)."""
    decoded = json.loads(changes)  # keys keep their order, values their text: the same bytes as made anew
    decoded["person"] = [None, _without_nulls(person)]
    return _compact_json(decoded)


def with_first(changes: str, key: str, value: Any) -> str:
    """new_case_changes' text with KEY: [None, VALUE] first (an extract's source)."""
    return _compact_json({key: [None, value], **json.loads(changes)})


def _without_nulls(value: Any) -> Any:
    """VALUE without its null and empty parts; only dicts and lists are walked (records hold no other nesting)."""
    if type(value) is dict:
        return {
            k: _without_nulls(v) if type(v) in _NESTED else v
            for k, v in value.items()
            if v is not None and (v or type(v) is not list)
        }
    if not value or type(value[0]) is str:  # a list of labels: nothing in it to leave out
        return value
    return [_without_nulls(v) if type(v) in _NESTED else v for v in value]
