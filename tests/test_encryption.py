"""Encryption at rest: unreadable without the passphrase, the same in use, backups stay encrypted."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli.storage.sqlite.store import open_store
from tests.conftest import Run, rows
from tests.helpers import full_case

sqlcipher3 = pytest.importorskip("sqlcipher3")


@pytest.fixture
def encrypted(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_jsonl: Any) -> Path:
    db = tmp_path / "secret.db"
    monkeypatch.setenv("MSP_DB", str(db))
    monkeypatch.setenv("MSP_PASSPHRASE", "correct horse battery")
    assert run("init", "--encrypt", "--worker", "Enc").exit_code == 0
    assert run("import", str(write_jsonl([full_case()]))).exit_code == 0
    return db


def test_encrypted_file_is_not_readable_without_the_passphrase(run: Run, encrypted: Path) -> None:
    raw = encrypted.read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"Edna" not in raw and b"C-2024-0001" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        rows(encrypted, "SELECT count(*) FROM safeguarding_case")


def test_an_encrypted_database_binds_none_as_null_quickly_too(encrypted: Path) -> None:
    """SQLCipher's module is its own copy of sqlite3, with its own adapters: msp registers its None adapter there."""
    assert sqlcipher3.adapters[(type(None), sqlcipher3.PrepareProtocol)](None) is None
    store = open_store(encrypted, passphrase="correct horse battery")
    try:
        typed = store.conn.execute("SELECT typeof(draft_step) FROM safeguarding_case").fetchall()
    finally:
        store.close()
    assert typed == [("null",)]


def test_everything_works_the_same_when_encrypted(run: Run, encrypted: Path, tmp_path: Path) -> None:
    assert "C-2024-0001" in run("case", "list").output
    assert run("report", "sac", "--year", "2024-25", "--json").exit_code == 0
    assert run("check").exit_code == 0
    assert run("export", str(tmp_path / "e.jsonl")).exit_code == 0


def test_wrong_passphrase_gives_one_clear_line(run: Run, encrypted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSP_PASSPHRASE", "wrong")
    result = run("case", "list")
    assert result.exit_code == 74
    assert result.output.strip().splitlines() == [
        "msp: Wrong passphrase for secret.db (or it is not an msp database); nothing was changed."
    ]
    monkeypatch.delenv("MSP_PASSPHRASE")
    missing = run("case", "list")
    assert missing.exit_code == 1 and "MSP_PASSPHRASE" in missing.output


def test_backup_of_encrypted_stays_encrypted(run: Run, encrypted: Path, tmp_path: Path) -> None:
    out = tmp_path / "secret-backup.db"
    assert run("backup", str(out)).exit_code == 0
    assert not out.read_bytes().startswith(b"SQLite format 3")
    copy = open_store(out, passphrase="correct horse battery")
    assert copy.conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0] == 1
    copy.close()


def test_rekey(run: Run, encrypted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSP_NEW_PASSPHRASE", "a new passphrase")
    assert run("rekey").exit_code == 0
    assert run("case", "list").exit_code == 74  # the old passphrase no longer opens it
    monkeypatch.setenv("MSP_PASSPHRASE", "a new passphrase")
    assert "C-2024-0001" in run("case", "list").output


def test_restoring_a_plain_backup_onto_an_encrypted_database_keeps_it_encrypted(
    run: Run, encrypted: Path, tmp_path: Path, write_jsonl: Any
) -> None:
    from tests.helpers import minimal_case

    plain = tmp_path / "plain.db"
    assert run("--db", str(plain), "init", "--worker", "Plain").exit_code == 0
    cases = [minimal_case("PLAIN-1", "P-PLAIN"), minimal_case("PLAIN-2", "P-PLAIN")]
    assert run("--db", str(plain), "import", str(write_jsonl(cases, "plain.jsonl"))).exit_code == 0
    backup = tmp_path / "plain-backup.db"
    assert run("--db", str(plain), "backup", str(backup)).exit_code == 0
    before = backup.read_bytes()
    result = run("restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    raw = encrypted.read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"PLAIN-1" not in raw
    store = open_store(encrypted, passphrase="correct horse battery")
    refs = [r for (r,) in store.conn.execute("SELECT case_ref FROM safeguarding_case ORDER BY case_ref")]
    store.close()
    assert refs == ["PLAIN-1", "PLAIN-2"]
    assert run("check").exit_code == 0
    assert backup.read_bytes() == before  # the backup was only read
    kept = list(tmp_path.glob("secret.db.before-restore-*"))
    assert len(kept) == 1 and not kept[0].read_bytes().startswith(b"SQLite format 3")  # kept aside encrypted
