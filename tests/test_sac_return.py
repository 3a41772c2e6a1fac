"""SG1a-SG1d against figures worked out by hand (tests/report_fixture.py SG1_CASES), and the
return as files: the long CSV and the xlsx carry exactly the figures of --json."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, rows
from tests.report_fixture import CASES, SG1_CASES

YEAR = ("--year", "2024-25")
COLUMNS = ("Safeguarding Concerns", "Section 42 Enquiries", "Other Enquiries")
CONCLUDED = "Concluded Section 42 Enquiries"


@pytest.fixture
def sac(run: Run, initialised: Path, write_jsonl: Any) -> Run:
    result = run("import", str(write_jsonl(CASES + SG1_CASES)))
    assert result.exit_code == 0, result.output

    def report(*args: str) -> Any:
        out = run("report", "sac", *YEAR, *args)
        assert out.exit_code == 0, out.output
        return out

    return report


@pytest.fixture
def sg1_only(run: Run, initialised: Path, write_jsonl: Any) -> Run:
    result = run("import", str(write_jsonl(SG1_CASES)))
    assert result.exit_code == 0, result.output

    def report(*args: str) -> dict[str, Any]:
        out = run("report", "sac", *YEAR, "--json", *args)
        assert out.exit_code == 0, out.output
        return json.loads(out.output)  # type: ignore[no-any-return]

    return report


def _zeros(labels: tuple[str, ...], **counts: int) -> dict[str, int]:
    return {label: counts.get(label, 0) for label in labels}


AGE = ("18-64", "65-74", "75-84", "85-94", "95+", "Not Known")


def test_sg1_counts_people_once_per_column(sg1_only: Run) -> None:
    r = sg1_only()
    assert (r["concerns"], r["section_42_enquiries"], r["other_enquiries"]) == (7, 4, 1)  # cases, not people
    assert r["individuals_by_age_band"] == {
        # P13 18-64; P15 65 on the last day; P10 75 by birth date; P11 85 in February; P12 by recorded band
        "Safeguarding Concerns": {"18-64": 1, "65-74": 1, "75-84": 1, "85-94": 1, "95+": 1, "Not Known": 0},
        # P10 (three enquiries, once) and P13 (whose concern is in the column before too); not P14, not P15
        "Section 42 Enquiries": _zeros(AGE, **{"18-64": 1, "75-84": 1}),
        "Other Enquiries": _zeros(AGE, **{"85-94": 1}),
    }
    assert r["individuals_by_sex"] == {
        "Safeguarding Concerns": {"Male": 2, "Female": 2, "Not Known": 1},
        "Section 42 Enquiries": {"Male": 1, "Female": 1, "Not Known": 0},
        "Other Enquiries": {"Male": 0, "Female": 1, "Not Known": 0},
    }
    ethnicity = r["individuals_by_ethnicity"]
    assert ethnicity["Safeguarding Concerns"] == {
        "White": 2,
        "Mixed / Multiple": 0,
        "Asian / Asian British": 1,
        "Black / African / Caribbean / Black British": 1,
        "Other Ethnic Group": 0,
        "Refused": 0,
        "Undeclared / Not Known": 1,  # P12: nothing recorded
    }
    assert sum(ethnicity["Section 42 Enquiries"].values()) == 2 and ethnicity["Other Enquiries"]["White"] == 1
    reason = r["individuals_by_primary_support_reason"]
    assert reason["Safeguarding Concerns"] == {
        "Physical Support": 1,
        "Sensory Support": 1,
        "Support with Memory and Cognition": 0,
        "Learning Disability Support": 1,
        "Mental Health Support": 1,
        "Social Support": 0,
        "No Support Reason": 0,
        "Not Known": 1,
    }
    assert reason["Section 42 Enquiries"]["Mental Health Support"] == 1
    assert reason["Section 42 Enquiries"]["Learning Disability Support"] == 1
    assert reason["Other Enquiries"] == _zeros(tuple(reason["Other Enquiries"]), **{"Physical Support": 1})


def test_sg1_without_a_date_of_birth_uses_the_recorded_band(sg1_only: Run, db_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE person SET date_of_birth = NULL")
    conn.close()
    bands = sg1_only()["individuals_by_age_band"]["Safeguarding Concerns"]
    # P10 65-74, P11 75-84, P12 95+, P13 18-64, P15 65-74: as recorded
    assert bands == {"18-64": 1, "65-74": 2, "75-84": 1, "85-94": 0, "95+": 1, "Not Known": 0}


def test_sg1_published(sg1_only: Run) -> None:
    r = sg1_only("--publish")
    for key in ("age_band", "sex", "ethnicity", "primary_support_reason"):
        table = r[f"individuals_by_{key}"]
        assert set(table) == set(COLUMNS)
        assert {v for column in table.values() for v in column.values()} == {"[c]"}  # every count under 5


def test_sg1_on_screen(sg1_only: Run, run: Run) -> None:
    out = run("report", "sac", *YEAR).output
    assert "SG1a Individuals by age band" in out and "Section 42 Enquiries" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("85-94"))
    assert line.split()[1:] == ["1", "0", "1"]  # P11: a concern and an Other enquiry


# --- the long CSV and the xlsx carry the --json figures --------------------------------------

# JSON key -> (table reference, parent CATEGORY for a second-level table)
SINGLE = {
    "type_of_risk": ("SG2a", None),
    "location_of_risk": ("SG2b", None),
    "source_of_risk": ("SG2b", "All locations"),
    "risk_assessment_outcome": ("SG2c", None),
    "risk_outcome": ("SG2e", None),
    "lacked_capacity": ("SG3a", None),
    "asked_about_outcomes": ("SG4a", None),
    "outcomes_achieved": ("SG4a", "Yes they were asked and outcomes were expressed"),
}
SG1 = {"SG1a": "age_band", "SG1b": "sex", "SG1c": "ethnicity", "SG1d": "primary_support_reason"}


def expected_figures(r: dict[str, Any]) -> dict[tuple[str, str, str, str], Any]:
    """Every figure of the --json object, keyed as the long CSV keys it."""
    out: dict[tuple[str, str, str, str], Any] = {}
    for ref, key in SG1.items():
        for column, counts in r[f"individuals_by_{key}"].items():
            out.update({(ref, column, label, ""): n for label, n in counts.items()})
    totals = ("concerns", "section_42_enquiries", "other_enquiries", "concluded_section_42_enquiries")
    for column, key in zip((*COLUMNS, CONCLUDED), totals, strict=True):
        out[("SG1f", column, "Total", "")] = r[key]
    for key, (ref, parent) in SINGLE.items():
        for label, n in r[key].items():
            out[(ref, CONCLUDED, parent or label, label if parent else "")] = n
    supported = "Support provided by an advocate, family or friend"
    out[("SG3a", CONCLUDED, "Yes, they lacked capacity", supported)] = r["lacked_capacity_supported"]
    return out


def _value(text: str) -> Any:
    return int(text) if text.isdigit() else text


def xlsx_figures(path: Path) -> dict[tuple[str, str, str, str], Any]:
    """Read the workbook back as the published tables lay it out: a header row names the columns,
    a bold line above it (if any) the CATEGORY its rows belong to."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    out: dict[tuple[str, str, str, str], Any] = {}
    for sheet in book.worksheets[1:]:
        columns: list[str] | None = None
        parent = None
        for row in sheet.iter_rows(min_row=2, values_only=True):
            cells = [c for c in row if c is not None]
            if not cells:
                columns, parent = None, None
            elif len(cells) > 1 and all(c in (*COLUMNS, CONCLUDED) for c in cells[1:]):
                columns = list(cells[1:])
            elif columns is None:
                parent = cells[0]  # a line above the header: the parent category (or the demo banner)
            else:
                for column, value in zip(columns, row[1:], strict=False):
                    key = (sheet.title, column, parent or row[0], row[0] if parent else "")
                    assert key not in out, key
                    out[key] = value
    return out


