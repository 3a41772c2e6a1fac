"""An attacker with the file and sqlite3 in hand: every change behind msp's back is reported.

The audit trail is keyed (a key outside the database) and its head sealed outside it, the
schema's triggers are checked, and the case tables are replayed from the trail.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli.location import default_data_dir
from msp_cli.storage.sqlite import audit, audit_seal
from tests.conftest import Run, rows
from tests.report_fixture import CASES

TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_append_only")


@pytest.fixture
def loaded(run: Run, initialised: Path, write_jsonl: Any) -> Path:
    assert run("import", str(write_jsonl(CASES))).exit_code == 0
    assert run("case", "reopen", "A", "--reason", "new information").exit_code == 0
    assert run("check").exit_code == 0
    return initialised


def _sql(db: Path, *statements: str, params: tuple[Any, ...] = ()) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
    finally:
        conn.close()


def _trigger_sql(db: Path) -> list[str]:
    return [
        sql for (sql,) in rows(db, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
    ]


def _recompute_chain(db: Path) -> None:
    """What someone with the file (and no key) can do: rehash every entry after a forgery."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    prev = audit.GENESIS
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        digest = audit.entry_hash(row["id"], tuple(row[k] for k in audit.HASHED_FIELDS), prev)
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row["id"]))
        prev = digest
    conn.close()


