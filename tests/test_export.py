"""Data out: round trip, pseudonymisation, spreadsheets that cannot run formulas, permissions."""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from msp_cli.export import Pseudonymiser
from tests.conftest import Backend, Run
from tests.helpers import full_case, minimal_case, open_case
from tests.report_fixture import CASES

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def loaded(run: Run, backend: Backend, write_jsonl: Any) -> Backend:
    cases = [full_case(), open_case(case_ref="C-OPEN-7", person={"ref": "P-000123"}), *CASES]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    return backend


def test_identifiable_round_trip_is_byte_identical(run: Run, loaded: Backend, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    result = run("export", str(first), "--identifiable", "--reason", "migration test", "--yes")
    assert result.exit_code == 0, result.output
    empty = tmp_path / "empty.db"
    assert run("--db", str(empty), "init").exit_code == 0
    assert run("--db", str(empty), "import", str(first)).exit_code == 0
    second = tmp_path / "second.jsonl"
    assert run("--db", str(empty), "export", str(second), "--identifiable", "--reason", "check", "--yes").exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text(encoding="utf-8").splitlines()) == 9


def test_identifiable_export_is_audited_with_who_and_why(run: Run, loaded: Backend, tmp_path: Path) -> None:
    refused = run("export", str(tmp_path / "x.jsonl"), "--identifiable", "--yes")
    assert refused.exit_code == 2 and "--reason" in refused.output
    unconfirmed = run("export", str(tmp_path / "x.jsonl"), "--identifiable", "--reason", "SAR")
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    assert not (tmp_path / "x.jsonl").exists()
    assert (
        run(
            "export", str(tmp_path / "x.jsonl"), "--identifiable", "--reason", "Subject access request", "--yes"
        ).exit_code
        == 0
    )
    entry = loaded.rows("SELECT worker, os_user, changes FROM audit_log WHERE action = 'export.identifiable'")
    assert len(entry) == 1 and entry[0][0] == loaded.worker and entry[0][1]
    assert json.loads(entry[0][2])["reason"] == [None, "Subject access request"]


SECRETS = (
    "C-2024-0001",
    "C-OPEN-7",
    "P-000123",
    "Edna Example",
    "Consent note",
    "Best interests note",
    "I want my son to stop taking my pension",
    "Safety plan agreed",
    "Met at the kitchen table",
    "Thank you for listening",
    "Closed after the family meeting",
    "Ann Worker",
)


def _all_text(path: Path) -> str:
    if path.is_dir():
        return "".join(p.read_text(encoding="utf-8-sig") for p in sorted(path.iterdir()))
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_pseudonymised_export_holds_no_reference_name_or_note(
    run: Run, loaded: Backend, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"out.{fmt}" if fmt != "csv" else tmp_path / "out"
    result = run("export", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    text = _all_text(out)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Female" in text and "75-84" in text  # what analysts need is still there


def test_same_person_same_pseudonym_across_exports(run: Run, loaded: Backend, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("export", str(a)).exit_code == 0
    assert run("export", str(b), "--year", "2025-26").exit_code == 0  # only D, concluded 2025-04-01
    first = [json.loads(line) for line in a.read_text(encoding="utf-8").splitlines()]
    second = [json.loads(line) for line in b.read_text(encoding="utf-8").splitlines()]
    key = loaded.rows("SELECT value FROM settings WHERE key = 'pseudonym_key'")[0][0]
    case = Pseudonymiser(bytes.fromhex(key))
    both = (case("case", "C-2024-0001"), case("case", "C-OPEN-7"))
    edna = {c["person"]["ref"] for c in first if c["case_ref"] in both}
    assert len(edna) == 1  # C-2024-0001 and C-OPEN-7 are the same person
    p1 = {c["case_ref"]: c["person"]["ref"] for c in first}
    p2 = {c["case_ref"]: c["person"]["ref"] for c in second}
    assert p2 and all(p1[case] == person for case, person in p2.items())
    assert len(second) < len(first)


def test_formulas_stay_text(run: Run, initialised: Path, tmp_path: Path, write_jsonl: Any) -> None:
    case = minimal_case(closure_note=HYPERLINK, concluded="2024-06-01")
    case["person"]["name"] = "@SUM(1+1)"
    assert run("import", str(write_jsonl([case]))).exit_code == 0
    out = tmp_path / "f.xlsx"
    assert run("export", str(out), "--identifiable", "--reason", "test", "--yes").exit_code == 0
    import openpyxl

    book = openpyxl.load_workbook(out)
    history = ["reviews", "outcome_progress", "earlier_wordings", "earlier_closures"]  # interchange version 2
    assert book.sheetnames == [
        "About",
        "cases",
        "desired_outcomes",
        "meetings",
        "feedback",
        *history,
        "Data dictionary",
    ]
    sheet = book["cases"]
    header = [c.value for c in sheet[1]]
    note = sheet.cell(row=2, column=header.index("closure_note") + 1)
    assert note.value == HYPERLINK and note.data_type == "s"  # a string, not a formula ('f')
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    folder = tmp_path / "csvout"
    assert run("export", str(folder), "--format", "csv", "--identifiable", "--reason", "test", "--yes").exit_code == 0
    raw = (folder / "cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader((folder / "cases.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert table[0]["closure_note"] == "'" + HYPERLINK and table[0]["person_name"] == "'@SUM(1+1)"
    assert (folder / "data_dictionary.csv").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_exports_are_owner_only_and_never_overwritten(run: Run, loaded: Backend, tmp_path: Path) -> None:
    for name, fmt in (("o.jsonl", "jsonl"), ("o.xlsx", "xlsx"), ("o", "csv")):
        path = tmp_path / name
        assert run("export", str(path), "--format", fmt).exit_code == 0
        files = list(path.iterdir()) if path.is_dir() else [path]
        assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)
        again = run("export", str(path), "--format", fmt)
        assert again.exit_code == 1 and "will not overwrite" in again.output
