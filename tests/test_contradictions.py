"""Answers of different steps that cannot both be true: refused on the way in, listed by the worklist."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli import ui
from tests.conftest import Run, rows
from tests.helpers import full_case, open_case
from tests.keys import ENTER, NO, YES, accept, keyboard, pick, text, tick
from tests.test_wizard import ONE_OUTCOME, concern_step, person_step

NOT_LACKING = "No, they did not lack capacity"


def test_consent_reason_against_capacity_is_refused(run: Run, initialised: Path, write_jsonl: Any) -> None:
    case = full_case(capacity={"lacked_capacity": NOT_LACKING})
    result = run("import", str(write_jsonl([case])))
    assert result.exit_code == 65
    assert "capacity.lacked_capacity" in result.output and "lacks capacity to consent" in result.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    # either answer on its own is fine
    fine = full_case(capacity={"lacked_capacity": NOT_LACKING}, consent={"sought": True, "given": True})
    assert run("import", str(write_jsonl([fine]))).exit_code == 0


@pytest.mark.parametrize(
    ("each", "overall"),
    [("Not Achieved", "Fully Achieved"), ("Fully Achieved", "Not Achieved")],
)
def test_overall_against_every_outcome_is_refused(
    run: Run, initialised: Path, write_jsonl: Any, each: str, overall: str
) -> None:
    case = open_case(case_ref="C-1")
    assert run("import", str(write_jsonl([case]))).exit_code == 0
    args = ["case", "close", "C-1", "--concluded", "2024-07-01", "--risk-assessment-outcome"]
    args += ["No risk identified and no action taken", "--achieved", each]
    refused = run(*args, "--outcomes-achieved", overall)
    assert refused.exit_code == 65 and "outcomes_achieved" in refused.output
    assert rows(initialised, "SELECT count(*) FROM closure") == [(0,)]
    assert run(*args, "--outcomes-achieved", "Partially Achieved").exit_code == 0  # a judgement between is allowed


def test_the_wizard_asks_again_on_a_contradiction(run: Run, initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: True)
    consent = YES + NO + YES + pick("lacks") + accept()  # went ahead: lacks capacity to consent
    capacity = pick("did") + pick("Yes") + accept() + pick("Advocate") + NO  # "did not lack" is refused, asked again
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern_step() + consent + capacity + ONE_OUTCOME + NO + tick())
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT lacked_capacity, capacity_support FROM safeguarding_case") == [
        ("Yes, they lacked capacity", "Advocate")
    ]


def test_closing_asks_again_on_a_contradiction(
    run: Run, initialised: Path, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.progress.interactive", lambda: True)
    assert run("import", str(write_jsonl([open_case(case_ref="C-1")]))).exit_code == 0
    keys = text("2024-07-01") + pick("Not Achieved") + pick("Fully") + ENTER + pick("No risk identified and no")
    keys += ENTER + accept()
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "close", "C-1")
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT outcomes_achieved FROM closure") == [("Not Achieved",)]


def _sql(db: Path, *statements: str) -> None:
    """Change the file as another program (or an older msp) could have."""
    conn = sqlite3.connect(db)
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def _findings(run: Run) -> list[dict[str, Any]]:
    result = run("audit", "--json", "--days", "100000")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["findings"]  # type: ignore[no-any-return]


def _follow(run: Run, fix: str, value: str) -> Any:
    """Run the worklist's advice as written, with its placeholders filled in."""
    command = fix[fix.index("msp ") :].replace('"..."', shlex.quote(value), 1).replace('"..."', "'recorded wrongly'")
    return run(*shlex.split(command)[1:])


@pytest.mark.parametrize(
    ("rule", "statements", "value"),
    [
        (
            "consent-capacity-contradiction",
            [
                f"UPDATE safeguarding_case SET lacked_capacity = '{NOT_LACKING}', capacity_support = NULL,"
                " best_interests_note = NULL"
            ],
            "Yes, they lacked capacity",
        ),
        (
            "achieved-contradiction",
            [
                "UPDATE closure_outcome SET achieved = 'Not Achieved'",
                "UPDATE closure SET outcomes_achieved = 'Fully Achieved'",
            ],
            "Not Achieved",
        ),
    ],
)
def test_the_worklist_lists_stored_contradictions_and_its_advice_works(
    run: Run, initialised: Path, write_jsonl: Any, rule: str, statements: list[str], value: str
) -> None:
    assert run("import", str(write_jsonl([full_case(case_ref="C-1")]))).exit_code == 0
    _sql(initialised, *statements)
    found = [f for f in _findings(run) if f["rule"] == rule]
    assert [f["case_ref"] for f in found] == ["C-1"]
    result = _follow(run, found[0]["fix"], value)
    assert result.exit_code == 0, result.output
    assert rule not in {f["rule"] for f in _findings(run)}


def test_a_closure_dated_before_its_reopening_is_listed_and_put_right(
    run: Run, initialised: Path, write_jsonl: Any
) -> None:
    assert run("import", str(write_jsonl([full_case(case_ref="C-1")]))).exit_code == 0
    assert run("case", "reopen", "C-1", "--reason", "new evidence").exit_code == 0
    today = dt.date.today().isoformat()
    close = ["case", "close", "C-1", "--risk-assessment-outcome", "No risk identified and no action taken"]
    close += ["--achieved", "Partially Achieved", "--outcomes-achieved", "Partially Achieved"]
    assert run(*close, "--concluded", "2024-08-01").exit_code == 65  # before the reopening: refused
    assert run(*close, "--concluded", today).exit_code == 0
    _sql(initialised, "UPDATE closure SET concluded = '2024-08-01' WHERE reopened_on IS NULL")  # as an older msp did
    found = [f for f in _findings(run) if f["rule"] == "closed-before-reopening"]
    assert [f["case_ref"] for f in found] == ["C-1"]
    assert _follow(run, found[0]["fix"], "2024-09-01").exit_code == 65  # still before the reopening
    assert _follow(run, found[0]["fix"], today).exit_code == 0
    assert rows(initialised, "SELECT concluded FROM closure ORDER BY id") == [("2024-07-01",), (today,)]
    assert "closed-before-reopening" not in {f["rule"] for f in _findings(run)}
