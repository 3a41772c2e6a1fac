"""`msp check` on a large file walks the cases in two processes: what it finds is what one finds.

The cases are cut into ranges of case references walked by spawned worker processes, and
the people shared by cases into ranges of person ids; the findings are merged in order. A
small range size makes a demonstration database take that path here. And each case is
compared in one shape, loaded lean from the rows: it must be the shape of the whole record.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli.errors import MspError
from msp_cli.storage.sqlite import case_store, check_workers, replay, replay_shape, safety
from msp_cli.storage.sqlite.store import open_store
from tests.conftest import Run
from tests.report_fixture import CASES


@pytest.fixture
def demo(run: Run, db_path: Path) -> Path:
    assert run("demo", "--cases", "300", "--replace").exit_code == 0
    return db_path


def _sql(db: Path, *statements: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        found: list[tuple[object, ...]] = []
        for statement in statements:
            found = list(conn.execute(statement))
        return found
    finally:
        conn.close()


def _findings(db: Path, processes: int) -> list[str]:
    """What the audit chain's check and the replay's two passes find, done by PROCESSES."""
    store = open_store(db, readonly=True)
    try:
        work = check_workers.start(store.conn, db, None, processes=processes)
        try:
            chain = work.chain_problems()
            if processes == 1:
                assert chain is None  # checked here instead
                chain = safety.chain_problems(store.conn)
            assert chain is not None
            return chain + replay.unexplained(store.conn, work.parts(), work.shared_people())
        finally:
            work.close()
    finally:
        store.close()


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_workers, "RANGE_SIZE", 23)  # 300 cases: 14 ranges
    monkeypatch.setattr(check_workers, "IN_PROCESS_BELOW", 0)


def _refs(db: Path, sql: str) -> list[str]:
    return [str(ref) for (ref,) in _sql(db, sql)]


def test_tampering_is_found_alike_by_one_and_by_two_processes(demo: Path, small_ranges: None) -> None:
    refs = _refs(demo, "SELECT case_ref FROM safeguarding_case ORDER BY case_ref")
    first, last = refs[5], refs[-7]  # one in the first range, one in the last
    many = refs[40:110:1]  # more cases than are listed by name (50), across several ranges
    shared = _sql(demo, "SELECT person_id FROM safeguarding_case GROUP BY person_id HAVING count(*) > 1")
    person_ids = [int(str(p)) for (p,) in shared]
    _sql(
        demo,
        f"UPDATE safeguarding_case SET team = 'Elsewhere' WHERE case_ref = '{first}'",
        f"UPDATE safeguarding_case SET worker = 'Someone' WHERE case_ref = '{last}'",
        "UPDATE safeguarding_case SET team = 'Elsewhere' WHERE case_ref IN (" + ", ".join(f"'{r}'" for r in many) + ")",
        f"UPDATE person SET sex = CASE sex WHEN 'Male' THEN 'Female' ELSE 'Male' END WHERE id = {person_ids[-1]}",
        f"DELETE FROM safeguarding_case WHERE case_ref = '{refs[200]}'",
        "INSERT INTO safeguarding_case (case_ref, person_id) VALUES ('ZZ-SMUGGLED', 1)",
        "INSERT INTO safeguarding_case (case_ref, person_id) VALUES ('0-SMUGGLED', 1)",
        "DROP TRIGGER audit_log_no_update",
        "UPDATE audit_log SET worker = 'Forged' WHERE id = 7",
    )
    one, two = _findings(demo, 1), _findings(demo, 2)
    assert two == one
    text = " ".join(one)
    assert one[0] == "audit entry 7 has been altered (its hash does not match)"
    assert f"case {first}: team not as its audit trail records" in text
    assert f"case {last}: " not in text  # beyond the 50 listed by name: counted
    theirs = _refs(demo, f"SELECT case_ref FROM safeguarding_case WHERE person_id = {person_ids[-1]}")
    assert f"and {len({first, last, *many, *theirs}) - 50} more cases" in text
    assert "cases with no audit entry (added behind msp's back): 0-SMUGGLED, ZZ-SMUGGLED" in text
    assert f"(deleted behind msp's back): {refs[200]}" in text


def test_a_finding_in_the_last_range_is_reported_through_msp_check(run: Run, demo: Path, small_ranges: None) -> None:
    last = _refs(demo, "SELECT case_ref FROM safeguarding_case ORDER BY case_ref DESC LIMIT 1")[0]
    _sql(
        demo, f"DELETE FROM case_risk_type WHERE case_id = (SELECT id FROM safeguarding_case WHERE case_ref = '{last}')"
    )
    result = run("check")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert f"case {last}: risk_types not as its audit trail records" in out
    assert out.count("not as its audit trail records") == 1


def test_an_untouched_demo_checks_ok_in_two_processes(run: Run, demo: Path, small_ranges: None) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "300 cases, every value explained" in " ".join(result.output.split())


def test_the_ranges_cover_every_case_once(demo: Path) -> None:
    store = open_store(demo, readonly=True)
    try:
        ranges = check_workers.ranges(store.conn, 23)
        refs = _refs(demo, "SELECT case_ref FROM safeguarding_case ORDER BY case_ref")
        assert ranges[0][0] is None and ranges[-1][1] is None
        counts = [sum(1 for r in refs if (lo is None or r >= lo) and (hi is None or r < hi)) for lo, hi in ranges]
        assert counts == [23] * (len(refs) // 23) + ([len(refs) % 23] if len(refs) % 23 else [])
        people = check_workers.person_ranges(store.conn, 4)
        assert len(people) == 4 and people[0][0] is None and people[-1][1] is None
    finally:
        store.close()


@pytest.mark.parametrize("scattered", [False, True])
def test_the_lean_shape_is_the_whole_records_shape(run: Run, demo: Path, scattered: bool) -> None:
    """Every case of a demonstration (reviews, reopened closures, shared people), and after changes
    through msp and behind its back, loads in the shape canonical() makes of its whole record;
    with the cases' ids in the order of their references (read by a range of ids) or scattered."""
    refs = _refs(demo, "SELECT case_ref FROM safeguarding_case ORDER BY case_ref")
    closed = _refs(demo, "SELECT c.case_ref FROM safeguarding_case c JOIN closure x ON x.case_id = c.id LIMIT 3")
    for ref in closed:
        assert run("case", "reopen", ref, "--reason", "new information").exit_code == 0
    _sql(
        demo,
        f"UPDATE safeguarding_case SET consent_sought = NULL, consent_given = NULL, consent_override_reason = NULL,"
        f" consent_note = NULL WHERE case_ref = '{refs[3]}'",
        "UPDATE desired_outcome SET negotiated_text = NULL, negotiated_reason = NULL, negotiated_note = NULL"
        " WHERE id = (SELECT min(id) FROM desired_outcome WHERE negotiated_text IS NOT NULL)",
        "UPDATE meeting SET kind = NULL WHERE id = (SELECT min(id) FROM meeting)",
        "DELETE FROM meeting_attendee WHERE meeting_id = (SELECT max(id) FROM meeting)",
    )
    if scattered:  # references in an order far from the ids': each chunk's child rows by a list of ids
        _sql(demo, "UPDATE safeguarding_case SET case_ref = printf('R-%05d', (id * 7919) % 10007)")
        refs = _refs(demo, "SELECT case_ref FROM safeguarding_case ORDER BY case_ref")
    store = open_store(demo, readonly=True)
    try:
        shapes = list(replay_shape.stored_shapes(store.conn, None, None, chunk=37))
        assert [ref for _, ref, _, _ in shapes] == refs
        records = {s.case_id: s.record for s in case_store.load_cases_by_id(store.conn, [s[0] for s in shapes])}
        assert any(shared for _, _, shared, _ in shapes) and any(r.get("reviews") for r in records.values())
        for case_id, _, shared, shape in shapes:
            record = dict(records[case_id])
            whole = replay_shape.canonical(replay_shape.person_ref_only(record) if shared else record)
            assert shape == whole
    finally:
        store.close()