def _problems(run: Run) -> str:
    result = run("check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # rich wraps long lines


def test_insert_or_replace_is_refused_by_the_database(loaded: Path) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _sql(
            loaded,
            "INSERT OR REPLACE INTO audit_log (id, at, action, prev_hash, hash) VALUES (2, 'x', 'forged', '', '')",
        )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # nor a gap, nor one in the middle
        _sql(loaded, "INSERT INTO audit_log (id, at, action, prev_hash, hash) VALUES (999, 'x', 'forged', '', '')")


def test_a_forged_entry_with_the_chain_recomputed_is_reported(run: Run, loaded: Path) -> None:
    triggers = _trigger_sql(loaded)
    original = rows(loaded, "SELECT * FROM audit_log WHERE id = 2")[0]
    _sql(loaded, *(f"DROP TRIGGER {name}" for name in TRIGGERS))
    forged = list(original)
    forged[2] = "Forged Worker"  # worker
    _sql(loaded, "INSERT OR REPLACE INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", params=tuple(forged))
    _recompute_chain(loaded)
    _sql(loaded, *triggers)  # a careful forger puts the triggers back
    assert rows(loaded, "SELECT worker FROM audit_log WHERE id = 2") == [("Forged Worker",)]
    out = _problems(run)
    assert "entries 2, 3, 4" in out and "not sealed by msp's key" in out
    assert "does not extend the head sealed on this machine" in out
    assert "schema:" not in out  # the triggers are back: the keys and the seal still tell


def test_forged_macs_with_another_key_and_no_seal_still_show(run: Run, loaded: Path) -> None:
    """Without the seal on this machine, the keyed entries alone show the recomputed chain."""
    shutil.rmtree(default_data_dir() / audit_seal.SEALS)
    _sql(loaded, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET worker = 'Forged' WHERE id = 3")
    _recompute_chain(loaded)
    stranger = audit_seal.AuditKey.from_text("ab" * 32)
    for entry_id, digest in rows(loaded, "SELECT id, hash FROM audit_log"):
        _sql(loaded, "UPDATE audit_log SET mac = ? WHERE id = ?", params=(stranger.mac(entry_id, digest), entry_id))
    out = _problems(run)
    assert "sealed with a key that is not on this machine" in out and "cannot be proved genuine" in out
    assert "schema: the trigger audit_log_no_update is missing" in out


def test_a_dropped_trigger_and_a_deleted_tail_are_reported(run: Run, loaded: Path) -> None:
    last = rows(loaded, "SELECT max(id) FROM audit_log")[0][0]
    _sql(loaded, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE id > {last - 2}")
    out = _problems(run)
    assert "schema: the trigger audit_log_no_delete is missing" in out
    assert f"it ends at entry {last - 2} but entry {last} was sealed: entries were removed" in out
    # the reopening of case A was among the entries cut: its stored values are no longer explained
    assert "case A:" in out and "concluded" in out


@pytest.mark.parametrize(
    ("statement", "case_ref", "field"),
    [
        ("UPDATE closure SET outcomes_achieved = 'Not Achieved' WHERE case_id = (SELECT id FROM"
         " safeguarding_case WHERE case_ref = 'B') AND reopened_on IS NULL", "B", "outcomes_achieved"),
        ("UPDATE person SET name = 'Someone Else' WHERE ref = (SELECT p.ref FROM person p JOIN safeguarding_case c"
         " ON c.person_id = p.id WHERE c.case_ref = 'C')", "C", "person.name"),
        ("UPDATE safeguarding_case SET team = 'Elsewhere' WHERE case_ref = 'G'", "G", "team"),
        ("DELETE FROM meeting_attendee WHERE rowid = (SELECT min(rowid) FROM meeting_attendee)", None, "attendees"),
    ],
)  # fmt: skip
def test_a_direct_update_of_a_case_is_reported_by_case(
    run: Run, loaded: Path, statement: str, case_ref: str | None, field: str
) -> None:
    _sql(loaded, statement)
    out = _problems(run)
    assert "not in the audit trail" in out and field in out and "changed with no audit entry" in out
    if case_ref:
        assert f"case {case_ref}: " in out
    assert "Someone Else" not in out and "Elsewhere" not in out  # the path is named, never the value


def test_cases_added_or_deleted_behind_msps_back(run: Run, loaded: Path) -> None:
    _sql(
        loaded,
        "INSERT INTO safeguarding_case (case_ref, person_id) VALUES ('SMUGGLED', 1)",
        "DELETE FROM case_risk_type WHERE case_id = (SELECT id FROM safeguarding_case WHERE case_ref = 'G')",
    )
    out = _problems(run)
    assert "cases with no audit entry (added behind msp's back): SMUGGLED" in out
    assert "case G: risk_types" in out


def test_a_database_from_another_machine_says_where_the_key_is(run: Run, loaded: Path, tmp_path: Path) -> None:
    folder = default_data_dir()
    moved = tmp_path / "their.key"
    shutil.move(folder / audit_seal.OWN_KEY, moved)
    out = _problems(run)
    assert "sealed with a key that is not on this machine" in out and "audit-keys" in out
    (folder / audit_seal.OTHER_KEYS).mkdir()
    shutil.copy(moved, folder / audit_seal.OTHER_KEYS / "their.key")
    result = run("check")
    assert result.exit_code == 0, result.output


def test_the_key_and_the_seal_are_owner_only(loaded: Path) -> None:
    import os
    import stat
    import sys

    if sys.platform == "win32":
        pytest.skip("POSIX permissions")
    folder = default_data_dir()
    seal = next((folder / audit_seal.SEALS).glob("*.json"))
    for path in (folder / audit_seal.OWN_KEY, seal):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    last = rows(loaded, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert audit_seal.read_heads(seal.stem) == [last]


def test_check_against_an_earlier_backup(run: Run, loaded: Path, tmp_path: Path, write_jsonl: Any) -> None:
    """Even with this machine's seal gone, a backup kept elsewhere shows a cut trail."""
    from tests.helpers import minimal_case

    backup = tmp_path / "earlier.db"
    assert run("backup", str(backup)).exit_code == 0
    assert run("import", str(write_jsonl([minimal_case("LATER", "P-LATER")], "later.jsonl"))).exit_code == 0
    assert run("check", "--against", str(backup)).exit_code == 0
    shutil.rmtree(default_data_dir() / audit_seal.SEALS)
    last = rows(loaded, "SELECT max(id) FROM audit_log")[0][0]
    _sql(loaded, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE id > {last - 6}")
    _sql(loaded, *(s for s in _schema_triggers() if "audit_log_no_delete" in s))
    result = run("check", "--against", str(backup))
    out = " ".join(result.output.split())
    assert result.exit_code == 1 and "it does not extend the backup earlier.db" in out, out


def _schema_triggers() -> list[str]:
    conn = sqlite3.connect(":memory:")
    from msp_cli.storage.sqlite import migrations

    migrations.apply(conn)
    found = [sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    conn.close()
    return found


def test_a_dropped_index_is_reported(run: Run, loaded: Path) -> None:
    _sql(loaded, "DROP INDEX closure_current")  # the index that allows one current closure a case
    assert "schema: the index closure_current is missing" in _problems(run)


def test_an_untouched_backup_checks_ok_but_a_cut_copy_posing_as_one_does_not(
    run: Run, loaded: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    assert run("backup", str(tmp_path / "later.db")).exit_code == 0  # audited: the live trail moves on
    # the live trail has moved on; the backup is older by design and matches its own keyed seal
    assert run("--db", str(backup), "check").exit_code == 0
    # a copy whose in-file seal was rewritten (no key) is judged against the newest head, and fails
    _sql(backup, 'UPDATE settings SET value = \'{"id": 1, "hash": "x", "mac": "k:y"}\' WHERE key = \'audit_seal\'')
    result = run("--db", str(backup), "check")
    assert result.exit_code != 0 and "entries were removed" in result.output


@pytest.mark.parametrize("secret", [bytes(range(32)), b"k" * 64, bytes(range(100))], ids=["32", "64", "100"])
def test_the_seal_is_standard_hmac_sha256(secret: bytes) -> None:
    """The seal's HMAC is made from hash states kept between entries: it must equal the standard one,
    so entries sealed before (hmac.digest) and by any other HMAC tool check the same."""
    import hashlib
    import hmac

    key = audit_seal.AuditKey(key_id="k", secret=secret)
    for entry_id, entry_hash in ((1, "a" * 64), (999_999, hashlib.sha256(b"x").hexdigest())):
        expected = hmac.digest(secret, f"{entry_id}\x1f{entry_hash}".encode(), "sha256").hex()
        assert key.mac(entry_id, entry_hash) == f"k:{expected}"
