"""Nothing lost: consistent backups, checked restores, and a health check of the file.

A backup is SQLite's online backup of the live database (an encrypted database is copied
encrypted, under the same passphrase), written to a new owner-only file and then opened
and checked. A restore checks the backup first, keeps the current file aside, and only
then puts the backup in its place with an atomic rename.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

from msp_cli.errors import DatabaseProblem, MspError
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite.store import SCHEMA_VERSION, Store, create_private_file, database_errors, open_store


def problems(store: Store) -> list[str]:
    """Everything wrong with an open database, one line each; empty when all is well."""
    found: list[str] = []
    conn = store.conn

    def integrity() -> None:
        lines = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if lines != ["ok"]:
            found.extend(f"integrity: {line}" for line in lines[:20])

    def foreign_keys() -> None:
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            found.append(f"foreign key: row {rowid} of {table} points to a missing row of {parent}")

    def audit_chain() -> None:
        found.extend(f"audit trail: {p}" for p in audit_mod.verify(conn))

    def version() -> None:
        number = conn.execute("PRAGMA user_version").fetchone()[0]
        if number != SCHEMA_VERSION:
            found.append(f"schema version {number}, expected {SCHEMA_VERSION}")

    readable_errors: tuple[type[Exception], ...] = (UnicodeDecodeError, *database_errors())
    for name, part in (
        ("integrity", integrity),
        ("foreign keys", foreign_keys),
        ("audit trail", audit_chain),
        ("schema version", version),
    ):
        try:
            part()
        except readable_errors as exc:
            found.append(f"{name}: cannot be read, the file is damaged ({type(exc).__name__})")
    if sys.platform != "win32" and stat.S_IMODE(os.stat(store.path).st_mode) & 0o077:
        found.append(f"permissions: others may read {store.path.name}; make it yours only (chmod 600)")
    return found


def summary(store: Store) -> str:
    entries = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    cases = store.conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0]
    kind = "encrypted" if store.encrypted else "not encrypted"
    return (
        f"ok: integrity, foreign keys, audit chain ({entries} entries), schema version {SCHEMA_VERSION};"
        f" {cases} cases; {kind}"
    )


def backup(store: Store, target: Path, *, force: bool) -> None:
    if target.exists() and not force:
        raise MspError(f"{target} already exists; msp will not overwrite it.", hint="Add --force to replace it.")
    if target.resolve() == store.path.resolve():
        raise MspError("The backup must be a different file from the database.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    try:
        if store.encrypted:
            from msp_cli.storage.sqlite import cipher

            partial.unlink()  # SQLCipher makes the file itself; it is owner-only by the umask below
            old_umask = os.umask(0o077)
            try:
                assert store.passphrase is not None
                cipher.export_copy(store.conn, partial, store.passphrase, SCHEMA_VERSION)
            finally:
                os.umask(old_umask)
        else:
            copy = sqlite3.connect(partial)
            try:
                store.conn.backup(copy)
                copy.execute("PRAGMA journal_mode = delete")  # one self-contained file
            finally:
                copy.close()
        check_file(partial, passphrase=store.passphrase)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def check_file(path: Path, *, passphrase: str | None) -> None:
    """Open a backup on its own and check it; raise DatabaseProblem listing what is wrong."""
    try:
        copy = open_store(path, passphrase=passphrase, readonly=passphrase is None)
    except MspError as exc:
        raise DatabaseProblem(f"The backup {path.name} cannot be used: {exc.message}") from None
    try:
        found = problems(copy)
    finally:
        copy.close()
    found = [p for p in found if not p.startswith("permissions")]
    if found:
        raise DatabaseProblem(f"The backup {path.name} failed its check: " + "; ".join(found))


def restore(store_path: Path, backup_path: Path, *, passphrase: str | None) -> Path | None:
    """Put BACKUP in place of the database; return where the current file was kept aside."""
    if not backup_path.is_file():
        raise MspError(f"There is no backup file {backup_path}.")
    check_file(backup_path, passphrase=passphrase)
    aside = None
    if store_path.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = store_path.with_name(f"{store_path.name}.before-restore-{stamp}")
        _checkpoint(store_path, passphrase)
        os.replace(store_path, aside)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(store_path) + suffix).unlink(missing_ok=True)
    incoming = store_path.with_name(store_path.name + ".restoring")
    incoming.unlink(missing_ok=True)
    create_private_file(incoming)
    with backup_path.open("rb") as src, incoming.open("r+b") as dst:
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(incoming, store_path)
    return aside


def _checkpoint(path: Path, passphrase: str | None) -> None:
    """Fold the write-ahead log into the file, so the copy kept aside is whole."""
    try:
        current = open_store(path, passphrase=passphrase)
    except MspError:
        return  # a damaged current file is kept aside as it is
    try:
        current.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        current.close()
