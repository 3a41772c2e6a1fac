"""`msp check` replays the trail a case at a time: what it finds is what a whole replay finds.

A demonstration database has people shared by several cases (re-referrals), whose values the
entries of all their cases explain together; they are replayed in a second pass, person by
person. These tests change one value behind msp's back and expect exactly the cases it shows in.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Run


@pytest.fixture
def demo(run: Run, db_path: Path) -> Path:
    assert run("demo", "--cases", "300", "--replace").exit_code == 0
    assert run("check").exit_code == 0
    return db_path


def _one(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def _problems(run: Run) -> str:
    result = run("check")
    assert result.exit_code == 1, result.output
    return " ".join(result.output.split())


def test_a_shared_persons_change_is_reported_for_each_of_their_cases(run: Run, demo: Path) -> None:
    (person_id,) = _one(demo, "SELECT person_id FROM safeguarding_case GROUP BY person_id HAVING count(*) > 1")[0]
    refs = [r for (r,) in _one(demo, f"SELECT case_ref FROM safeguarding_case WHERE person_id = {person_id}")]
    _one(demo, f"UPDATE person SET sex = CASE sex WHEN 'Male' THEN 'Female' ELSE 'Male' END WHERE id = {person_id}")
    out = _problems(run)
    for ref in refs:
        assert f"case {ref}: person.sex not as its audit trail records" in out
    assert out.count("person.sex") == len(refs)  # and no other case


def test_a_change_to_one_case_of_a_shared_person_names_that_case_alone(run: Run, demo: Path) -> None:
    case_id, ref = _one(
        demo,
        "SELECT id, case_ref FROM safeguarding_case WHERE person_id IN"
        " (SELECT person_id FROM safeguarding_case GROUP BY person_id HAVING count(*) > 1) LIMIT 1",
    )[0]
    _one(demo, f"UPDATE safeguarding_case SET team = 'Elsewhere' WHERE id = {case_id}")
    out = _problems(run)
    assert f"case {ref}: team not as its audit trail records" in out
    assert out.count("not as its audit trail records") == 1


def test_a_case_deleted_behind_msps_back_is_named(run: Run, demo: Path) -> None:
    (ref,) = _one(demo, "SELECT case_ref FROM safeguarding_case ORDER BY id LIMIT 1 OFFSET 10")[0]
    _one(demo, f"DELETE FROM safeguarding_case WHERE case_ref = '{ref}'")  # foreign keys are off in sqlite3
    out = _problems(run)
    assert f"cases in the audit trail but no longer stored (deleted behind msp's back): {ref}" in out
