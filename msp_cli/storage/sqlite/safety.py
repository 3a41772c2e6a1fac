"""Nothing lost: consistent backups, checked restores, and a health check of the file.

A backup is SQLite's online backup of the live database (an encrypted database is copied
encrypted, under the same passphrase), written to a new owner-only file beside the target,
checked read-only, with the audit chain's head sealed into it, and then renamed into place.
A restore copies the backup beside the live file, checks it there, backs the current file
up aside, and only then swaps them with one rename.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import shutil
import sqlite3
import stat
import sys
import threading
from pathlib import Path

from msp_cli import atomic
from msp_cli.errors import DatabaseProblem, FileProblem, MspError
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import audit_seal, check_workers, replay, schema_check
from msp_cli.storage.sqlite.store import (
    SCHEMA_VERSION,
    SQLITE_HEADER,
    Store,
    create_private_file,
    database_errors,
    explain_sqlite_error,
    open_store,
)

IN_FILE_SEAL = "audit_seal"  # settings key: the head of the chain when a backup was made


def problems(store: Store, *, against_seal: bool = True, thorough: bool = True) -> list[str]:
    """Everything wrong with an open database, one line each; empty when all is well.

    AGAINST_SEAL: also check the trail extends the head sealed in this user's data folder
    (not for a backup about to be restored, which is older than the seal by design).
    THOROUGH: also compare the schema with msp's and replay the cases from the trail; a
    fresh copy of a checked database (a backup) needs only its pages and chain checked.
    """
    found: list[str] = []
    conn = store.conn

    pages = _Integrity(store)  # SQLite's own walk of every page, on a second connection, alongside
    # the audit chain and the replay, in other processes for a large file, alongside too
    work = check_workers.start(conn, store.path, store.passphrase, processes=None if thorough else 1)

    def integrity() -> None:
        lines = pages.result()
        if lines != ["ok"]:
            found.extend(f"integrity: {line}" for line in lines[:20])

    def foreign_keys() -> None:
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            found.append(f"foreign key: row {rowid} of {table} points to a missing row of {parent}")

    def audit_chain() -> None:
        lines = work.chain_problems()
        found.extend(f"audit trail: {p}" for p in (chain_problems(conn) if lines is None else lines))

    def sealed_head() -> None:
        found.extend(f"audit trail: {p}" for p in seal_problems(conn, on_this_machine=against_seal))

    def schema_objects() -> None:
        found.extend(f"schema: {p}" for p in schema_check.missing_or_changed(conn))

    def explained() -> None:
        lines = replay.unexplained(conn, work.parts(), work.shared_people())
        found.extend(f"not in the audit trail: {p}" for p in lines)

    def version() -> None:
        number = conn.execute("PRAGMA user_version").fetchone()[0]
        if number != SCHEMA_VERSION:
            found.append(f"schema version {number}, expected {SCHEMA_VERSION}")

    readable_errors: tuple[type[Exception], ...] = (UnicodeDecodeError, *database_errors())
    # the integrity check's lines come first, though it is read last: it runs while the rest is checked
    try:
        for name, part in (
            ("foreign keys", foreign_keys),
            ("audit trail", audit_chain),
            ("audit seal", sealed_head),
            ("schema version", version),
            *((("schema", schema_objects), ("case values", explained)) if thorough else ()),
            ("integrity", integrity),
        ):
            try:
                part()
            except readable_errors as exc:
                found.append(f"{name}: cannot be read, the file is damaged ({type(exc).__name__})")
    finally:
        work.close()
    integrity_lines = [line for line in found if line.startswith("integrity")]
    found = integrity_lines + [line for line in found if not line.startswith("integrity")]
    if sys.platform != "win32" and stat.S_IMODE(os.stat(store.path).st_mode) & 0o077:
        found.append(f"permissions: others may read {store.path.name}; make it yours only (chmod 600)")
    return found


def chain_problems(conn: sqlite3.Connection) -> list[str]:
    """Breaks in the audit chain and entries whose keyed seals fail, with the keys in this user's data folder."""
    keys_folder = str(audit_seal.key_folder() / audit_seal.OTHER_KEYS)
    return audit_mod.verify(conn, audit_seal.known_keys(), keys_folder=keys_folder)


