"""The file itself: permissions, pragmas, schema version, migrations, the audit chain."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from msp_cli.errors import DatabaseProblem
from msp_cli.storage.sqlite import audit, migrations
from msp_cli.storage.sqlite.store import SCHEMA_VERSION, open_store
from tests.conftest import Run, rows
from tests.helpers import full_case


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_new_database_is_owner_only(run: Run, db_path: Path) -> None:
    assert run("init").exit_code == 0
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


def test_connection_pragmas(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db", create=True)
    conn = store.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_shared_folder_uses_rollback_journal(tmp_path: Path) -> None:
    synced = tmp_path / "OneDrive - Council" / "msp.db"
    store = open_store(synced, create=True)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert store.warnings and "one person at a time" in store.warnings[0]


def test_newer_schema_is_refused_and_left_alone(run: Run, initialised: Path) -> None:
    conn = sqlite3.connect(initialised)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = initialised.read_bytes()
    result = run("history")
    assert result.exit_code == 74
    assert "written by a newer msp" in result.output
    assert initialised.read_bytes() == before


def test_other_sqlite_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE accounts (x)")
    conn.close()
    with pytest.raises(DatabaseProblem, match="not an msp database"):
        open_store(other)


def test_migrations_applied_twice_change_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "m.db", create=True)
    schema_before = store.conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied_before = store.conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()
    migrations.apply(store.conn)
    migrations.apply(store.conn)
    assert store.conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
    assert store.conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == applied_before
    store.close()
    reopened = open_store(tmp_path / "m.db")
    assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_audit_log_refuses_update_and_delete(run: Run, initialised: Path) -> None:
    conn = sqlite3.connect(initialised)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET worker = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")


def _import_one(tmp_path: Path) -> sqlite3.Connection:
    from msp_cli.model import validate_case
    from msp_cli.storage.sqlite.case_store import save_case

    store = open_store(tmp_path / "a.db", create=True)
    with store.write() as writer:
        save_case(store.conn, writer, validate_case(full_case()))
        save_case(store.conn, writer, validate_case(full_case(case_ref="C-2")))
        writer.append("test.note", changes={"x": [1, 2]})
    return store.conn


def test_audit_chain_verifies(tmp_path: Path) -> None:
    assert audit.verify(_import_one(tmp_path)) == []


def test_tampered_audit_entry_is_detected(tmp_path: Path) -> None:
    conn = _import_one(tmp_path)
    # Another program can drop the trigger; the hash chain still shows the edit.
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET worker = 'Mallory' WHERE id = 2")
    assert any("entry 2 has been altered" in p for p in audit.verify(conn))


def test_removed_audit_entry_is_detected(tmp_path: Path) -> None:
    conn = _import_one(tmp_path)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 1")
    assert any("entry 1 is missing" in p for p in audit.verify(conn))


def test_history_shows_a_case(run: Run, initialised: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    run("import", str(write_jsonl([full_case()])))
    result = run("history", "C-2024-0001", "--json")
    assert result.exit_code == 0
    assert '"action": "case.import"' in result.output
    assert rows(initialised, "SELECT count(*) FROM audit_log WHERE row_key = 'C-2024-0001'") == [(1,)]
    missing = run("history", "C-NOPE")
    assert missing.exit_code == 1 and "No case 'C-NOPE'" in missing.output
