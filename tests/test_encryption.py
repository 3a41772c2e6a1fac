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