class _Integrity:
    """PRAGMA integrity_check in a thread of its own, on its own read-only connection.

    It is SQLite's walk of every page and index, as long as the rest of the check together on
    a large file; SQLite lets go of Python's lock while it works, so the two share the time.
    """

    def __init__(self, store: Store) -> None:
        self.path, self.passphrase = store.path, store.passphrase
        self.lines: list[str] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="msp-integrity-check", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            own = open_store(self.path, passphrase=self.passphrase, readonly=True)
            try:
                self.lines = [str(row[0]) for row in own.conn.execute("PRAGMA integrity_check")]
            finally:
                own.close()
        except BaseException as exc:  # noqa: BLE001 (raised again in the checking thread)
            self.error = exc

    def result(self) -> list[str]:
        self.thread.join()
        if isinstance(self.error, MspError):
            raise sqlite3.DatabaseError(self.error.message)  # reported as the file being damaged
        if self.error is not None:
            raise self.error
        return self.lines


def seal_problems(conn: sqlite3.Connection, *, on_this_machine: bool) -> list[str]:
    """The trail must extend the head sealed in this user's data folder and in the file's own seal."""
    found = []
    db_id = audit_seal.database_id(conn)
    if db_id is None:
        return []
    # an untouched backup ends at the head sealed into it (with a key of this user's): it is older than
    # the live trail by design, so it is matched to its own seal, not to the newest head sealed here
    heads = audit_seal.read_heads(db_id) if on_this_machine and not _untouched_backup(conn) else None
    if heads == []:
        found.append("the seal in your msp data folder cannot be read, so the trail cannot be matched to it")
    elif heads:
        reasons = [audit_seal.extends(conn, h) for h in heads]
        if all(reasons):
            found.append(f"it does not extend the head sealed on this machine: {reasons[0]}")
    in_file = _in_file_seal(conn)
    if in_file is not None:
        reason = audit_seal.extends(conn, in_file)
        if reason:
            found.append(f"it does not extend the seal written into it at backup: {reason}")
    return found


def extends_backup(store: Store, backup_path: Path) -> list[str]:
    """The trail must hold the last entry of an earlier backup, unchanged: nothing cut or rewritten since."""
    try:
        earlier = open_store(backup_path, passphrase=store.passphrase, readonly=True)
    except MspError as exc:
        return [f"the backup {backup_path.name} cannot be read: {exc.message}"]
    try:
        head, db_id = audit_seal.head(earlier.conn), audit_seal.database_id(earlier.conn)
    finally:
        earlier.close()
    if head is None or db_id != audit_seal.database_id(store.conn):
        return [f"the backup {backup_path.name} is not of this database"]
    reason = audit_seal.extends(store.conn, head)
    return [f"audit trail: it does not extend the backup {backup_path.name}: {reason}"] if reason else []


