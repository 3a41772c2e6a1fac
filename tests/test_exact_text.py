"""Recorded text is shown letter for letter: square brackets are the person's words, not markup."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from msp_cli import ui
from tests.conftest import Run
from tests.helpers import full_case, open_case

WORDS = "I want [my son] to stop taking my money"
TEAM = "[/b]"
WORKER = "Ann [c] [bold]"
CLOSED_REF = "C-[/b]-1"
OPEN_REF = "C-[c]-2"
PERSON_REF = "P-[my son]"
NAME = "Edna [link=http://x]y[/link] Example"
NOTE = "She said [crying] that it was fine [link=http://x]y[/link] [bold]"


def bracketed(case_ref: str, maker: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    case = maker(case_ref=case_ref, team=TEAM, worker=WORKER)
    case["person"] = {**case["person"], "ref": PERSON_REF, "name": NAME}
    case["desired_outcomes"][0]["text"] = WORDS
    case["desired_outcomes"][0]["negotiated"]["note"] = NOTE
    case["consent"]["note"] = NOTE
    case["meetings"][0]["summary"] = NOTE
    case["feedback"][0]["note"] = NOTE
    if case["concluded"]:
        case["closure_note"] = NOTE
    return case


@pytest.fixture
def hostile(run: Run, initialised: Path, write_jsonl, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "400")  # wide enough that no cell is folded across lines
    monkeypatch.setattr(ui.console, "_console", None)  # made again, at that width
    cases = [bracketed(CLOSED_REF, full_case), bracketed(OPEN_REF, open_case)]
    result = run("--worker", WORKER, "import", str(write_jsonl(cases)))
    assert result.exit_code == 0, result.output
    return initialised


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return str(result.output)


def test_case_show_keeps_every_bracket(run: Run, hostile: Path) -> None:
    for ref in (CLOSED_REF, OPEN_REF):
        out = ok(run, "case", "show", ref)
        for text in (ref, TEAM, WORKER, PERSON_REF, NAME, WORDS, NOTE):
            assert text in out, text
    assert json.loads(ok(run, "case", "show", CLOSED_REF, "--json"))["closure_note"] == NOTE


def test_lists_history_and_worklist_keep_every_bracket(run: Run, hostile: Path) -> None:
    listed = ok(run, "case", "list")
    for text in (CLOSED_REF, OPEN_REF, PERSON_REF, WORKER, TEAM):
        assert text in listed, text
    history = ok(run, "history")
    assert CLOSED_REF in history and OPEN_REF in history and WORKER in history
    assert CLOSED_REF in ok(run, "history", CLOSED_REF)
    worklist = ok(run, "audit", "--days", "100000")
    assert OPEN_REF in worklist and WORKER in worklist
    assert OPEN_REF in ok(run, "audit", "--team", TEAM)


@pytest.mark.parametrize(
    "report",
    [
        ["outcomes"],
        ["sac"],
        ["desired"],
        ["capacity"],
        ["time"],
        ["feedback"],
        ["breakdown", "--by", "team"],
        ["breakdown", "--by", "worker"],
        ["breakdown", "--by", "risk-type"],
    ],
)
def test_every_report_runs_and_keeps_names(run: Run, hostile: Path, report: list[str]) -> None:
    for extra in ([], ["--publish"], ["--team", TEAM]):
        out = ok(run, "report", *report, "--year", "2024-25", *extra)
        if report[-1] == "team":
            assert TEAM in out
        if report[-1] == "worker":
            assert WORKER in out


def test_published_outcomes_show_c_on_screen_where_csv_does(run: Run, hostile: Path) -> None:
    screen = ok(run, "report", "outcomes", "--year", "2024-25", "--publish")
    table = list(csv.reader(io.StringIO(ok(run, "report", "outcomes", "--year", "2024-25", "--publish", "--csv"))))
    suppressed = [row for row in table if "[c]" in row]
    assert suppressed, "one case: the published counts are suppressed"
    for row in suppressed:
        label = row[1]
        line = next(line for line in screen.splitlines() if label in line)
        assert line.count("[c]") == row.count("[c]"), (line, row)
