"""The case defined once: every field of the field table reaches import, export, `case show --json`
and the data dictionary; the typed records agree with the table; version 2 round-trips whole."""

from __future__ import annotations

import csv
import json
import typing
from pathlib import Path
from typing import Any

import pytest

from msp_cli import record as record_types
from msp_cli.export import TABLES
from msp_cli.record.fields import FIELDS, GROUPS, Kind, fields_of, keys_of
from tests.conftest import Run
from tests.helpers import full_case

# group -> its TypedDict
TYPES = {
    "case": record_types.Case, "person": record_types.Person, "consent": record_types.Consent,
    "capacity": record_types.Capacity, "advocacy": record_types.Advocacy, "outcome": record_types.DesiredOutcome,
    "negotiated": record_types.Negotiated, "wording": record_types.Wording, "progress": record_types.Progress,
    "review": record_types.Review, "meeting": record_types.Meeting, "feedback": record_types.Feedback,
    "earlier_closure": record_types.EarlierClosure,
}  # fmt: skip


def every_field_case() -> dict[str, Any]:
    """A case of version 2 in which every field of the field table holds a value."""
    case = full_case()
    case["person"] = {**case["person"], "date_of_birth": "1941-03-09"}
    case["person"] = {k: case["person"][k] for k in keys_of("person")}
    first = case["desired_outcomes"][0]
    first["earlier_wordings"] = [
        {"text": "I want him to stop", "category": "To be and to feel safer", "until": "2024-06-01"}
    ]
    first["progress"] = [{"date": "2024-06-01", "status": "In progress", "person_says": "Better", "note": "Seen"}]
    second = {
        "text": "To stay in my flat", "category": "To have exercised choice", "expressed_by": "Person",
        "negotiated": None, "achieved": "Fully Achieved", "added": "2024-06-01",
    }  # fmt: skip
    case["desired_outcomes"] = [first, second]
    case["reviews"] = [{"date": "2024-06-01", "note": "First review"}]
    case["earlier_closures"] = [
        {"concluded": "2024-06-20", "risk_assessment_outcome": "Risk identified and action taken",
         "risk_outcome": "Risk remained", "outcomes_achieved": "Not Achieved", "achieved": ["Not Achieved", None],
         "closure_note": "Closed too soon", "reopened": "2024-06-24", "reopen_reason": "New information"}
    ]  # fmt: skip
    case["desired_outcomes"][1]["achieved"] = "Fully Achieved"
    order = [f.key for f in fields_of("case")]
    return {k: case[k] for k in order}