def test_a_worker_process_that_dies_is_said_in_one_line(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_workers, "RANGE_SIZE", 1)  # 300 ranges: far from done when the workers die
    store = open_store(demo, readonly=True)
    work = check_workers.start(store.conn, demo, None, processes=2)
    try:
        assert work.pool is not None
        for process in list(work.pool._processes.values()):  # as the system would end one short of memory
            process.kill()
        with pytest.raises(MspError, match="stopped before it finished"):
            list(work.parts() or [])
    finally:
        work.close()
        store.close()


def _check_output(run: Run, monkeypatch: pytest.MonkeyPatch, in_process_below: int) -> tuple[int, str]:
    monkeypatch.setattr(check_workers, "IN_PROCESS_BELOW", in_process_below)
    result = run("check")
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_damaged_file_reads_alike_in_one_and_two_processes(
    run: Run, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_workers, "RANGE_SIZE", 23)
    _sql(demo, "PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(demo.read_bytes())
    page = 4096
    for offset in range(len(data) // 2, len(data) // 2 + page * 40, 97):  # pages of the cases' tables
        data[offset] = (data[offset] + 113) % 256
    demo.write_bytes(bytes(data))
    one = _check_output(run, monkeypatch, 10**9)
    two = _check_output(run, monkeypatch, 0)
    assert one[0] == 1 and "case values: cannot be read, the file is damaged (DatabaseError)" in one[1]
    assert two == one  # the workers' errors are raised here as this process would meet them


def test_an_encrypted_file_is_checked_alike_in_two_processes(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_jsonl: Any
) -> None:
    """The workers open the encrypted file with the passphrase this process was given."""
    pytest.importorskip("sqlcipher3")
    monkeypatch.setenv("MSP_PASSPHRASE", "correct horse battery")
    assert run("init", "--encrypt", "--worker", "Enc").exit_code == 0
    assert run("import", str(write_jsonl(CASES))).exit_code == 0
    monkeypatch.setattr(check_workers, "RANGE_SIZE", 2)
    ok = _check_output(run, monkeypatch, 0)
    assert ok[0] == 0 and "7 cases, every value explained by the audit trail; encrypted" in " ".join(ok[1].split())
    store = open_store(tmp_path / "msp.db", passphrase="correct horse battery")
    try:
        store.conn.execute("UPDATE safeguarding_case SET team = 'Elsewhere' WHERE case_ref = 'G'")
    finally:
        store.close()
    two = _check_output(run, monkeypatch, 0)
    assert two == _check_output(run, monkeypatch, 10**9)
    assert two[0] == 1 and "case G: team not as its audit trail records" in two[1]