def _untouched_backup(conn: sqlite3.Connection) -> bool:
    """True for a backup whose trail still ends where its keyed in-file seal says."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (IN_FILE_SEAL,)).fetchone()
    try:
        data = json.loads(row[0]) if row else {}
        entry_id, entry_hash, mac = int(data["id"]), str(data["hash"]), str(data["mac"])
    except (ValueError, KeyError, TypeError):
        return False
    key = audit_seal.known_keys().get(mac.split(":", 1)[0])
    genuine = key is not None and hmac.compare_digest(key.mac(entry_id, entry_hash), mac)
    return genuine and audit_seal.head(conn) == (entry_id, entry_hash)


def _in_file_seal(conn: sqlite3.Connection) -> audit_seal.Head | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (IN_FILE_SEAL,)).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
        return int(data["id"]), str(data["hash"])
    except (ValueError, KeyError, TypeError):
        return (0, "unreadable")


def summary(store: Store) -> str:
    entries = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    cases = store.conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0]
    kind = "encrypted" if store.encrypted else "not encrypted"
    return (
        f"ok: integrity, foreign keys, audit chain ({entries} entries, seals checked), schema version"
        f" {SCHEMA_VERSION} and its objects; {cases} cases, every value explained by the audit trail; {kind}"
    )


def backup(store: Store, target: Path, *, force: bool) -> None:
    """A checked copy of the live database at TARGET, whole or absent, with the chain's head sealed in."""
    if target.is_dir():
        raise MspError(f"{target} is a folder; give the backup a file name, such as {target / 'msp-backup.db'}")
    if os.path.lexists(target) and not force:
        raise MspError(f"{target} already exists; msp will not overwrite it.", hint="Add --force to replace it.")
    if target.resolve() == store.path.resolve():
        raise MspError("The backup must be a different file from the database.")
    try:
        with atomic.whole_or_absent(target, replace=force) as partial:
            copy_database(store, partial)
            check_file(partial, passphrase=store.passphrase)
    except OSError as exc:
        raise FileProblem(
            f"Could not write {target}: {exc.strerror or type(exc).__name__}; nothing was kept."
        ) from None
    except database_errors() as exc:
        raise explain_sqlite_error(exc, target) from None


def copy_database(store: Store, partial: Path) -> None:
    """Copy the open database into the new file PARTIAL, owner-only, encrypted if it is."""
    head = audit_seal.head(store.conn)
    own = audit_seal.own_key()
    mark = {"id": head[0], "hash": head[1], "mac": own.mac(*head) if own else None} if head else None
    seal = {IN_FILE_SEAL: json.dumps(mark)} if mark else {}
    if store.encrypted:
        from msp_cli.storage.sqlite import cipher

        old_umask = os.umask(0o077)  # SQLCipher makes the file itself; owner-only by this umask
        try:
            assert store.passphrase is not None
            cipher.export_copy(store.conn, partial, store.passphrase, SCHEMA_VERSION, settings=seal)
        finally:
            os.umask(old_umask)
        return
    create_private_file(partial)
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        store.conn.backup(copy)
        for key, value in seal.items():
            copy.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
        copy.execute("PRAGMA journal_mode = delete")  # one self-contained file
    finally:
        copy.close()


def check_file(path: Path, *, passphrase: str | None) -> None:
    """Open a backup read-only on its own and check it; raise DatabaseProblem listing what is wrong."""
    try:
        copy = open_store(path, passphrase=passphrase, readonly=True)
    except MspError as exc:
        raise DatabaseProblem(f"The backup {path.name} cannot be used: {exc.message}") from None
    try:
        found = problems(copy, against_seal=False, thorough=False)
    finally:
        copy.close()
    _raise_if_any(path, found)


def _raise_if_any(path: Path, found: list[str]) -> None:
    found = [p for p in found if not p.startswith("permissions")]
    if found:
        raise DatabaseProblem(f"The backup {path.name} failed its check: " + "; ".join(found))