def _paths(value: Any, prefix: str = "") -> set[str]:
    """The dotted interchange names present (non-empty) in a case, lists written `[]`."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            if item not in (None, []):
                found.add(path)
            found |= _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{prefix}[]")
    return found


def test_typed_records_agree_with_the_field_table() -> None:
    for group, typed in TYPES.items():
        assert set(typing.get_type_hints(typed)) == set(keys_of(group)), group
    assert set(TYPES) == set(GROUPS)


def test_every_field_goes_in_and_comes_out(run: Run, initialised: Path, tmp_path: Path, write_jsonl: Any) -> None:
    case = every_field_case()
    wanted = {f.path for f in FIELDS}
    assert _paths(case) >= wanted, "the fixture must set every field"
    assert run("import", str(write_jsonl([case]))).exit_code == 0
    shown = json.loads(run("case", "show", case["case_ref"], "--json").output)
    assert shown == case
    assert _paths(shown) >= wanted
    out = tmp_path / "out.jsonl"
    assert run("export", str(out), "--identifiable", "--reason", "test", "--yes").exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == case and _paths(exported) >= wanted
    folder = tmp_path / "csv"
    assert run("export", str(folder), "--format", "csv", "--identifiable", "--reason", "t", "--yes").exit_code == 0
    with (folder / "data_dictionary.csv").open(encoding="utf-8-sig") as handle:
        dictionary = {(row["table"], row["column"]) for row in csv.DictReader(handle)}
    headers = {}
    for name in TABLES:
        with (folder / f"{name}.csv").open(encoding="utf-8-sig") as handle:
            headers[name] = next(csv.reader(handle))
    for f in FIELDS:
        if f.kind in (Kind.OBJECT, Kind.LIST):
            continue
        holders = [name for name, columns in TABLES.items() if f.export_column in dict(columns)]
        assert holders, f"{f.path} is in no export table"
        assert any(f.export_column in headers[name] for name in holders), f.path
        assert any((f"{name}.csv", f.export_column) in dictionary for name in holders), f.path


def test_pseudonymised_export_drops_the_date_of_birth(
    run: Run, initialised: Path, tmp_path: Path, write_jsonl: Any
) -> None:
    assert run("import", str(write_jsonl([every_field_case()]))).exit_code == 0
    out = tmp_path / "p.jsonl"
    assert run("export", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    exported = json.loads(text)
    assert "date_of_birth" not in exported["person"] and "1941" not in text
    assert exported["person"]["age_band"] == "75-84"
    assert "Closed too soon" not in text and "New information" not in text


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"person": {"ref": "P-1", "date_of_birth": "2010-01-01"}}, "person.date_of_birth"),
        ({"person": {"ref": "P-1", "date_of_birth": "2999-01-01"}}, "person.date_of_birth"),
        ({"reviews": []}, "progress[0].date"),
    ],
)
def test_version_2_rules(change: dict[str, Any], problem: str) -> None:
    from msp_cli.errors import InvalidRecord
    from msp_cli.model import validate_case

    case = {**every_field_case(), **change}
    with pytest.raises(InvalidRecord) as caught:
        validate_case(case)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_a_reclosure_before_its_reopening_is_refused() -> None:
    from msp_cli.errors import InvalidRecord
    from msp_cli.model import validate_case

    case = every_field_case()
    case["concluded"] = "2024-06-22"  # the earlier closure was reopened on 2024-06-24
    with pytest.raises(InvalidRecord) as caught:
        validate_case(case)
    assert any(p.startswith("concluded:") for p in caught.value.problems)


def _cases(run: Run, db: Path, status: str) -> list[dict[str, Any]]:
    result = run("--db", str(db), "case", "list", "--status", status, "--json", "--limit", "1000")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_version_2_round_trip_loses_nothing(run: Run, tmp_path: Path) -> None:
    """Reviews, rewordings, outcomes added at a review, reopened and re-closed cases: export,
    import into an empty database, export again: the same bytes, and every case shows the same."""
    import datetime as dt

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert run("--db", str(a), "demo", "--cases", "200", "--seed", "3").exit_code == 0
    today = dt.date.today().isoformat()
    open_with_outcomes = [c for c in _cases(run, a, "open") if c["desired_outcomes"]][:3]
    assert len(open_with_outcomes) == 3
    for c in open_with_outcomes:
        answers = tmp_path / f"review-{c['case_ref']}.json"
        outcomes = [{"progress": "In progress", "text": f"New words {i}"} for i in range(c["desired_outcomes"])]
        new = [{"text": "To be asked again", "category": "To be involved in making decisions"}]
        answers.write_text(json.dumps({"date": today, "outcomes": outcomes, "new_outcomes": new}), encoding="utf-8")
        result = run("--db", str(a), "case", "review", c["case_ref"], "--answers", str(answers))
        assert result.exit_code == 0, result.output
    for c in _cases(run, a, "closed")[:3]:
        shown = json.loads(run("--db", str(a), "case", "show", c["case_ref"], "--json").stdout)
        assert run("--db", str(a), "case", "reopen", c["case_ref"], "--reason", "New information").exit_code == 0
        close = {k: shown[k] for k in ("risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "responses")}
        close["concluded"] = today
        close["desired_outcomes"] = [{"achieved": o["achieved"]} for o in shown["desired_outcomes"]]
        answers = tmp_path / f"close-{c['case_ref']}.json"
        answers.write_text(json.dumps(close), encoding="utf-8")
        result = run("--db", str(a), "case", "close", c["case_ref"], "--answers", str(answers))
        assert result.exit_code == 0, result.output
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("--db", str(a), "export", str(first), "--identifiable", "--reason", "t", "--yes").exit_code == 0
    text = first.read_text(encoding="utf-8")
    assert '"reviews"' in text and '"earlier_wordings"' in text and '"earlier_closures"' in text and '"added"' in text
    assert run("--db", str(b), "init").exit_code == 0
    assert run("--db", str(b), "import", str(first)).exit_code == 0
    assert run("--db", str(b), "export", str(second), "--identifiable", "--reason", "t", "--yes").exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    assert json.loads(text.splitlines()[0])["demonstration_data"] is True  # a demo export says so, inside
    for line in text.splitlines()[1:]:
        ref = json.loads(line)["case_ref"]
        shown_a = run("--db", str(a), "case", "show", ref, "--json")
        shown_b = run("--db", str(b), "case", "show", ref, "--json")
        assert json.loads(shown_a.stdout) == json.loads(shown_b.stdout)
