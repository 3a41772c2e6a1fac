"""msp import FILE --map MAP.toml: council extracts written here, in the shapes councils give them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run, rows

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HEADINGS = [
    "Case No", "Client ID", "Client Name", "Age Band", "Date Concern Received", "Enquiry", "Enquiry Start",
    "Abuse Type", "Asked", "Outcome (client's words)", "Outcome Category",
]  # fmt: skip

MAP = """
[source]
team = "North"

[columns]
case_ref = "Case No"
"person.ref" = "Client ID"
"person.name" = "Client Name"
"person.age_band" = "Age Band"
concern_received = "Date Concern Received"
enquiry_type = "Enquiry"
enquiry_started = "Enquiry Start"
risk_types = { column = "Abuse Type", split = ";" }
asked_about_outcomes = "Asked"
"desired_outcomes.text" = "Outcome (client's words)"
"desired_outcomes.category" = "Outcome Category"

[labels.risk_types]
"Financial" = "Financial or Material Abuse"
"Self neglect" = "Self-Neglect"

[labels.enquiry_type]
"S42" = "Section 42"
"Non S42" = "Other"
"NFA" = "None"

[labels.asked_about_outcomes]
"Yes" = "Yes they were asked and outcomes were expressed"
"Not asked" = "No"

[labels."desired_outcomes.category"]
"Safety" = "To be and to feel safer"
"Family" = "To maintain key relationships"
"""

# one row per desired outcome: C-1 has two outcomes (and its risks split over rows), C-2 none
ROWS = [
    ["C-1", "P-1", "Zoë Brontë", "75-84", "31/01/2025", "S42", "01/02/2025", "Financial;Self neglect", "Yes",
     "I want my £200 back from him", "Safety"],
    ["C-1", "P-1", "Zoë Brontë", "75-84", "31/01/2025", "S42", "01/02/2025", "Financial", "Yes",
     "I still want to see my grandson, José", "Family"],
    ["C-2", "P-2", "Renée Ó Briain", "65-74", "03/02/2025", "NFA", "", "Physical Abuse", "Not asked", "", ""],
]  # fmt: skip


def write_csv(path: Path, table: list[list[str]], *, encoding: str = "utf-8", headings: list[str] = HEADINGS) -> Path:
    lines = [",".join(_quoted(c) for c in row) for row in [headings, *table]]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


@pytest.fixture
def map_file(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(MAP, encoding="utf-8")
    return path


def case_counts(db: Path) -> tuple[Any, ...]:
    return tuple(
        rows(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("person", "safeguarding_case", "desired_outcome", "case_risk_type", "case_source", "audit_log")
    )


def stored(run: Run, case_ref: str) -> dict[str, Any]:
    result = run("case", "show", case_ref, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_cp1252_extract_one_row_per_outcome(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    extract = write_csv(tmp_path / "mosaic-extract.csv", ROWS, encoding="cp1252")
    assert b"\xa3200" in extract.read_bytes()  # really Windows-1252: £ is one byte
    result = run("import", str(extract), "--map", str(map_file))
    assert result.exit_code == 0, result.output
    assert "2 cases added, 2 new people" in result.output
    one = stored(run, "C-1")
    assert one["person"] == {
        "ref": "P-1", "name": "Zoë Brontë", "age_band": "75-84", "sex": None, "ethnicity": None,
        "primary_support_reason": None,
    }  # fmt: skip
    assert one["concern_received"] == "2025-01-31" and one["enquiry_started"] == "2025-02-01"
    assert one["enquiry_type"] == "Section 42" and one["team"] == "North"
    assert one["risk_types"] == ["Financial or Material Abuse", "Self-Neglect"]  # split, collected once each
    assert [(o["text"], o["category"]) for o in one["desired_outcomes"]] == [
        ("I want my £200 back from him", "To be and to feel safer"),
        ("I still want to see my grandson, José", "To maintain key relationships"),
    ]
    two = stored(run, "C-2")
    assert two["enquiry_type"] == "None" and two["asked_about_outcomes"] == "No" and two["desired_outcomes"] == []
    assert two["person"]["name"] == "Renée Ó Briain"
    today = dt.date.today().isoformat()
    assert rows(initialised, "SELECT c.case_ref, s.file_name, s.imported_on FROM case_source s"
                " JOIN safeguarding_case c ON c.id = s.case_id ORDER BY 1") == [
        ("C-1", "mosaic-extract.csv", today), ("C-2", "mosaic-extract.csv", today),
    ]  # fmt: skip
    audit = rows(initialised, "SELECT changes FROM audit_log WHERE action = 'case.import' AND row_key = 'C-1'")
    assert json.loads(audit[0][0])["source"] == [None, {"file": "mosaic-extract.csv", "imported_on": today}]
    shown = run("case", "show", "C-1")
    assert f"Imported from         mosaic-extract.csv on {today}" in shown.output
    history = run("history", "C-1")
    assert "mosaic-extract.csv" in history.output


def test_utf8_with_bom(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    extract = write_csv(tmp_path / "liquidlogic.csv", ROWS, encoding="utf-8-sig")
    assert extract.read_bytes().startswith(b"\xef\xbb\xbfCase No")
    result = run("import", str(extract), "--map", str(map_file))
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT name FROM person ORDER BY ref") == [("Zoë Brontë",), ("Renée Ó Briain",)]
    assert rows(initialised, "SELECT text FROM desired_outcome ORDER BY id")[0] == ("I want my £200 back from him",)


def test_xlsx_with_date_cells_and_excel_date_numbers(run: Run, initialised: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Cases")
    sheet.append(["Case No", "Client ID", "Referral Date", "S42 Start", "Type", "Risk"])
    # a real date cell, a date-time cell, an Excel date number (45688 is 2025-01-31), and a numeric case number
    sheet.append(["X-1", "P-1", dt.date(2025, 1, 31), dt.datetime(2025, 2, 3, 14, 30), "S42", "Neglect"])
    sheet.append([1002, 77, 45688, 45689, "S42", "Neglect"])
    path = tmp_path / "carefirst.xlsx"
    book.save(path)
    mapping = tmp_path / "carefirst.toml"
    mapping.write_text(
        '[source]\nsheet = "Cases"\n[columns]\ncase_ref = "Case No"\nperson.ref = "Client ID"\n'
        'concern_received = "Referral Date"\nenquiry_started = "S42 Start"\nenquiry_type = "Type"\n'
        'risk_types = "Risk"\n[labels.enquiry_type]\nS42 = "Section 42"\n'
        '[labels.risk_types]\nNeglect = "Neglect and Acts of Omission"\n',
        encoding="utf-8",
    )
    draft = run("map", "draft", str(path), "--sheet", "Cases")
    assert draft.exit_code == 0, draft.output
    assert 'sheet = "Cases"  # sheets: Notes, Cases' in draft.stdout
    drafted = tomllib.loads(draft.stdout)["columns"]
    assert (drafted["case_ref"], drafted["concern_received"]) == ("Case No", "Referral Date")
    result = run("import", str(path), "--map", str(mapping))
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT c.case_ref, p.ref, c.concern_received, c.enquiry_started FROM safeguarding_case c"
                " JOIN person p ON p.id = c.person_id ORDER BY c.id") == [
        ("X-1", "P-1", "2025-01-31", "2025-02-03"),
        ("1002", "77", "2025-01-31", "2025-02-01"),
    ]  # fmt: skip


def test_unmapped_label_dry_run_lists_it_and_writes_nothing(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path
) -> None:
    table = [*ROWS, ["C-3", "P-3", "", "65-74", "04/02/2025", "S42", "04/02/2025", "Financial abuse", "", "", ""],
             ["C-4", "P-4", "", "65-74", "05/02/2025", "S42", "05/02/2025", "Financial abuse", "", "", ""]]  # fmt: skip
    extract = write_csv(tmp_path / "extract.csv", table)
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(map_file), "--dry-run")
    assert result.exit_code == 65
    out = result.stdout
    # every distinct value with its count and what it becomes; the unmapped one with a suggestion
    assert "Financial abuse        2  not mapped; closest national label: Financial or Material Abuse" in out
    assert "Financial              2  -> Financial or Material Abuse" in out
    assert "Physical Abuse         1  -> Physical Abuse (national label)" in out
    assert "S42        4  -> Section 42" in out
    assert re.search(r'\n  risk_types +<- "Abuse Type" \(split on ";"\)\n', out)
    assert "row 5 (case_ref C-3): risk_types[0] (column \"Abuse Type\"): 'Financial abuse' is not a type of risk" in out
    assert "row 6 (case_ref C-4)" in out
    assert "2 of 4 cases would be imported; 2 would fail." in out
    assert "nothing was written" in result.output
    assert case_counts(initialised) == before


def test_dry_run_of_a_good_extract_exits_0_and_writes_nothing(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path
) -> None:
    extract = write_csv(tmp_path / "extract.csv", ROWS)
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(map_file), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 of 2 cases would be imported; 0 would fail." in result.stdout
    assert case_counts(initialised) == before


def test_missing_heading_is_named_and_nothing_is_imported(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path
) -> None:
    headings = [h if h != "Enquiry Start" else "S42 Start Date" for h in HEADINGS]
    extract = write_csv(tmp_path / "extract.csv", ROWS, headings=headings)
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(map_file))
    assert result.exit_code == 65
    assert re.search(r'\n  enquiry_started +<- "Enquiry Start"  MISSING from the file\n', result.output)
    assert 'Not used: "S42 Start Date"' in result.output
    assert "Nothing was imported: a mapped heading is missing from the file" in result.output
    assert case_counts(initialised) == before


def test_rows_that_disagree_on_the_concern_date(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    table = [list(r) for r in ROWS]
    table[1][4] = "01/02/2025"  # C-1's second row says another day
    table[2][4] = "31/02/2025"  # and C-2's date is not a real one
    extract = write_csv(tmp_path / "extract.csv", table)
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(map_file))
    assert result.exit_code == 65
    assert (
        'rows 2, 3 (case_ref C-1): concern_received (column "Date Concern Received"): differs between rows 2 and 3'
        " (2025-01-31, 2025-02-01); a case's rows must agree" in result.output
    )
    # the cell's own problem, and not a second one for the same field from the rules
    line = next(x for x in result.output.splitlines() if "(case_ref C-2)" in x)
    assert line == (
        "  row 4 (case_ref C-2): concern_received (column \"Date Concern Received\", row 4): '31/02/2025' is not a"
        " real date"
    )
    assert "Nothing was imported: 2 cases would fail" in result.output
    assert case_counts(initialised) == before


def test_keep_going_writes_the_rest_to_a_rejects_csv(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path
) -> None:
    table = [*ROWS, ["C-3", "P-3", "=HYPERLINK(1)", "65-74", "04/02/2025", "S42", "04/02/2025", "Scam", "", "", ""]]
    extract = write_csv(tmp_path / "extract.csv", table, encoding="cp1252")
    result = run("import", str(extract), "--map", str(map_file), "--keep-going")
    assert result.exit_code == 0, result.output
    assert "2 cases added" in result.output
    rejects = tmp_path / "extract.rejects.csv"
    assert f"1 case(s) were not imported; their rows and reasons are in {rejects}" in result.output.replace("\n", " ")
    assert rows(initialised, "SELECT case_ref FROM safeguarding_case ORDER BY 1") == [("C-1",), ("C-2",)]
    table_out = list(csv.reader(io.StringIO(rejects.read_bytes().decode("utf-8-sig"), newline="")))
    assert table_out[0] == ["msp row", "msp problems", *HEADINGS]
    assert len(table_out) == 2 and table_out[1][0] == "5"
    assert table_out[1][1].startswith("risk_types[0] (column \"Abuse Type\"): 'Scam' is not a type of risk")
    assert table_out[1][2:] == [
        "C-3",
        "P-3",
        "'=HYPERLINK(1)",
        "65-74",
        "04/02/2025",
        "S42",
        "04/02/2025",
        "Scam",
        "",
        "",
        "",
    ]  # fmt: skip  (a leading ' so Excel never runs it as a formula)
    if os.name == "posix":
        assert rejects.stat().st_mode & 0o777 == 0o600
    again = run("import", str(extract), "--map", str(map_file), "--keep-going")  # the first rejects file is kept
    assert (tmp_path / "extract.rejects-2.csv").exists() and again.exit_code == 0


def test_source_filter_for_reports_and_worklist(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    first = write_csv(tmp_path / "north.csv", ROWS[:2])
    second = write_csv(tmp_path / "south.csv", [["C-9", "P-9", "", "65-74", "03/02/2025", "S42", "03/02/2025",
                                                  "Financial", "", "", ""]])  # fmt: skip
    assert run("import", str(first), "--map", str(map_file)).exit_code == 0
    assert run("import", str(second), "--map", str(map_file)).exit_code == 0
    sac = json.loads(run("report", "sac", "--year", "2024-25", "--json", "--source", "south.csv").stdout)
    assert sac["filters"]["source"] == "south.csv"
    assert sac["concerns"] == 1 and sac["section_42_enquiries"] == 1
    both = json.loads(run("report", "sac", "--year", "2024-25", "--json").stdout)
    assert both["concerns"] == 2
    worklist = json.loads(run("audit", "--json", "--source", "south.csv").stdout)
    assert {f["case_ref"] for f in worklist["findings"]} == {"C-9"}
    assert "C-1" in {f["case_ref"] for f in json.loads(run("audit", "--json").stdout)["findings"]}


def test_map_draft_gives_a_mapping_that_reads(run: Run, initialised: Path, tmp_path: Path) -> None:
    headings = ["Case No", "Client ID", "Gender", "Date Concern Received", "Abuse Type", "Location", "Notes"]
    table = [
        ["C-1", "P-1", "F", "31/01/2025", "Financial;Self neglect", "Care home", "£5 for the café"],
        ["C-2", "P-2", "Male", "01/02/2025", "Physical Abuse", "Own home", ""],
        ["C-3", "P-3", "Female", "01/02/2025", "Zzz", "Own home", ""],
    ]
    extract = write_csv(tmp_path / "extract.csv", table, headings=headings, encoding="cp1252")
    result = run("map", "draft", str(extract))
    assert result.exit_code == 0, result.output
    text = result.stdout
    data = tomllib.loads(text)
    assert data["columns"]["case_ref"] == "Case No"
    assert data["columns"]["person.ref"] == "Client ID"
    assert data["columns"]["person.sex"] == "Gender"
    assert data["columns"]["risk_types"] == {"column": "Abuse Type", "split": ";"}
    assert data["columns"]["location_of_risk"] == "Location"
    assert data["labels"]["risk_types"] == {
        "Financial": "Financial or Material Abuse",
        "Self neglect": "Self-Neglect",
    }
    assert data["labels"]["location_of_risk"] == {"Care home": "Care Home - Nursing"}
    assert '# "Own home" is a national label already (2 rows)' in text  # case and spaces do not matter
    assert '"Financial" = "Financial or Material Abuse"  # check (1 row)' in text
    assert '# "Zzz" = ""  # no close national label' in text
    assert '"F" = "Female"  # check (1 row)' in text
    assert '#   "Notes"' in text
    assert data["source"]["encoding"] == "cp1252"
    mapping = tmp_path / "draft.toml"
    mapping.write_text(text, encoding="utf-8")
    check = run("import", str(extract), "--map", str(mapping), "--dry-run")
    assert re.search(r"\n    Zzz +1  not mapped; no close national label\n", check.stdout)
    assert re.search(r"\n    F +1  -> Female\n", check.stdout)
    assert check.exit_code == 65


def test_bad_mapping_lists_every_problem(run: Run, initialised: Path, tmp_path: Path) -> None:
    extract = write_csv(tmp_path / "extract.csv", ROWS)
    mapping = tmp_path / "bad.toml"
    mapping.write_text(
        '[source]\nsheat = "x"\n[columns]\ncase_ref = "Case No"\nconcern_recieved = "Date Concern Received"\n'
        '[labels.risk_types]\n"Financial" = "Financial Abuse"\n',
        encoding="utf-8",
    )
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(mapping))
    assert result.exit_code == 65
    out = result.output
    assert "[source] sheat: not a setting; did you mean 'sheet'?" in out
    assert (
        "[columns] concern_recieved: not an interchange field an extract can feed; did you mean 'concern_received'?"
        in out
    )
    assert "[columns] person.ref: is required" in out
    assert "[labels.risk_types] 'Financial': 'Financial Abuse' is not a national label" in out
    assert case_counts(initialised) == before
    broken = tmp_path / "broken.toml"
    broken.write_text("[columns\n", encoding="utf-8")
    result = run("import", str(extract), "--map", str(broken))
    assert (
        result.exit_code == 1 and "broken.toml is not valid TOML" in result.output and "Traceback" not in result.output
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"x", "old Excel file (.xls); open it in Excel and save it as .xlsx"),
        ("cases.txt", b"x", "an extract must be a .csv or .xlsx file"),
        ("broken.xlsx", b"not a zip", "broken.xlsx is not a readable .xlsx workbook"),
        ("empty.csv", b"", "empty.csv is empty or has no headings"),
        ("odd.csv", b"Case No\r\n\x81\x8d\r\n", "odd.csv is neither UTF-8 nor Windows-1252 text"),
    ],
)
def test_unreadable_extracts_say_so(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("import", str(path), "--map", str(map_file))
    assert result.exit_code in (1, 2)
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_options_that_need_map(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    extract = write_csv(tmp_path / "extract.csv", ROWS)
    assert run("import", str(extract), "--dry-run").exit_code == 2
    assert run("import", str(extract), "--map", str(map_file), "--update").exit_code == 2


def test_a_version_2_database_gains_case_source(run: Run, initialised: Path) -> None:
    conn = sqlite3.connect(initialised)
    conn.execute("DROP TABLE case_source")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_issue19_source'")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    assert run("case", "list").exit_code == 0
    assert rows(initialised, "PRAGMA user_version") == [(3,)]
    assert rows(initialised, "SELECT name FROM sqlite_master WHERE name = 'case_source'") == [("case_source",)]


def test_the_example_in_examples_folder(run: Run, initialised: Path) -> None:
    folder = Path(__file__).resolve().parent.parent / "examples"
    extract, mapping = folder / "council-extract.csv", folder / "council-map.toml"
    check = run("import", str(extract), "--map", str(mapping), "--dry-run")
    assert check.exit_code == 0, check.output
    assert "5 of 5 cases would be imported; 0 would fail." in check.stdout
    result = run("import", str(extract), "--map", str(mapping))
    assert result.exit_code == 0, result.output
    assert "5 cases added, 4 new people" in result.output
    figures = json.loads(
        run("report", "outcomes", "--year", "2024-25", "--json", "--source", "council-extract.csv").stdout
    )
    assert (figures["concluded"], figures["asked_and_expressed"], figures["fully_achieved"]) == (3, 2, 1)
    assert figures["partially_achieved"] == 1
    assert rows(initialised, "SELECT achieved FROM closure_outcome ORDER BY rowid") == [
        ("Partially Achieved",), ("Fully Achieved",), ("Fully Achieved",),
    ]  # fmt: skip
    again = run("import", str(extract), "--map", str(mapping))  # an extract only adds: no --update hint
    assert again.exit_code == 65
    assert "this case_ref is already in the database\n" in again.output.replace(";", "\n")
    assert "--update" not in again.output


CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["31/01/2025", "45688", "2025-13-01", "=cmd()", "S42", "Financial;;Self neglect", " ", "\x00"]),
    st.text(alphabet='\u00a3\u00e9\u2013\ud7ff\x1b\r\n";,', max_size=10),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(CELLS, min_size=0, max_size=len(HEADINGS) + 2), min_size=1, max_size=6))
def test_hostile_cells_never_a_traceback(run: Run, initialised: Path, tmp_path: Path, table: list[list[str]]) -> None:
    extract = tmp_path / "hostile.csv"
    with extract.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([HEADINGS, *table])
    mapping = tmp_path / "hostile.toml"
    mapping.write_text(MAP, encoding="utf-8")
    before = case_counts(initialised)
    result = run("import", str(extract), "--map", str(mapping))
    assert result.exit_code in (0, 1, 2, 65), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    if result.exit_code != 0:
        assert case_counts(initialised) == before


def test_a_free_text_column_mapped_as_labels_lists_the_first_values(
    run: Run, initialised: Path, tmp_path: Path, map_file: Path
) -> None:
    table = [[f"C-{i}", f"P-{i}", "", "65-74", "04/02/2025", "S42", "04/02/2025", f"note {i:03}", "", "", ""]
             for i in range(70)]  # fmt: skip
    result = run("import", str(write_csv(tmp_path / "extract.csv", table)), "--map", str(map_file), "--dry-run")
    assert result.exit_code == 65
    assert "    ...and 10 more values" in result.stdout
    assert "note 059" in result.stdout and "note 060" not in result.stdout.split("Cases that would fail")[0]


def test_missing_case_reference_heading(run: Run, initialised: Path, tmp_path: Path, map_file: Path) -> None:
    headings = ["Case Number" if h == "Case No" else h for h in HEADINGS]
    result = run("import", str(write_csv(tmp_path / "extract.csv", ROWS, headings=headings)), "--map", str(map_file))
    assert result.exit_code == 65
    assert re.search(r'\n  case_ref +<- "Case No"  MISSING from the file\n', result.output)
    assert "Extract: extract.csv (CSV, utf-8): 3 rows, 0 cases" in result.output
    assert "Nothing was imported: a mapped heading is missing from the file" in result.output