def restore(store_path: Path, backup_path: Path, *, passphrase: str | None, worker: str | None) -> Path | None:
    """Put BACKUP in place of the database; return where the current file was kept aside.

    The backup is copied beside the live file, checked and audited there, the current file is
    backed up aside, and one rename swaps them: killed at any moment, the database path holds
    the old database or the new one. The backup file itself is only read.
    """
    if not backup_path.is_file():
        raise MspError(f"There is no backup file {backup_path}.")
    if store_path.exists() and backup_path.resolve() == store_path.resolve():
        raise MspError("That is the database itself; give a backup file.")
    old_head, old_id = _current_head(store_path, passphrase)
    aside = None
    with atomic.whole_or_absent(store_path, replace=True) as incoming:
        _copy_in(backup_path, incoming, passphrase)
        try:
            restored = open_store(incoming, worker=worker, passphrase=passphrase)
        except MspError as exc:
            raise DatabaseProblem(f"The backup {backup_path.name} cannot be used: {exc.message}") from None
        try:
            _raise_if_any(backup_path, problems(restored, against_seal=False))
            aside = keep_aside(store_path, passphrase) if store_path.exists() else None
            restored.seal = False  # sealed below, once the swap is certain
            with restored.write() as audit:
                audit.append(
                    "database.restore",
                    changes={"from": [None, backup_path.name], "kept_aside": [None, aside and aside.name]},
                )
            new_head, new_id = audit_seal.head(restored.conn), audit_seal.database_id(restored.conn)
            restored.conn.execute("PRAGMA journal_mode = delete")  # everything in the one file we rename
        finally:
            restored.close()
        _refuse_if_open(store_path)
        if new_id and new_head:  # until the swap is done, either database checks
            audit_seal.write_heads(new_id, [h for h in (old_head if old_id == new_id else None, new_head) if h])
    if new_id and new_head:
        audit_seal.write_heads(new_id, [new_head])
    return aside


def _current_head(path: Path, passphrase: str | None) -> tuple[audit_seal.Head | None, str | None]:
    if not path.exists():
        return None, None
    try:
        current = open_store(path, passphrase=passphrase)
    except MspError:
        return None, None  # a damaged current file is kept aside as it is
    try:
        return audit_seal.head(current.conn), audit_seal.database_id(current.conn)
    finally:
        current.close()


def _copy_in(backup_path: Path, incoming: Path, passphrase: str | None) -> None:
    """The backup's bytes into INCOMING; a plain backup restored over an encrypted database is encrypted."""
    with backup_path.open("rb") as src:
        plain = src.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    if passphrase is None or not plain:
        _copy_bytes(backup_path, incoming)
        return
    from msp_cli.storage.sqlite import cipher

    plain_copy = atomic.partial_for(incoming)  # its name is removed by the next restore if killed
    try:
        _copy_bytes(backup_path, plain_copy)
        old_umask = os.umask(0o077)
        try:
            cipher.encrypt_copy(plain_copy, incoming, passphrase)
        finally:
            os.umask(old_umask)
    finally:
        atomic.remove(plain_copy)


def _copy_bytes(source: Path, target: Path) -> None:
    """SOURCE byte for byte into the new owner-only file TARGET (the source is only read)."""
    create_private_file(target)
    with source.open("rb") as src, target.open("r+b") as dst:
        shutil.copyfileobj(src, dst)


def keep_aside(store_path: Path, passphrase: str | None) -> Path:
    """Back up the current database to a name no other restore has used, even in the same second.

    A file msp cannot open (damaged, which is often why it is being restored) is kept byte for byte.
    """
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        current: Store | None = open_store(store_path, passphrase=passphrase)
    except MspError:
        current = None
    try:
        for n in range(1, 1000):
            aside = store_path.with_name(f"{store_path.name}.before-restore-{stamp}" + (f"-{n}" if n > 1 else ""))
            if os.path.lexists(aside):
                continue
            try:
                with atomic.whole_or_absent(aside) as partial:
                    if current is None:
                        _copy_bytes(store_path, partial)
                    else:
                        copy_database(current, partial)
            except FileExistsError:
                continue
            return aside
    finally:
        if current is not None:
            current.close()
    raise MspError("Too many earlier restores kept aside beside the database; move some away and try again.")


def _refuse_if_open(store_path: Path) -> None:
    """An open connection elsewhere would leave a write-ahead log that does not fit the new file."""
    wal = Path(str(store_path) + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise DatabaseProblem(f"{store_path.name} is open in another msp; close it and try again. Nothing was changed.")
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
