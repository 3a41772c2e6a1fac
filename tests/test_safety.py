"""Backups, restores, checks, encryption, and files that are full, damaged or read-only."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from msp_cli import interchange
from msp_cli.errors import DatabaseProblem
from msp_cli.storage.sqlite.store import SCHEMA_VERSION, explain_sqlite_error, open_store
from tests.conftest import Run, rows
from tests.helpers import minimal_case
from tests.report_fixture import CASES


@pytest.fixture
def loaded(run: Run, initialised: Path, write_jsonl: Any) -> Path:
    assert run("import", str(write_jsonl(CASES))).exit_code == 0
    return initialised


def test_check_says_ok(run: Run, loaded: Path) -> None:
    result = run("check")
    assert result.exit_code == 0
    assert "ok: integrity, foreign keys, audit chain" in result.output and "7 cases" in result.output


def test_backup_is_a_checked_owner_only_copy(run: Run, loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "backup.db"
    result = run("backup", str(out))
    assert result.exit_code == 0, result.output
    assert rows(out, "SELECT count(*) FROM safeguarding_case") == [(7,)]
    assert rows(out, "PRAGMA integrity_check") == [("ok",)]
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    again = run("backup", str(out))
    assert again.exit_code == 1 and "--force" in again.output
    assert run("backup", str(out), "--force").exit_code == 0


def test_restore_checks_first_and_keeps_the_current_file(
    run: Run, loaded: Path, tmp_path: Path, write_jsonl: Any
) -> None:
    out = tmp_path / "backup.db"
    assert run("backup", str(out)).exit_code == 0
    assert run("import", str(write_jsonl([minimal_case("LATER", "P-LATER")], "later.jsonl"))).exit_code == 0
    assert rows(loaded, "SELECT count(*) FROM safeguarding_case") == [(8,)]
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("shopping list", encoding="utf-8")
    refused = run("restore", str(not_a_backup), "--yes")
    assert refused.exit_code == 74 and "cannot be used" in refused.output
    assert rows(loaded, "SELECT count(*) FROM safeguarding_case") == [(8,)]
    result = run("restore", str(out), "--yes")
    assert result.exit_code == 0, result.output
    assert rows(loaded, "SELECT count(*) FROM safeguarding_case") == [(7,)]
    kept = list(tmp_path.glob("msp.db.before-restore-*"))
    assert len(kept) == 1 and rows(kept[0], "SELECT count(*) FROM safeguarding_case") == [(8,)]
    assert run("check").exit_code == 0


def test_damaged_database(run: Run, loaded: Path) -> None:
    conn = sqlite3.connect(loaded)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(loaded.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 12), 97):
        data[offset] = (data[offset] + 113) % 256
    loaded.write_bytes(bytes(data))
    result = run("check")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "problem" in result.output or "damaged" in result.output


def test_newer_schema_is_refused_by_every_command(run: Run, loaded: Path) -> None:
    conn = sqlite3.connect(loaded)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for args in (["check"], ["report", "outcomes"], ["case", "list"], ["backup", str(loaded) + ".bak"]):
        result = run(*args)
        assert result.exit_code == 74 and "newer msp" in result.output, args


def test_disk_full_leaves_nothing_half_written(loaded: Path, tmp_path: Path) -> None:
    store = open_store(loaded)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")  # a disk with three pages left
    big = tmp_path / "big.jsonl"
    big.write_text(
        "".join(
            f'{{"case_ref": "F-{i}", "person": {{"ref": "PF-{i}"}}, "concern_received": "2024-05-02",'
            f' "enquiry_type": "None", "risk_types": ["Self-Neglect"], "closure_note": null}}\n'
            for i in range(3000)
        ),
        encoding="utf-8",
    )
    with big.open("rb") as stream, pytest.raises(DatabaseProblem, match="disk is full"):
        try:
            interchange.import_cases(store, stream)
        except sqlite3.Error as exc:
            raise explain_sqlite_error(exc, loaded) from exc
    store.close()
    assert rows(loaded, "SELECT count(*) FROM safeguarding_case") == [(7,)]
    assert rows(loaded, "PRAGMA integrity_check") == [("ok",)]


def test_read_only_messages() -> None:
    message = explain_sqlite_error(sqlite3.OperationalError("attempt to write a readonly database"), Path("x.db"))
    assert "read-only" in message.message


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permission bits")
def test_read_only_file(run: Run, loaded: Path, write_jsonl: Any) -> None:
    os.chmod(loaded, 0o400)
    try:
        result = run("import", str(write_jsonl([minimal_case()])))
        assert result.exit_code == 74 and "read-only" in result.output
    finally:
        os.chmod(loaded, 0o600)


def test_not_a_database(run: Run, tmp_path: Path) -> None:
    bogus = tmp_path / "cases.xlsx"
    bogus.write_bytes(b"PK\x03\x04 this is a zip, not a database")
    result = run("--db", str(bogus), "check")
    assert result.exit_code == 74 and "not an msp database" in result.output


def test_errors_hide_personal_data_and_tracebacks(run: Run, loaded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise ValueError("Edna Example lives at 1 Private Road")

    monkeypatch.setattr("msp_cli.storage.sqlite.report_queries.outcomes", boom)
    result = run("report", "outcomes")
    assert result.exit_code == 70
    assert "Private Road" not in result.output and "Traceback" not in result.output
    assert "MSP_DEBUG=1" in result.output
    monkeypatch.setenv("MSP_DEBUG", "1")
    with pytest.raises(ValueError):
        run("report", "outcomes")
