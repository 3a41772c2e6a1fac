"""A 5,000-case demonstration database, exported, turned into a council-style extract (one row per
desired outcome, local labels, UK dates) and imported with --map: the same national figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from msp_cli.reports.period import reporting_year_of, year_starting
from tests.conftest import Run, rows
from tests.extract_fixture import mapping_toml, to_extract

pytestmark = pytest.mark.timeout(600)  # about half a minute on CI; 5,000 cases each way


def cases_in(path: Path) -> list[dict[str, Any]]:
    """The cases of a JSON Lines export (a demonstration export's first line says what it is: not a case)."""
    objects = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    return [o for o in objects if "case_ref" in o]


def report(run: Run, db: Path, name: str, year: str) -> dict[str, Any]:
    result = run("--db", str(db), "report", name, "--year", year, "--json")
    assert result.exit_code == 0, result.output
    figures: dict[str, Any] = json.loads(result.stdout)
    figures.pop("demonstration_data", None)
    return figures


# what an extract cannot carry (one row per outcome): the lists inside a case, and an outcome's history
NOT_IN_EXTRACTS = ("meetings", "feedback", "reviews", "earlier_closures")
NOT_IN_EXTRACT_OUTCOMES = ("earlier_wordings", "progress")


def as_extract_gives(record: dict[str, Any]) -> dict[str, Any]:
    """A case as an extract can carry it; the same outcome twice counts once (an extract that is one
    row per outcome and per risk type repeats each outcome; the demo sometimes gives one person the
    same words twice)."""
    outcomes: list[dict[str, Any]] = []
    for outcome in record["desired_outcomes"]:
        kept = {k: v for k, v in outcome.items() if k not in NOT_IN_EXTRACT_OUTCOMES}
        if kept not in outcomes:
            outcomes.append(kept)
    return {**{k: v for k, v in record.items() if k not in NOT_IN_EXTRACTS}, "desired_outcomes": outcomes}


def test_5000_demo_cases_through_an_extract_give_the_same_figures(run: Run, tmp_path: Path) -> None:
    original, imported = tmp_path / "demo.db", tmp_path / "imported.db"
    assert run("--db", str(original), "demo", "--cases", "5000", "--seed", "19", "--replace").exit_code == 0
    cases_file = tmp_path / "cases.jsonl"
    exported = run("--db", str(original), "export", str(cases_file), "--identifiable", "--reason", "test", "--yes")
    assert exported.exit_code == 0, exported.output
    extract = tmp_path / "council-extract.csv"
    row_count, case_count = to_extract(cases_file.read_text(encoding="utf-8").splitlines(), extract)
    assert case_count == 5000 and row_count > 5000  # several rows for cases with several desired outcomes
    mapping = tmp_path / "council.toml"
    mapping.write_text(mapping_toml(), encoding="utf-8")
    assert run("--db", str(imported), "init", "--worker", "Auditor").exit_code == 0
    result = run("--db", str(imported), "import", str(extract), "--map", str(mapping))
    assert result.exit_code == 0, result.output
    assert "5000 cases added" in result.output
    assert rows(imported, "SELECT count(*), count(DISTINCT file_name) FROM case_source") == [(5000, 1)]
    this_year = reporting_year_of(dt.date.today())
    last_year = year_starting(int(this_year.start[:4]) - 1)
    for year in (last_year.label, this_year.label):
        for name in ("sac", "outcomes"):
            assert report(run, imported, name, year) == report(run, original, name, year), (name, year)
    sac = report(run, imported, "sac", last_year.label)
    assert sac["concerns"] > 1000 and sac["concluded_section_42_enquiries"] > 100  # the figures are not empty
    # beyond the figures: every case as the original holds it, as far as an extract can carry it
    again = tmp_path / "again.jsonl"
    assert run("--db", str(imported), "export", str(again), "--identifiable", "--reason", "t", "--yes").exit_code == 0
    before, after = ([as_extract_gives(c) for c in cases_in(f)] for f in (cases_file, again))
    assert after == before