@pytest.mark.parametrize("publish", [False, True])
def test_long_csv_and_xlsx_carry_exactly_the_json_figures(
    sac: Run, tmp_path: Path, publish: bool, run: Run, db_path: Path
) -> None:
    flags = ("--publish",) if publish else ()
    r = json.loads(sac("--json", *flags).output)
    expected = expected_figures(r)
    assert len(expected) == 3 * (6 + 3 + 7 + 8) + 4 + 11 + 9 + 3 + 7 + 3 + 4 + 1 + 5 + 3

    table = list(csv.reader(io.StringIO(sac("--csv", *flags).output)))
    assert table[0] == ["TABLE_REFERENCE", "ENQUIRY_TYPE", "CATEGORY", "SUBCATEGORY", "VALUE"]
    assert all(len(row) == 5 for row in table)
    from_csv = {tuple(row[:4]): _value(row[4]) for row in table[1:]}
    assert len(from_csv) == len(table) - 1  # no figure twice
    assert from_csv == expected

    out = tmp_path / "return.xlsx"
    result = run("report", "sac", *YEAR, "--xlsx", str(out), *flags)
    assert result.exit_code == 0, result.output
    assert xlsx_figures(out) == expected
    if publish:
        assert "[c]" in expected.values() and all(v == "[c]" or v % 5 == 0 for v in expected.values())
    else:
        assert expected[("SG1a", "Section 42 Enquiries", "75-84", "")] == 1  # P10, three enquiries
        assert expected[("SG1f", "Safeguarding Concerns", "Total", "")] == 14


def test_xlsx_cover_file_and_refusals(sac: Run, run: Run, tmp_path: Path, db_path: Path) -> None:
    import openpyxl

    assert run("init", "--council", "Anytown Council").exit_code == 0
    assert rows(db_path, "SELECT value FROM settings WHERE key = 'council'") == [("Anytown Council",)]
    out = tmp_path / "sac.xlsx"
    out.write_bytes(b"an earlier version")
    assert run("report", "sac", *YEAR, "--xlsx", str(out), "--publish").exit_code == 0
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Period"] == "2024-25 (2024-04-01 to 2025-03-31)"
    assert cover["Council"] == "Anytown Council"
    assert cover["Publication rule applied"].startswith("Yes.")
    assert openpyxl.load_workbook(out).sheetnames == [
        "Cover", "SG1a", "SG1b", "SG1c", "SG1d", "SG1f", "SG2a", "SG2b", "SG2c", "SG2e", "SG3a", "SG4a",
    ]  # fmt: skip
    if sys.platform != "win32":
        assert out.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left

    assert run("report", "sac", *YEAR, "--xlsx", str(out)).exit_code == 0
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Publication rule applied"].startswith("No")

    before = os.listdir(tmp_path)
    for args, says in (
        (("--xlsx", str(tmp_path / "nowhere" / "x.xlsx")), "does not exist"),
        (("--xlsx", str(db_path)), "must end in .xlsx"),
        (("--xlsx", str(out), "--csv"), "Choose one of"),
    ):
        result = run("report", "sac", *YEAR, *args)
        assert result.exit_code == 2 and says in result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert os.listdir(tmp_path) == before
