"""msp import: all or nothing, every problem named, nothing changed on refusal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.conftest import Backend, Run, rows
from tests.helpers import full_case, minimal_case, open_case


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_stores_the_case_rows(run: Run, backend: Backend, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    src = write_jsonl(
        [full_case(), minimal_case(person_ref="P-000123"), open_case(case_ref="C-3", person={"ref": "P-9"})]
    )
    result = run("import", str(src))
    assert result.exit_code == 0, result.output
    assert "3 cases added, 2 new people" in result.output
    assert backend.rows("SELECT count(*) FROM person") == [(2,)]
    assert backend.rows("SELECT case_ref, enquiry_type FROM safeguarding_case ORDER BY id") == [
        ("C-2024-0001", "Section 42"),
        ("C-MIN-1", "None"),
        ("C-3", "Section 42"),
    ]
    assert backend.rows("SELECT risk_type FROM case_risk_type WHERE case_id = 1 ORDER BY rowid") == [
        ("Financial or Material Abuse",),
        ("Psychological Abuse",),
    ]
    assert backend.rows("SELECT text, negotiated_reason FROM desired_outcome WHERE case_id = 1") == [
        (full_case()["desired_outcomes"][0]["text"], "Risk to other adults")
    ]
    assert backend.rows("SELECT concluded, outcomes_achieved FROM closure") == [("2024-07-01", "Partially Achieved")]
    assert backend.rows("SELECT achieved FROM closure_outcome") == [("Partially Achieved",)]
    assert backend.rows("SELECT attendee FROM meeting_attendee WHERE meeting_id = 1 ORDER BY rowid") == [
        ("Person",),
        ("Advocate",),
        ("Police",),
    ]
    assert backend.rows("SELECT stage, count(*) FROM case_response GROUP BY stage ORDER BY stage") == [
        ("planned", 1),
        ("used", 1),
    ]
    # one audit entry per case, attributed, with the fields it set
    audit = backend.rows("SELECT worker, action, row_key, changes FROM audit_log WHERE action = 'case.import'")
    assert [a[2] for a in audit] == ["C-2024-0001", "C-MIN-1", "C-3"]
    assert audit[0][0] == backend.worker
    assert json.loads(audit[0][3])["person"][1]["age_band"] == "75-84"


def test_one_bad_line_and_nothing_is_written(run: Run, initialised: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    good = [minimal_case(case_ref=f"C-{i}", person_ref=f"P-{i}") for i in range(50)]
    bad = minimal_case(case_ref="C-BAD", sex="Femail", concern_received="2024-02-30")
    bad["person"]["sex"] = "Femail"
    del bad["sex"]
    before = digest(initialised)
    result = run("import", str(write_jsonl([*good, bad])))
    assert result.exit_code == 65
    assert "Nothing was imported" in result.output
    assert "line 51 (case_ref C-BAD)" in result.output
    assert "person.sex" in result.output and "concern_received" in result.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    assert rows(initialised, "SELECT count(*) FROM audit_log WHERE action = 'case.import'") == [(0,)]
    assert digest(initialised) == before or rows(initialised, "SELECT count(*) FROM person") == [(0,)]
    assert "Traceback" not in result.output


def test_duplicate_case_ref_refused_unless_update(run: Run, initialised: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    assert run("import", str(write_jsonl([open_case()]))).exit_code == 0
    again = run("import", str(write_jsonl([full_case()], "again.jsonl")))
    assert again.exit_code == 65 and "already in the database; use --update" in again.output
    assert rows(initialised, "SELECT count(*) FROM closure") == [(0,)]
    updated = run("import", "--update", str(write_jsonl([full_case()], "again.jsonl")))
    assert updated.exit_code == 0, updated.output
    assert "1 updated" in updated.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(1,)]
    assert rows(initialised, "SELECT concluded FROM closure") == [("2024-07-01",)]
    change = rows(initialised, "SELECT changes FROM audit_log WHERE action = 'case.import' ORDER BY id DESC LIMIT 1")
    assert json.loads(change[0][0])["concluded"] == [None, "2024-07-01"]


def test_duplicate_within_one_file(run: Run, initialised: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    result = run("import", str(write_jsonl([minimal_case(), minimal_case()])))
    assert result.exit_code == 65
    assert "appears twice in this file (first on line 1)" in result.output


def test_stdin(run: Run, initialised: Path) -> None:
    result = run("import", "-", input=json.dumps(minimal_case()) + "\n")
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT case_ref FROM safeguarding_case") == [("C-MIN-1",)]


def test_bad_inputs_give_one_clear_line(run: Run, initialised: Path, tmp_path: Path) -> None:
    not_json = tmp_path / "notjson.jsonl"
    not_json.write_text("{this is not json\n", encoding="utf-8")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"case_ref": "caf\xe9"}\n')
    future = tmp_path / "future.jsonl"
    future.write_text(json.dumps(minimal_case(concern_received="2999-01-01")) + "\n", encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    cases = [
        ([str(tmp_path / "missing.jsonl")], 2, "There is no file"),
        ([str(tmp_path)], 2, "is a folder"),
        ([str(not_json)], 65, "is not valid JSON"),
        ([str(latin)], 65, "is not UTF-8"),
        ([str(future)], 65, "in the future"),
        ([str(empty)], 2, "holds no cases"),
    ]
    before = digest(initialised)
    for args, code, message in cases:
        result = run("import", *args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    assert digest(initialised) == before


def test_database_that_is_not_sqlite(run: Run, tmp_path: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "fake.db"
    fake.write_text("hello, I am a spreadsheet", encoding="utf-8")
    result = run("--db", str(fake), "import", str(write_jsonl([minimal_case()])))
    assert result.exit_code == 74
    assert "not an msp database" in result.output
    assert fake.read_text(encoding="utf-8") == "hello, I am a spreadsheet"
