"""Honest corrections: `msp case edit`, `msp case discard`, show --json | import --update -, closure history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli import ui
from msp_cli.storage.sqlite.case_store import CASE_TABLES
from tests.conftest import Run, rows
from tests.helpers import full_case, open_case
from tests.keys import CTRL_C, NO, keyboard, pick, text
from tests.test_wizard import person_step


@pytest.fixture
def two(run: Run, initialised: Path, write_jsonl: Any) -> Path:
    """C-OPEN (open) and C-SHUT (closed 2024-07-01)."""
    cases = [open_case(case_ref="C-OPEN"), full_case(case_ref="C-SHUT", person={"ref": "P-2"})]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    return initialised


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY rowid") for t in CASE_TABLES}  # noqa: S608 (our names)


def history(run: Run, ref: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run("history", ref, "--json").output.splitlines() if line.startswith("{")]


def test_edit_set_changes_only_that_field(run: Run, two: Path) -> None:
    before = snapshot(two)
    result = run(
        "case", "edit", "C-OPEN", "--set", "location_of_risk=Care Home - Residential", "--reason", "typed wrong"
    )
    assert result.exit_code == 0, result.output
    after = snapshot(two)
    assert {t for t in CASE_TABLES if before[t] != after[t]} == {"safeguarding_case"}
    assert rows(two, "SELECT case_ref, location_of_risk FROM safeguarding_case ORDER BY id") == [
        ("C-OPEN", "Care Home - Residential"),
        ("C-SHUT", "Own Home"),
    ]
    changed = [
        c for c in zip(before["safeguarding_case"][0], after["safeguarding_case"][0], strict=True) if c[0] != c[1]
    ]
    assert changed == [("Own Home", "Care Home - Residential")]
    last = history(run, "C-OPEN")[-1]
    assert last["action"] == "case.correct"
    assert last["changes"] == {
        "location_of_risk": ["Own Home", "Care Home - Residential"],
        "reason": [None, "typed wrong"],
    }
    shown = run("case", "show", "C-OPEN").output
    assert "Recording corrected" in shown and "typed wrong" in shown


def test_corrected_words_are_not_the_person_rewording(run: Run, two: Path) -> None:
    result = run(
        "case", "edit", "C-OPEN", "--set", "desired_outcomes[0].text=I want my son to stop", "--reason", "typo"
    )
    assert result.exit_code == 0, result.output
    assert rows(two, "SELECT text FROM desired_outcome d JOIN safeguarding_case c ON c.id = d.case_id"
                " WHERE c.case_ref = 'C-OPEN'") == [("I want my son to stop",)]  # fmt: skip
    assert rows(two, "SELECT count(*) FROM desired_outcome_wording") == [(0,)]
    assert "reworded" not in run("case", "show", "C-OPEN").output
    assert history(run, "C-OPEN")[-1]["changes"]["desired_outcomes[0].text"][1] == "I want my son to stop"


def test_several_fields_kinds_and_person(run: Run, two: Path) -> None:
    result = run(
        "case", "edit", "C-OPEN", "--set", "person.sex=Male", "--set", "consent.sought=no", "--set", "consent.given=no",
        "--set", "risk_types=Self-Neglect;Neglect and Acts of Omission", "--set", "meetings[0].minutes_spent=30",
        "--reason", "entered from the wrong form",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert rows(two, "SELECT sex FROM person WHERE ref = 'P-000123'") == [("Male",)]
    assert rows(two, "SELECT consent_sought, consent_given FROM safeguarding_case WHERE case_ref = 'C-OPEN'") == [
        (0, 0)
    ]
    assert rows(two, "SELECT risk_type FROM case_risk_type WHERE case_id = 1 ORDER BY rowid") == [
        ("Self-Neglect",),
        ("Neglect and Acts of Omission",),
    ]
    assert rows(two, "SELECT minutes_spent FROM meeting WHERE case_id = 1") == [(30,)]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--set", "location_of_risk=Moon"], 65, "location_of_risk"),
        (["--set", "case_ref=C-9"], 2, "not corrected here"),
        (["--set", "person=x"], 2, "not a field"),
        (["--set", "desired_outcomes[7].text=x"], 2, "counted from 0"),
        (["--set", "concern_received=2999-01-01"], 65, "future"),
        (["--set", "location_of_risk"], 2, "FIELD=VALUE"),
    ],
)
def test_bad_corrections_change_nothing(run: Run, two: Path, args: list[str], code: int, says: str) -> None:
    before = snapshot(two)
    result = run("case", "edit", "C-OPEN", *args, "--reason", "r")
    assert result.exit_code == code, result.output
    assert says in result.output and "Traceback" not in result.output
    assert snapshot(two) == before


def test_a_reason_is_required(run: Run, two: Path) -> None:
    result = run("case", "edit", "C-OPEN", "--set", "location_of_risk=Own Home")
    assert result.exit_code == 2 and "--reason" in result.output


def test_a_closed_case_needs_reopening_except_what_the_worklist_names(run: Run, two: Path) -> None:
    refused = run("case", "edit", "C-SHUT", "--set", "location_of_risk=Hospital - Acute", "--reason", "r")
    assert refused.exit_code == 1 and "msp case reopen C-SHUT" in refused.output
    # a recording error the worklist names on a closed case: the risk outcome left out
    conn = sqlite3.connect(two)
    with conn:
        conn.execute("UPDATE closure SET risk_outcome = NULL")
    conn.close()
    found = json.loads(run("audit", "--json", "--days", "100000").output)["findings"]
    fix = next(f["fix"] for f in found if f["rule"] == "risk-outcome-missing")
    assert fix == 'msp case edit C-SHUT --set risk_outcome="..." --reason "..."'.join(("Record it: ", ""))
    fixed = run("case", "edit", "C-SHUT", "--set", "risk_outcome=Risk removed", "--reason", "left out at closing")
    assert fixed.exit_code == 0, fixed.output
    assert rows(two, "SELECT concluded, risk_outcome, reopened_on FROM closure") == [
        ("2024-07-01", "Risk removed", None)
    ]
    again = json.loads(run("audit", "--json", "--days", "100000").output)["findings"]
    assert "risk-outcome-missing" not in {f["rule"] for f in again}


def test_interactive_edit(run: Run, two: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.correct.interactive", lambda: True)
    keys = pick("location_of") + pick("Residential") + NO + text("typed wrong")
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "edit", "C-OPEN")
    assert result.exit_code == 0, result.output
    assert rows(two, "SELECT location_of_risk FROM safeguarding_case WHERE case_ref = 'C-OPEN'") == [
        ("Care Home - Residential",)
    ]
    assert history(run, "C-OPEN")[-1]["changes"]["reason"] == [None, "typed wrong"]


def test_show_json_imports_back_as_it_is(run: Run, two: Path) -> None:
    before = snapshot(two)
    shown = run("case", "show", "C-SHUT", "--json").output
    same = run("import", "--update", "-", input=shown)
    assert same.exit_code == 0, same.output
    assert "1 unchanged" in same.output
    assert snapshot(two) == before
    changed = run("import", "--update", "-", input=shown.replace('"Own Home"', '"Hospital - Acute"'))
    assert changed.exit_code == 0 and "1 updated" in changed.output
    assert rows(two, "SELECT location_of_risk FROM safeguarding_case WHERE case_ref = 'C-SHUT'") == [
        ("Hospital - Acute",)
    ]


def test_import_update_with_a_new_concluded_date_keeps_the_earlier_closure(
    run: Run, two: Path, write_jsonl: Any
) -> None:
    later = full_case(
        case_ref="C-SHUT", person={"ref": "P-2"}, concluded="2024-09-30", outcomes_achieved="Not Achieved"
    )
    later["desired_outcomes"][0]["achieved"] = "Not Achieved"
    assert run("import", "--update", str(write_jsonl([later]))).exit_code == 0
    closures = rows(
        two,
        "SELECT concluded, outcomes_achieved, reopened_on IS NOT NULL, reopen_reason FROM closure"
        " WHERE case_id = 2 ORDER BY id",
    )
    assert closures[0][:3] == ("2024-07-01", "Partially Achieved", 1) and "import --update" in closures[0][3]
    assert closures[1] == ("2024-09-30", "Not Achieved", 0, None)
    assert rows(two, "SELECT count(*) FROM closure_outcome") == [(2,)]  # each closure keeps its own answers
    assert "Reopened" in run("case", "show", "C-SHUT").output


def test_discarding_a_draft_leaves_no_case_and_an_audit_entry(
    run: Run, initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: True)
    with keyboard() as pipe:
        pipe.send_text(person_step(ref="P-DRAFT", case_ref="C-DRAFT") + CTRL_C)
        assert run("case", "new").exit_code == 130
    assert rows(initialised, "SELECT draft_step FROM safeguarding_case") == [(2,)]
    assert run("case", "discard", "C-DRAFT").exit_code == 2  # the reason is required
    result = run("case", "discard", "C-DRAFT", "--reason", "started for the wrong person")
    assert result.exit_code == 0, result.output
    assert {t: n for t in CASE_TABLES if (n := rows(initialised, f"SELECT count(*) FROM {t}")[0][0])} == {}  # noqa: S608
    entry = history(run, "C-DRAFT")[-1]
    assert entry["action"] == "case.discard"
    assert entry["changes"]["reason"] == [None, "started for the wrong person"]
    assert run("check").exit_code == 0
    assert run("case", "discard", "C-DRAFT", "--reason", "again").exit_code == 1


def test_a_finished_case_is_never_discarded(run: Run, two: Path) -> None:
    before = snapshot(two)
    result = run("case", "discard", "C-OPEN", "--reason", "r")
    assert result.exit_code == 1 and "msp case edit C-OPEN" in result.output
    assert snapshot(two) == before


def test_import_update_cannot_move_a_closure_earlier(run: Run, two: Path, write_jsonl: Any) -> None:
    before = snapshot(two)
    earlier = full_case(case_ref="C-SHUT", person={"ref": "P-2"}, concluded="2024-06-01")
    result = run("import", "--update", str(write_jsonl([earlier])))
    assert result.exit_code == 1, result.output
    assert "before its closure of 2024-07-01" in result.output and "Traceback" not in result.output
    assert snapshot(two) == before
