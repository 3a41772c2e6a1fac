"""From `msp demo` on: the same year in the reports, 'year to date', the tutorial's own file, the mark on exports."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from msp_cli.reports.period import reporting_year_of, year_starting
from tests.conftest import Run, rows
from tests.test_demo import money_tutorial_keys


def headline_year() -> str:
    return year_starting(int(reporting_year_of(dt.date.today()).start[:4]) - 1).label


def test_reports_after_the_demo_show_the_demos_year(run: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    made = run("--db", db, "demo", "--cases", "120")
    assert f"Headline figures: {headline_year()}" in made.output
    shown = run("--db", db, "report", "outcomes")
    assert shown.exit_code == 0
    assert f"Sector outcome measures: {headline_year()}" in shown.stdout
    assert f"Reporting {headline_year()}" in shown.stderr  # said each time it applies
    as_json = json.loads(run("--db", db, "report", "outcomes", "--json").stdout)
    assert as_json["period"]["label"] == headline_year()
    # the figures are the headline's: every row of the report is a row the demo showed
    figures = [line for line in shown.stdout.splitlines() if any(c.isdigit() for c in line) and ":" not in line]
    assert len(figures) >= 4
    assert set(figures) <= set(made.stdout.splitlines())
    # a year asked for is the year shown
    other = json.loads(run("--db", db, "report", "outcomes", "--json", "--year", "2023-24").stdout)
    assert other["period"]["label"] == "2023-24"


def test_a_report_on_the_current_year_says_year_to_date(run: Run, initialised: Path) -> None:
    today = dt.date.today()
    current = reporting_year_of(today).label
    said = f"{current}, year to date (to {today.isoformat()})"
    assert said in run("report", "outcomes").stdout
    as_json = json.loads(run("report", "sac", "--json").stdout)
    assert as_json["period"]["label"] == current  # the key programs read is unchanged
    assert as_json["period"]["to_date"] == today.isoformat()
    assert as_json["title"] == f"Safeguarding Adults Collection: {said}"
    first_row = next(csv.reader(run("report", "desired", "--csv").stdout.splitlines()))
    assert first_row == [f"Desired outcomes: {said}"]
    long_csv = list(csv.reader(run("report", "sac", "--csv").stdout.splitlines()))
    assert long_csv[0] == [f"Safeguarding Adults Collection: {said}"]
    board = initialised.parent / "board.html"
    assert run("report", "board", "--html", str(board)).exit_code == 0
    assert f"Making Safeguarding Personal: {said}" in board.read_text(encoding="utf-8")
    # a year that has ended says nothing of the kind, in any format
    past = json.loads(run("report", "sac", "--json", "--year", "2020-21").stdout)
    assert "title" not in past and "to_date" not in past["period"]
    assert "to date" not in run("report", "desired", "--csv", "--year", "2020-21").stdout


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_tutorial_keeps_to_its_own_file(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from msp_cli import ui
    from tests.keys import keyboard

    monkeypatch.delenv("MSP_DB")
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.tutorial.interactive", lambda: True)
    folder = tmp_path / "home" / "data" / "msp"
    assert run("demo", "--cases", "40").exit_code == 0
    demo = folder / "msp-demo.db"
    before = _digest(demo)
    with keyboard() as pipe:
        pipe.send_text(money_tutorial_keys())
        result = run("tutorial")
    assert result.exit_code == 0, result.output
    assert _digest(demo) == before
    assert rows(demo, "SELECT count(*) FROM safeguarding_case WHERE case_ref = 'T-1'") == [(0,)]
    assert rows(folder / "msp-tutorial.db", "SELECT case_ref, draft_step FROM safeguarding_case") == [("T-1", None)]
    assert f"msp --db {folder / 'msp-tutorial.db'} case review T-1" in result.output


def test_a_demo_export_stays_marked_wherever_it_goes(run: Run, tmp_path: Path) -> None:
    demo = str(tmp_path / "demo.db")
    assert run("--db", demo, "demo", "--cases", "30").exit_code == 0
    exported = tmp_path / "demo.jsonl"
    assert run("--db", demo, "export", str(exported)).exit_code == 0  # pseudonymised
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {
        "demonstration_data": True,
        "about": "DEMONSTRATION DATA - fictional cases, not real people or real figures",
    }
    assert len(lines) == 31
    # imported elsewhere, it still says what it is (a pseudonymised export is for analysis, not import: issue 20)
    whole = tmp_path / "whole.jsonl"
    assert run("--db", demo, "export", str(whole), "--identifiable", "--reason", "t", "--yes").exit_code == 0
    assert whole.read_text(encoding="utf-8").splitlines()[0] == lines[0]
    elsewhere = tmp_path / "elsewhere.db"
    assert run("--db", str(elsewhere), "init").exit_code == 0
    imported = run("--db", str(elsewhere), "import", str(whole))
    assert imported.exit_code == 0 and "DEMONSTRATION DATA" in imported.output
    assert rows(elsewhere, "SELECT count(*) FROM safeguarding_case") == [(30,)]
    assert rows(elsewhere, "SELECT value FROM settings WHERE key = 'demo'") == [("yes",)]
    assert "DEMONSTRATION DATA" in run("--db", str(elsewhere), "report", "outcomes").stdout
    again = tmp_path / "again.jsonl"
    assert run("--db", str(elsewhere), "export", str(again), "--identifiable", "--reason", "t", "--yes").exit_code == 0
    assert again.read_text(encoding="utf-8").splitlines()[0] == lines[0]
    # CSV tables carry the mark on every row
    folder = tmp_path / "csv"
    assert run("--db", demo, "export", str(folder)).exit_code == 0
    with (folder / "cases.csv").open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 30 and {row["demonstration_data"] for row in table} == {
        "DEMONSTRATION DATA - fictional cases, not real people or real figures"
    }


def test_a_demo_file_is_refused_by_a_database_of_real_cases(
    run: Run, tmp_path: Path, initialised: Path, write_jsonl
) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import full_case

    assert run("import", str(write_jsonl([full_case()]))).exit_code == 0
    demo = str(tmp_path / "demo.db")
    run("--db", demo, "demo", "--cases", "10")
    exported = tmp_path / "demo.jsonl"
    run("--db", demo, "export", str(exported))
    before = _digest(initialised)
    refused = run("import", str(exported))
    assert refused.exit_code == 1 and "DEMONSTRATION DATA" in refused.output
    assert _digest(initialised) == before
    assert rows(initialised, "SELECT value FROM settings WHERE key = 'demo'") == []
