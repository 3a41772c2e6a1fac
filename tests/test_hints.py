"""Every command a message names works when pasted back, on the database it came from."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from msp_cli import ui
from tests.conftest import Run, rows
from tests.helpers import full_case
from tests.keys import CTRL_C, YES, keyboard, text, tick
from tests.test_wizard import CAPACITY_OK, CONSENT_GIVEN, ONE_OUTCOME, concern_step, person_step


def paste(run: Run, line: str, **kwargs: Any) -> Any:
    """Run LINE, a whole `msp ...` command line as a message printed it."""
    words = shlex.split(line)
    assert words[0] == "msp", line
    return run(*words[1:], **kwargs)


def commands_in(output: str) -> list[str]:
    """The `msp ...` command lines a message names (each up to the end of its line or a ' · ')."""
    found = []
    for match in re.finditer(
        r"(msp (?:--db|--worker|case|meeting|feedback|report|audit|init|import|tutorial)[^\n·]*)", output
    ):
        found.append(match.group(1).strip().rstrip(".").removesuffix("(no enquiry)").strip())
    return found


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.progress.interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.tutorial.interactive", lambda: True)


@pytest.fixture
def other_db(run: Run, tmp_path: Path) -> Path:
    """A database given with --db (MSP_DB points elsewhere): hints must name it."""
    path = tmp_path / "team file.db"  # a space, so the hint must quote it
    assert run("--db", str(path), "init", "--worker", "Ann").exit_code == 0
    return path


def test_demo_hints_run_on_the_demo(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSP_DB")
    made = run("demo", "--cases", "60")
    assert made.exit_code == 0
    demo = tmp_path / "home" / "data" / "msp" / "msp-demo.db"
    explore = [line.strip() for line in made.output.splitlines() if line.startswith("  msp ")]
    assert len(explore) == 5
    for line in explore:
        assert shlex.split(line)[1:3] == ["--db", str(demo)]
        result = paste(run, line)
        assert result.exit_code == 0, (line, result.output)
        assert "DEMONSTRATION DATA" in result.output  # it ran on the demo, not on another file


def test_after_the_demo_the_default_database_points_to_it(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSP_DB")
    assert run("demo", "--cases", "30").exit_code == 0
    result = run("case", "list", "--status", "open")
    assert result.exit_code == 1 and "There is no msp database" in result.output
    again = re.search(r"use the demonstration database: (msp .+?)   \(or make it the default", result.output)
    assert again is not None
    pasted = paste(run, again.group(1))
    assert pasted.exit_code == 0 and "DEMONSTRATION DATA" in pasted.output
    assert "--status open" in again.group(1)


def test_a_misplaced_global_option_gets_the_corrected_line(run: Run, other_db: Path) -> None:
    result = run("case", "list", "--db", str(other_db), "--status", "open")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert (
        lines[0] == f"msp: --db goes before the command: msp --db {shlex.quote(str(other_db))} case list --status open"
    )
    assert paste(run, lines[0].split(": ", 2)[2]).exit_code == 0
    worker = run("case", "show", "C-1", "--worker", "Bo", f"--db={other_db}")
    assert worker.exit_code == 2
    assert f"msp --worker Bo --db {shlex.quote(str(other_db))} case show C-1" in worker.output


def test_saved_case_hints_name_the_file_and_the_next_steps(run: Run, other_db: Path, tmp_path: Path) -> None:
    answers = tmp_path / "open.json"
    case = full_case(case_ref="C-OPEN", concluded=None, risk_assessment_outcome=None, risk_outcome=None)
    case.update(outcomes_achieved=None, closure_note=None)
    for outcome in case["desired_outcomes"]:
        outcome["achieved"] = None
    answers.write_text(json.dumps(case), encoding="utf-8")
    saved = run("--db", str(other_db), "case", "new", "--answers", str(answers))
    assert saved.exit_code == 0, saved.output
    hints = commands_in(saved.output)
    assert [shlex.split(h)[3:5] for h in hints] == [
        ["case", "show"],
        ["case", "review"],
        ["meeting", "add"],
        ["case", "close"],
    ]
    assert all(shlex.split(h)[1:3] == ["--db", str(other_db)] for h in hints)
    assert paste(run, hints[0]).exit_code == 0
    # review, meeting and close ask questions: given their answers as options, the pasted lines run
    meeting = paste(
        run,
        hints[2] + " --date 2024-05-21 --kind 'Review meeting' --location 'Phone or video' --chosen"
        " --attendee Person --prepared",
    )
    assert meeting.exit_code == 0, meeting.output
    assert rows(other_db, "SELECT count(*) FROM meeting WHERE held_on = '2024-05-21'") == [(1,)]


def test_a_no_enquiry_case_is_not_told_to_review_or_close(run: Run, other_db: Path, tmp_path: Path) -> None:
    case = full_case(case_ref="C-NONE", enquiry_type="None", enquiry_started=None, risk_assessment_outcome=None)
    case.update(risk_outcome=None, asked_about_outcomes=None, desired_outcomes=[], outcomes_achieved=None)
    case.update(meetings=[], feedback=[], responses=[], advocacy=None)
    answers = tmp_path / "none.json"
    answers.write_text(json.dumps(case), encoding="utf-8")
    saved = run("--db", str(other_db), "case", "new", "--answers", str(answers))
    assert saved.exit_code == 0, saved.output
    assert "closed on" in saved.output
    for word in ("review", "meeting add", "case close"):
        assert word not in saved.output
    named = commands_in(saved.output)
    assert [shlex.split(line)[3:5] for line in named] == [["case", "show"], ["feedback", "add"]]
    for line in named:
        if "feedback add" in line:
            line += " --date 2024-07-02 --given-by Person"
        assert paste(run, line).exit_code == 0, line


def test_wizard_stop_says_how_to_go_on_with_the_same_file(run: Run, other_db: Path, terminal: None) -> None:
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern_step() + YES + CTRL_C)
        stopped = run("--db", str(other_db), "case", "new")
    assert stopped.exit_code == 130
    line = re.search(r"Continue with: (msp .+)$", stopped.output.strip())
    assert line is not None and line.group(1) == f"msp --db {shlex.quote(str(other_db))} case resume C-T-1"
    with keyboard() as pipe:
        pipe.send_text(CONSENT_GIVEN + CAPACITY_OK + ONE_OUTCOME + "n" + tick())
        resumed = paste(run, line.group(1))
    assert resumed.exit_code == 0, resumed.output
    assert rows(other_db, "SELECT draft_step FROM safeguarding_case WHERE case_ref = 'C-T-1'") == [(None,)]


def test_hints_on_a_closed_or_unfinished_case(run: Run, other_db: Path, write_jsonl: Callable[..., Path]) -> None:
    assert run("--db", str(other_db), "import", str(write_jsonl([full_case()]))).exit_code == 0
    refused = run("--db", str(other_db), "case", "review", "C-2024-0001", "--answers", "-", input="{}")
    assert refused.exit_code == 1
    reopen = re.search(r"reopen it first: (msp .+)$", refused.output.strip())
    assert reopen is not None
    assert paste(run, reopen.group(1).replace('"..."', '"new information"')).exit_code == 0
    assert rows(other_db, "SELECT count(*) FROM closure WHERE reopened_on IS NOT NULL") == [(1,)]
    missing = run("--db", str(other_db), "case", "show", "C-NOPE")
    listed = re.search(r"See the cases with: (msp .+)$", missing.output.strip())
    assert listed is not None and paste(run, listed.group(1)).exit_code == 0


def test_the_next_page_is_a_whole_command(run: Run, other_db: Path, write_jsonl: Callable[..., Path]) -> None:
    cases = [full_case(case_ref=f"C-{i}", person={"ref": f"P-{i}"}) for i in range(3)]
    run("--db", str(other_db), "import", str(write_jsonl(cases)))
    first = run("--db", str(other_db), "case", "list", "--limit", "2")
    line = re.search(r"More with: (msp .+)$", first.output.strip())
    assert line is not None
    second = paste(run, line.group(1))
    assert second.exit_code == 0 and "C-0" in second.output and "C-2" not in second.output


def test_worklist_fixes_name_the_file(run: Run, other_db: Path, write_jsonl: Callable[..., Path]) -> None:
    case = full_case(case_ref="C-GAP", feedback=[])
    run("--db", str(other_db), "import", str(write_jsonl([case])))
    found = json.loads(run("--db", str(other_db), "audit", "--days", "100000", "--json").stdout)["findings"]
    fix = next(f["fix"] for f in found if f["rule"] == "no-feedback")
    line = fix.split(": ", 1)[1]
    assert line.startswith(f"msp --db {shlex.quote(str(other_db))} feedback add C-GAP")
    assert paste(run, line + " --date 2024-07-02 --given-by Person").exit_code == 0


def test_tutorial_without_a_terminal_says_so(run: Run) -> None:
    result = run("tutorial")
    assert result.exit_code == 2
    assert "run it in a terminal" in result.output and "--answers" not in result.output


def test_tutorial_stop_names_the_tutorial(run: Run, tmp_path: Path, terminal: None) -> None:
    with keyboard() as pipe:
        pipe.send_text(text("T-9") + CTRL_C)
        stopped = run("tutorial", "--scenario", "home")
    assert stopped.exit_code == 130
    assert "Start again with: msp tutorial --scenario home" in stopped.output
    assert "case new" not in stopped.output


def test_install_hints_use_this_python_and_the_range_msp_needs() -> None:
    import sys

    from msp_cli.hints import install_command

    line = install_command("sqlcipher3")
    assert shlex.split(line)[:4] == [sys.executable, "-m", "pip", "install"]
    assert shlex.split(line)[4].startswith("sqlcipher3") and "<0.7" in line
    assert "xlsxwriter<4" in install_command("xlsxwriter")


def test_excel_export_works_after_the_base_install(run: Run, tmp_path: Path) -> None:
    import openpyxl

    db = tmp_path / "d.db"
    assert run("--db", str(db), "demo", "--cases", "20").exit_code == 0
    out = tmp_path / "x.xlsx"
    assert run("--db", str(db), "export", str(out)).exit_code == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert "DEMONSTRATION DATA" in str(next(book["About"].iter_rows(values_only=True))[0])


def test_msp_use_makes_a_default_and_says_so_each_time(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MSP_DB")
    assert run("demo", "--cases", "20").exit_code == 0
    demo = tmp_path / "home" / "data" / "msp" / "msp-demo.db"
    hint = run("case", "list")
    made_default = re.search(r"make it the default: (msp use .+)\)$", hint.output.strip())
    assert made_default is not None
    assert paste(run, made_default.group(1)).exit_code == 0
    listed = run("case", "list", "--json")
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 20
    assert f"Using {demo}, set with `msp use`" in listed.stderr
    # --db and MSP_DB still come first, and then nothing is said about msp use
    other = tmp_path / "other.db"
    run("--db", str(other), "init")
    assert "Using" not in run("--db", str(other), "case", "list").stderr
    monkeypatch.setenv("MSP_DB", str(other))
    assert run("case", "list", "--json").stdout == ""
    monkeypatch.delenv("MSP_DB")
    assert run("use", "--clear").exit_code == 0
    assert run("case", "list").exit_code == 1  # the per-user default again, which does not exist


def test_msp_use_refuses_what_is_not_a_database(run: Run, tmp_path: Path) -> None:
    from msp_cli.location import use_file

    missing = run("use", str(tmp_path / "nothing.db"))
    assert missing.exit_code == 1 and "msp --db" in missing.output and "init" in missing.output
    text = tmp_path / "notes.txt"
    text.write_text("not a database", encoding="utf-8")
    assert run("use", str(text)).exit_code == 74
    assert not use_file().exists()
