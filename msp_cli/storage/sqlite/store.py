"""Opening the database safely: the file, its permissions, pragmas, schema version, writes.

Every connection msp makes comes from `open_store`, so every connection has foreign keys
on, a busy timeout, synchronous FULL, and the journal mode that suits where the file is.
Every write goes through `Store.write()`: BEGIN IMMEDIATE (so two writers queue rather
than fail with "database is locked"), the change and its audit entry, then COMMIT.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msp_cli.errors import DatabaseProblem, MspError
from msp_cli.hints import missing_database_hint
from msp_cli.location import shared_storage_reason
from msp_cli.record import Case, Feedback, Meeting, Person
from msp_cli.rules import Rule
from msp_cli.storage.interface import CaseHistory, Scope, StoredCase
from msp_cli.storage.sqlite import case_store
from msp_cli.storage.sqlite.audit import Actor, AuditWriter
from msp_cli.storage.sqlite.nulls import bind_quickly

if TYPE_CHECKING:
    from msp_cli.storage.sqlite.bulk import BulkWriter

SCHEMA_VERSION = 5  # the number of the newest migration in migrations.py
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000

bind_quickly(sqlite3)


def database_errors() -> tuple[type[Exception], ...]:
    """The DB-API errors of every driver in use: sqlite3, and sqlcipher3 for encrypted files."""
    errors: list[type[Exception]] = [sqlite3.Error]
    cipher = sys.modules.get("sqlcipher3.dbapi2")
    if cipher is not None:
        errors.append(cipher.Error)
    return tuple(errors)


@dataclass
class Store:
    conn: sqlite3.Connection
    path: Path
    actor: Actor
    shared_reason: str | None = None  # why the file is on a network or synced folder
    warnings: list[str] = field(default_factory=list)
    passphrase: str | None = field(default=None, repr=False)  # kept only to make encrypted backups
    seal: bool = True  # seal the chain's head in the user's data folder after each write

    @property
    def encrypted(self) -> bool:
        return self.passphrase is not None

    @contextlib.contextmanager
    def write(self) -> Iterator[AuditWriter]:
        """One transaction: everything inside, and its audit entries, or nothing at all."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except database_errors() as exc:
            raise explain_sqlite_error(exc, self.path) from exc
        from msp_cli.storage.sqlite import audit_seal

        try:
            audit = AuditWriter(self.conn, self.actor, audit_seal.own_key())
            first = audit.last_id
            yield audit
            audit.flush()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if self.seal and audit.last_id != first:  # sealed after the commit: a seal never runs ahead of the file
            db_id = audit_seal.database_id(self.conn)
            if db_id:
                audit_seal.write_heads(db_id, [(audit.last_id, audit.last_hash)])

    @contextlib.contextmanager
    def audited(self, action: str, changes: dict[str, list[Any]]) -> Iterator[dict[str, list[Any]]]:
        """Audit something done outside the database (export, backup, rekey) and how it ended.

        One entry before (outcome: started), so it is attributable even if killed; one after,
        ACTION.done or ACTION.failed. The caller adds figures known only at the end to the
        dict it is given.
        """
        with self.write() as audit:
            audit.append(action, changes={**changes, "outcome": [None, "started"]})
        after: dict[str, list[Any]] = {}
        try:
            yield after
        except BaseException as exc:
            with contextlib.suppress(Exception), self.write() as audit:  # a full disk may refuse this too
                audit.append(f"{action}.failed", changes={**after, "error": [None, type(exc).__name__]})
            raise
        with self.write() as audit:
            audit.append(f"{action}.done", changes=after or None)

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, audit: AuditWriter, key: str, value: str, *, secret: bool = False) -> None:
        old = self.setting(key)
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        shown = (lambda v: None if v is None else "(hidden)") if secret else (lambda v: v)
        audit.append("setting.set", table="settings", row_key=key, changes={key: [shown(old), shown(value)]})

    def is_demo(self) -> bool:
        return self.setting("demo") == "yes"

    def close(self) -> None:
        self.conn.close()

    # --- cases (msp_cli.storage.interface.Storage) ----------------------------------------

    def load_case(self, case_ref: str) -> StoredCase | None:
        return case_store.load_case(self.conn, case_ref)

    def case_exists(self, case_ref: str) -> bool:
        return case_store.case_id_for(self.conn, case_ref) is not None

    def save_case(
        self,
        audit: AuditWriter,
        record: Case,
        *,
        draft_step: int | None = None,
        action: str | None = None,
        correction: str | None = None,
    ) -> str:
        return case_store.save_case(
            self.conn, audit, record, draft_step=draft_step, action=action, correction=correction
        )

    def discard_draft(self, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
        case_store.discard_draft(self.conn, audit, stored, reason)

    def case_writer(self, audit: AuditWriter, *, action: str, source: tuple[str, str] | None = None) -> BulkWriter:
        from msp_cli.storage.sqlite.bulk import BulkWriter

        return BulkWriter(self.conn, audit, action=action, source=source)

    def load_person(self, ref: str) -> Person | None:
        return case_store.load_person(self.conn, ref)

    def earlier_cases(self, person_ref: str) -> list[tuple[str, str | None, str | None]]:
        return case_store.earlier_cases(self.conn, person_ref)

    def count_case_refs_with_prefix(self, prefix: str) -> int:
        return case_store.count_case_refs_with_prefix(self.conn, prefix)

    def load_history(self, case_id: int) -> CaseHistory:
        return case_store.load_history(self.conn, case_id)

    def list_cases(self, **filters: Any) -> list[dict[str, Any]]:
        return case_store.list_cases(self.conn, **filters)

    def iter_cases(
        self, *, period: tuple[str, str] | None, team: str | None, worker: str | None
    ) -> Iterator[StoredCase]:
        return case_store.iter_cases(self.conn, period=period, team=team, worker=worker)

    def count_cases_matching(self, *, period: tuple[str, str] | None, team: str | None, worker: str | None) -> int:
        return case_store.count_cases_matching(self.conn, period=period, team=team, worker=worker)

    def iter_people_in_groups(
        self, *, period: tuple[str, str] | None, team: str | None, worker: str | None
    ) -> Iterator[tuple[int, str | None, str | None, str | None, str | None, str | None]]:
        return case_store.iter_people_in_groups(self.conn, period=period, team=team, worker=worker)

    def recorded_names(self) -> Iterator[str]:
        return case_store.recorded_names(self.conn)

    def count_people(self) -> int:
        return case_store.count_rows(self.conn, "person")

    def count_cases(self) -> int:
        return case_store.count_rows(self.conn, "safeguarding_case")

    def count_drafts(self) -> int:
        return case_store.count_drafts(self.conn)

    def add_review(self, audit: AuditWriter, stored: StoredCase, review: dict[str, Any]) -> None:
        case_store.add_review(self.conn, audit, stored, review)

    def add_meeting(self, audit: AuditWriter, stored: StoredCase, meeting: Meeting) -> None:
        case_store.add_meeting(self.conn, audit, stored, meeting)

    def add_feedback(self, audit: AuditWriter, stored: StoredCase, feedback: Feedback) -> None:
        case_store.add_feedback(self.conn, audit, stored, feedback)

    def reopen(self, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
        case_store.reopen(self.conn, audit, stored, reason)

    def case_refs_where(self, rule: Rule) -> set[str]:
        """The finished cases for which RULE holds, found by its SQL twin."""
        from msp_cli.storage.sqlite.rules_sql import condition

        sql = (
            "SELECT c.case_ref FROM safeguarding_case c JOIN person p ON p.id = c.person_id"  # noqa: S608
            " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
            f" WHERE c.draft_step IS NULL AND {condition(rule)}"
        )
        return {ref for (ref,) in self.conn.execute(sql)}

    # --- reports, worklist, audit trail ------------------------------------------------------

    def report(self, name: str, scope: Scope, *extra: Any) -> Any:
        from msp_cli.storage.sqlite import report_queries

        return getattr(report_queries, name)(self.conn, scope, *extra)

    def worklist(
        self,
        *,
        today: dt.date,
        days: int,
        worker: str | None,
        team: str | None,
        case_ref: str | None = None,
        source: str | None = None,
    ) -> list[dict[str, str | None]]:
        from msp_cli.storage.sqlite import worklist

        return worklist.findings(
            self.conn, today=today, days=days, worker=worker, team=team, case_ref=case_ref, source=source
        )

    def history(self, *, row_key: str | None, limit: int) -> list[dict[str, Any]]:
        from msp_cli.storage.sqlite import audit

        return audit.newest_entries(self.conn, row_key=row_key, limit=limit)

    # --- keeping it safe -------------------------------------------------------------------

    def problems(self, *, against: Path | None = None) -> list[str]:
        from msp_cli.storage.sqlite import safety

        return safety.problems(self) + (safety.extends_backup(self, against) if against else [])

    def summary(self) -> str:
        from msp_cli.storage.sqlite import safety

        return safety.summary(self)

    def backup(self, target: Path, *, force: bool) -> None:
        from msp_cli.storage.sqlite import safety

        safety.backup(self, target, force=force)

    def rekey(self, new_passphrase: str) -> None:
        from msp_cli.storage.sqlite import cipher

        cipher.rekey(self.conn, new_passphrase)


def explain_sqlite_error(exc: Exception, path: Path) -> MspError:
    """Turn SQLite's words into one line that says what to do; nothing personal is in them."""
    if isinstance(exc, UnicodeDecodeError):  # SQLite's own message quoted unreadable bytes from the file
        return DatabaseProblem(f"{path.name} is damaged. Restore it from a backup (msp restore BACKUP).")
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseProblem(f"{path.name} is busy: someone else is writing to it. Wait a moment and try again.")
    if "readonly" in text or "read-only" in text:
        return DatabaseProblem(
            f"{path.name} is read-only for you. Check the file's permissions, or copy it somewhere you can write."
        )
    if "full" in text:
        return DatabaseProblem(
            "The disk is full (or the database reached its size limit); nothing was saved."
            " Free some space and try again."
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return DatabaseProblem(
            f"{path.name} is damaged. Restore it from a backup (msp restore BACKUP); run"
            " `msp check` to see what is wrong."
        )
    if "unable to open" in text:
        return DatabaseProblem(f"Cannot open {path}: check the folder exists and you may write there.")
    return DatabaseProblem(f"The database could not do that ({type(exc).__name__}: {exc}).")


def _read_header(path: Path) -> bytes:
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file; give a file path such as {path / 'msp.db'}")
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise DatabaseProblem(f"You may not read {path}; check the file's permissions.") from exc


def create_private_file(path: Path) -> None:
    """Create an empty file only its owner may read or write (0600), and its folder (0700)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise MspError(f"{path} already exists; choose another name.") from exc
    os.close(fd)
    if sys.platform != "win32":  # the umask cannot widen 0600, but make sure
        os.chmod(path, 0o600)


def open_store(
    path: Path,
    *,
    worker: str | None = None,
    create: bool = False,
    readonly: bool = False,
    encrypt: bool = False,
    passphrase: str | None = None,
    interactive: bool = False,
) -> Store:
    """Open (or with create=True, make) an msp database; refuse anything else with one line.

    An existing file is encrypted if it is a SQLCipher file; a new one if ENCRYPT is given.
    """
    from msp_cli.storage.sqlite import cipher

    exists = path.exists()
    encrypted = encrypt and not exists
    if exists:
        header = _read_header(path)
        if header and header != SQLITE_HEADER:
            if not cipher.looks_encrypted(path, header):
                raise DatabaseProblem(f"{path} is not an msp database (it is not a SQLite file). Check the --db path.")
            encrypted = True
        elif encrypt:
            raise MspError(f"{path} already exists and is not encrypted; choose a new file for an encrypted database.")
    elif not create:
        raise MspError(
            f"There is no msp database at {path}.",
            hint=missing_database_hint(path),
        )
    if encrypted:
        cipher.module()  # say so now if SQLCipher is missing, before any file is made
        passphrase = passphrase or cipher.passphrase_for(path, new=not exists, interactive=interactive)
    if not exists:
        create_private_file(path)
    try:
        if encrypted:
            assert passphrase is not None
            conn = cipher.connect(path, passphrase, timeout=BUSY_TIMEOUT_MS / 1000, readonly=readonly)
        else:
            uri = path.resolve().as_uri() + ("?mode=ro" if readonly else "")
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except database_errors() as exc:
        raise explain_sqlite_error(exc, path) from exc
    try:
        store = _prepare(conn, path, worker, new=not exists, readonly=readonly)
    except UnicodeDecodeError as exc:
        conn.close()
        raise explain_sqlite_error(exc, path) from exc
    except BaseException:
        conn.close()
        raise
    store.passphrase = passphrase if encrypted else None
    return store


def _prepare(conn: sqlite3.Connection, path: Path, worker: str | None, *, new: bool, readonly: bool) -> Store:
    shared = shared_storage_reason(path)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        # 64 MiB of page cache: a large import stays in memory until it commits
        conn.execute("PRAGMA cache_size = -65536")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DatabaseProblem(
                f"{path.name} was written by a newer msp (schema {version}; this msp knows up to"
                f" {SCHEMA_VERSION}). Upgrade msp to open it; it has not been changed."
            )
        if version == 0 and not new and _has_tables(conn):
            raise DatabaseProblem(f"{path} is a SQLite file but not an msp database; msp will not change it.")
        if not readonly:
            # WAL lets readers and a writer work at once, but needs shared memory that network
            # and synced folders do not give: there, the rollback journal is the safe choice.
            wanted = "delete" if shared else "wal"
            with contextlib.suppress(*database_errors()):  # a read-only file keeps its mode
                conn.execute(f"PRAGMA journal_mode = {wanted}")
        if version < SCHEMA_VERSION and not readonly:
            from msp_cli.storage.sqlite import migrations  # only now: sqlite_utils costs start-up time

            migrations.apply(conn)
        elif version < SCHEMA_VERSION:
            raise DatabaseProblem(f"{path.name} needs upgrading, which a read-only open cannot do.")
    except database_errors() as exc:
        raise explain_sqlite_error(exc, path) from exc
    actor = Actor.current(worker or _default_worker(conn))
    store = Store(conn=conn, path=path, actor=actor, shared_reason=shared)
    if shared:
        store.warnings.append(
            f"Warning: {path.name} is on shared storage ({shared}). SQLite is only safe there for"
            " one person at a time; msp uses rollback journaling for it."
        )
    return store


def _has_tables(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0)


def _default_worker(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'worker'").fetchone()
    except database_errors():
        return None
    return None if row is None else str(row[0])
