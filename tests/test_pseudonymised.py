"""Pseudonymised exports that are hard to re-identify: months and intervals, an order that says
nothing, names out of the notes, and the small-groups check (issue 20). Each test reads the
files written, in every format."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from msp_cli.export import COLUMNS, TABLES, Pseudonymiser
from msp_cli.pseudonymised import small_groups
from msp_cli.pseudonymised.names import NameScrubber
from msp_cli.record.fields import Kind
from tests.conftest import Run, rows
from tests.helpers import minimal_case, open_case
from tests.report_fixture import CASES
from tests.test_record import every_field_case

FORMATS = ("jsonl", "csv", "xlsx")
EXACT_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTH = re.compile(r"^\d{4}-\d{2}$")


def _out(tmp_path: Path, fmt: str, name: str = "out") -> Path:
    return tmp_path / (name if fmt == "csv" else f"{name}.{fmt}")


def _export(run: Run, out: Path, fmt: str, *args: str) -> str:
    result = run("export", str(out), "--format", fmt, *args)
    assert result.exit_code == 0, result.output
    return str(result.output)


def _tables(out: Path) -> dict[str, list[dict[str, Any]]]:
    """The export tables of a csv folder or xlsx workbook, as rows of {column: value} ('' for empty)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        if out.is_dir():
            with (out / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
                found[name] = list(csv.DictReader(handle))
        else:
            import openpyxl

            sheet = openpyxl.load_workbook(out, read_only=True)[name]
            values = list(sheet.iter_rows(values_only=True))
            found[name] = [
                {h: ("" if v is None else v) for h, v in zip(values[0], row, strict=False)} for row in values[1:]
            ]
    return found


def _about(out: Path) -> str:
    if out.is_dir():
        return (out / "about.txt").read_text(encoding="utf-8")
    import openpyxl

    return "\n".join(
        str(r[0]) for r in openpyxl.load_workbook(out, read_only=True)["About"].iter_rows(values_only=True)
    )


def _all_text(out: Path) -> str:
    if out.suffix == ".jsonl":
        return out.read_text(encoding="utf-8")
    if out.is_dir():
        return "\n".join(p.read_text(encoding="utf-8-sig") for p in sorted(out.iterdir()))
    import openpyxl

    book = openpyxl.load_workbook(out, read_only=True)
    return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)


def _pseudonym(db: Path) -> Pseudonymiser:
    return Pseudonymiser(bytes.fromhex(rows(db, "SELECT value FROM settings WHERE key = 'pseudonym_key'")[0][0]))


# --- dates: months, and intervals that equal the differences of the exact dates -----------------


def _days(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def _expected_intervals(case: dict[str, Any]) -> dict[str, list[dict[str, int | None]]]:
    """Worked out here from the source dates, independently of msp: table -> rows -> column -> days."""
    concern = case["concern_received"]
    advocacy = case.get("advocacy") or {}
    outcomes = case.get("desired_outcomes") or []
    return {
        "cases": [
            {
                "days_concern_to_enquiry": _days(concern, case.get("enquiry_started")),
                "days_concern_to_advocacy_offered": _days(concern, advocacy.get("offered")),
                "days_advocacy_offered_to_started": _days(advocacy.get("offered"), advocacy.get("started")),
                "days_concern_to_concluded": _days(concern, case.get("concluded")),
            }
        ],
        "desired_outcomes": [{"days_concern_to_added": _days(concern, o.get("added"))} for o in outcomes],
        "meetings": [{"days_from_concern": _days(concern, m["date"])} for m in case.get("meetings") or []],
        "feedback": [{"days_from_concern": _days(concern, f["date"])} for f in case.get("feedback") or []],
        "reviews": [{"days_from_concern": _days(concern, r["date"])} for r in case.get("reviews") or []],
        "outcome_progress": [
            {"days_from_concern": _days(concern, p["date"])} for o in outcomes for p in o.get("progress") or []
        ],
        "earlier_wordings": [
            {"days_from_concern": _days(concern, w["until"])} for o in outcomes for w in o.get("earlier_wordings") or []
        ],
        "earlier_closures": [
            {
                "days_concern_to_concluded": _days(concern, c["concluded"]),
                "days_concern_to_reopened": _days(concern, c["reopened"]),
            }
            for c in case.get("earlier_closures") or []
        ],
    }


def _number(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


def _found_intervals(out: Path, fmt: str, case_ref: str) -> dict[str, list[dict[str, int | None]]]:
    """The interval columns of one case's rows, from any format."""
    if fmt == "jsonl":
        record = next(
            r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if r["case_ref"] == case_ref
        )
        outcomes = record["desired_outcomes"]
        return {
            "cases": [record["intervals"]],
            "desired_outcomes": [o["intervals"] for o in outcomes],
            "meetings": [m["intervals"] for m in record["meetings"]],
            "feedback": [f["intervals"] for f in record["feedback"]],
            "reviews": [r["intervals"] for r in record.get("reviews", [])],
            "outcome_progress": [p["intervals"] for o in outcomes for p in o.get("progress", [])],
            "earlier_wordings": [w["intervals"] for o in outcomes for w in o.get("earlier_wordings", [])],
            "earlier_closures": [c["intervals"] for c in record.get("earlier_closures", [])],
        }
    found = {}
    for name, table in _tables(out).items():
        days = [c for c, _ in TABLES[name] if c.startswith("days_")]
        found[name] = [{c: _number(row[c]) for c in days} for row in table if row["case_ref"] == case_ref]
    return found


@pytest.fixture
def loaded(run: Run, initialised: Path, write_jsonl: Any) -> list[dict[str, Any]]:
    cases = [every_field_case(), open_case(case_ref="C-OPEN-7", person={"ref": "P-000123"}), *CASES]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    return cases


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_are_months_and_intervals_equal_the_differences(
    run: Run, loaded: list[dict[str, Any]], initialised: Path, tmp_path: Path, fmt: str
) -> None:
    out = _out(tmp_path, fmt)
    _export(run, out, fmt)
    assert not EXACT_DATE.search(_all_text(out)), "an exact date was exported"
    if fmt == "jsonl":
        first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert MONTH.match(first["concern_received"])
    else:
        months = 0
        for name, table in _tables(out).items():
            dated = [c.name for c in COLUMNS[name] if c.path[-1].kind is Kind.DATE and not c.path[-1].identifying]
            for row in table:
                for column in dated:
                    assert row[column] == "" or MONTH.match(row[column]), (name, column, row[column])
                    months += row[column] != ""
        assert months > 30
    pseudonym = _pseudonym(initialised)
    for case in loaded:
        found = _found_intervals(out, fmt, pseudonym("case", case["case_ref"]) or "")
        assert found == _expected_intervals(case), case["case_ref"]
    full = _found_intervals(out, fmt, pseudonym("case", "C-2024-0001") or "")
    assert full["cases"][0]["days_concern_to_enquiry"] == 1  # 2024-05-02 to 2024-05-03
    assert full["cases"][0]["days_concern_to_concluded"] == 60  # to 2024-07-01
    assert full["cases"][0]["days_advocacy_offered_to_started"] == 7
    assert full["meetings"] == [{"days_from_concern": 18}]
    assert full["earlier_closures"][0]["days_concern_to_reopened"] == 53


def test_every_interval_column_is_checked_and_in_the_dictionary(
    run: Run, loaded: list[dict[str, Any]], tmp_path: Path
) -> None:
    expected = _expected_intervals(loaded[0])
    for name, columns in TABLES.items():
        days = {c for c, _ in columns if c.startswith("days_")}
        assert days == set(expected[name][0]) if expected[name] else not days, name
    out = tmp_path / "dict"
    _export(run, out, "csv")
    dictionary = (out / "data_dictionary.csv").read_text(encoding="utf-8-sig")
    assert (
        "cases.csv,days_concern_to_enquiry,Days from the concern being received to the enquiry starting" in dictionary
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_exact_dates_need_a_reason_and_are_audited(
    run: Run, loaded: list[dict[str, Any]], initialised: Path, tmp_path: Path, fmt: str
) -> None:
    out = _out(tmp_path, fmt)
    refused = run("export", str(out), "--format", fmt, "--dates", "exact")
    assert refused.exit_code == 2 and "--reason" in refused.output
    unconfirmed = run("export", str(out), "--format", fmt, "--dates", "exact", "--reason", "Audit sample")
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.output
    assert not out.exists()
    assert rows(initialised, "SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'") == [(0,)]
    _export(run, out, fmt, "--dates", "exact", "--reason", "Audit sample", "--yes")
    text = _all_text(out)
    assert "2024-05-02" in text and "C-2024-0001" not in text  # exact dates, still pseudonymised
    entries = rows(initialised, "SELECT action, worker, changes FROM audit_log WHERE action LIKE 'export.%'")
    assert [(action, worker) for action, worker, _ in entries] == [("export.exact_dates", "Test Worker")]
    changes = json.loads(entries[0][2])
    assert changes["reason"] == [None, "Audit sample"] and changes["dates"] == [None, "exact"]


def test_a_month_export_is_audited_as_months(
    run: Run, loaded: list[dict[str, Any]], initialised: Path, tmp_path: Path
) -> None:
    _export(run, tmp_path / "m.jsonl", "jsonl")
    (changes,) = rows(initialised, "SELECT changes FROM audit_log WHERE action = 'export.pseudonymised'")[0]
    assert json.loads(changes)["dates"] == [None, "month"]
    bad = run("export", str(tmp_path / "x.jsonl"), "--dates", "day")
    assert bad.exit_code == 2 and "--dates takes month or exact" in bad.output


# --- order ---------------------------------------------------------------------------------------


def test_cases_are_in_pseudonym_order_in_every_format(
    run: Run, loaded: list[dict[str, Any]], initialised: Path, tmp_path: Path
) -> None:
    orders = []
    for fmt in ("jsonl", "jsonl", "csv", "xlsx"):
        out = _out(tmp_path, fmt, f"o{len(orders)}")
        _export(run, out, fmt)
        if fmt == "jsonl":
            orders.append([json.loads(line)["case_ref"] for line in out.read_text(encoding="utf-8").splitlines()])
        else:
            tables = _tables(out)
            orders.append([row["case_ref"] for row in tables["cases"]])
            outcome_cases = [row["case_ref"] for row in tables["desired_outcomes"]]
            assert outcome_cases == sorted(outcome_cases)  # child rows follow the same order
    pseudonym = _pseudonym(initialised)
    source_order = [pseudonym("case", case["case_ref"]) for case in loaded]
    assert all(order == orders[0] for order in orders)
    assert orders[0] == sorted(source_order)
    assert orders[0] != source_order


def test_a_pseudonymised_jsonl_export_is_refused_by_import(
    run: Run, loaded: list[dict[str, Any]], initialised: Path, tmp_path: Path
) -> None:
    out = tmp_path / "p.jsonl"
    _export(run, out, "jsonl")
    before = rows(initialised, "SELECT count(*) FROM safeguarding_case")
    result = run("import", str(out), "--update")
    assert result.exit_code == 2 and "pseudonymised export" in result.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == before


def test_identifiable_exports_keep_source_order(run: Run, loaded: list[dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "i.jsonl"
    _export(run, out, "jsonl", "--identifiable", "--reason", "test", "--yes")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["case_ref"] for r in records] == [c["case_ref"] for c in loaded]
    assert "intervals" not in records[0]  # the interchange format stays importable


# --- names out of the notes -------------------------------------------------------------------------

NAMED_PEOPLE = ("Margaret Thornbury", "ellen mcgrath", "Zoë Ångström")
WORKER = "Dave Okafor"
NAME_PARTS = ("margaret", "thornbury", "ellen", "mcgrath", "zoe", "angstrom", "dave", "okafor")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@pytest.fixture
def named(run: Run, initialised: Path, write_jsonl: Any) -> int:
    """Cases whose notes name the people and worker recorded; returns how many name words the notes hold."""
    notes = {
        "closure_note": "Margaret said Dave took her card; MARGARET agreed.",  # 3
        "outcome": "I want Ellen McGrath to visit me",  # 2: a name recorded in lower case
        "feedback": "Zoe and Angstrom thanked okafor; Mr Davenport stays",  # 3: accents left off
        "meeting": "Met zoë at Thornbury house",  # 2
        "progress": "ellen says it is better",  # 1
    }
    first = {**every_field_case(), "closure_note": notes["closure_note"], "worker": WORKER}
    first["person"]["name"] = NAMED_PEOPLE[0]
    first["desired_outcomes"][0]["text"] = notes["outcome"]
    first["desired_outcomes"][0]["progress"][0]["person_says"] = notes["progress"]
    first["feedback"][0]["note"] = notes["feedback"]
    first["meetings"][0]["summary"] = notes["meeting"]
    second = minimal_case("C-2", "P-2")
    second["person"]["name"] = NAMED_PEOPLE[1]
    third = minimal_case("C-3", "P-3")
    third["person"]["name"] = NAMED_PEOPLE[2]
    assert run("import", str(write_jsonl([first, second, third]))).exit_code == 0
    return 11


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_notes_replaces_every_recorded_name_and_says_how_many(
    run: Run, named: int, tmp_path: Path, fmt: str
) -> None:
    out = _out(tmp_path, fmt)
    said = _export(run, out, fmt, "--with-notes")
    text = _all_text(out)
    folded = _fold(text)
    for part in NAME_PARTS:
        assert not re.search(rf"\b{part}\b", folded), part
    assert "[name] said [name] took her card; [name] agreed." in text
    assert "Mr Davenport stays" in text  # whole words only
    in_about = 0 if fmt == "jsonl" else _about(out).count("[name]")
    assert text.count("[name]") - in_about == named
    assert f"{named} names or parts of names recorded in msp were replaced by [name]" in " ".join(said.split())
    if fmt != "jsonl":
        assert f"Names: {named} names or parts of names recorded in this database were replaced" in _about(out)


def test_the_scrubber_matches_whole_words_in_any_case_and_accent() -> None:
    scrub = NameScrubber(["Zoë O'Brien-Ångström", "jo"])
    assert scrub("ZOE and zoë met o'brien, Angstrom and JO; Joan stayed.") == (
        "[name] and [name] met o'[name], [name] and [name]; Joan stayed."
    )
    assert scrub.replaced == 5
    assert scrub("Zoe\u0308 came") == "[name] came"  # a decomposed accent too


# --- the small-groups check --------------------------------------------------------------------------


def _person(n: int, ethnicity: str, support: str) -> dict[str, Any]:
    person = {"age_band": "65-74", "sex": "Female", "ethnicity": ethnicity, "primary_support_reason": support}
    return minimal_case(f"C-{n}", f"P-{n}", person={"ref": f"P-{n}", **person}, team="North")


ASIAN, BLACK = "Asian / Asian British", "Black / African / Caribbean / Black British"
GROUP_SIZES = (  # ethnicity, primary support reason, people
    ("White", "Physical Support", 8),
    (ASIAN, "Physical Support", 3),
    (BLACK, "Physical Support", 3),
    ("White", "Mental Health Support", 2),
    ("White", "Learning Disability Support", 3),
)
SMALL = [
    f"65-74 | Female | {ASIAN} | Physical Support | North",
    f"65-74 | Female | {BLACK} | Physical Support | North",
    "65-74 | Female | White | Learning Disability Support | North",
    "65-74 | Female | White | Mental Health Support | North",
]


@pytest.fixture
def grouped(run: Run, initialised: Path, write_jsonl: Any) -> None:
    cases, n = [], 0
    for ethnicity, support, people in GROUP_SIZES:
        for _ in range(people):
            n += 1
            cases.append(_person(n, ethnicity, support))
    extra = minimal_case("C-again", "P-1", team="North")  # P-1 again: one person, counted once
    assert run("import", str(write_jsonl([*cases, extra]))).exit_code == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_small_groups_are_named_before_writing(run: Run, grouped: None, tmp_path: Path, fmt: str) -> None:
    out = _out(tmp_path, fmt)
    said = " ".join(_export(run, out, fmt).split())
    assert (
        "Small groups: 4 combinations of age band, sex, ethnicity, primary support reason and team have fewer" in said
    )
    for combination in SMALL:
        assert combination in said
    assert "White | Physical Support" not in said  # 8 people
    assert said.index("Small groups") < said.index("Exported")
    if fmt != "jsonl":
        about = _about(out)
        assert all(combination in about for combination in SMALL)


@pytest.mark.parametrize("fmt", FORMATS)
def test_coarsen_merges_the_smallest_categories_until_none_is_under_5(
    run: Run, grouped: None, tmp_path: Path, fmt: str
) -> None:
    out = _out(tmp_path, fmt)
    said = " ".join(_export(run, out, fmt, "--coarsen").split())
    assert "Small groups: none" in said
    assert f"Ethnicity: {ASIAN} or {BLACK} merged." in said
    assert "Primary support reason: Learning Disability Support or Mental Health Support merged." in said
    if fmt == "jsonl":
        people = [json.loads(line)["person"] for line in out.read_text(encoding="utf-8").splitlines()]
        teams = ["North"] * len(people)
    else:
        cases = _tables(out)["cases"]
        people = [{"ref": r["person_ref"], **{k: r[k] for k in small_groups.PERSON_KEYS}} for r in cases]
        teams = [r["team"] for r in cases]
        assert "Small groups: none" in _about(out)
    assert {p["ethnicity"] for p in people} == {"White", f"{ASIAN} or {BLACK}"}
    assert {p["primary_support_reason"] for p in people} == {
        "Physical Support",
        "Learning Disability Support or Mental Health Support",
    }
    combinations = defaultdict(set)
    for person, team in zip(people, teams, strict=True):
        combinations[(*(person[k] for k in small_groups.PERSON_KEYS), team)].add(person["ref"])
    assert sorted(len(refs) for refs in combinations.values()) == [5, 6, 8]


def test_small_groups_count_people_once_across_merged_teams() -> None:
    rows_in = [
        (1, "65-74", "Male", "White", "Physical Support", "North"),
        (1, "65-74", "Male", "White", "Physical Support", "South"),  # one person in two teams
        *((i, "65-74", "Male", "White", "Physical Support", "North") for i in range(2, 6)),
        *((i, "65-74", "Male", "White", "Physical Support", "South") for i in range(6, 9)),
    ]
    found = small_groups.profiles(rows_in)
    assert small_groups.small(found) == [("65-74", "Male", "White", "Physical Support", "South")]  # 4 people
    merges, remaining = small_groups.coarsen(found)
    assert remaining == [] and merges.groups[4] == {"North": "North or South", "South": "North or South"}
    assert merges.counts(found) == {("65-74", "Male", "White", "Physical Support", "North or South"): 8}
    tiny = small_groups.profiles([(1, None, None, None, None, None), (2, None, None, None, None, "East")])
    merges, remaining = small_groups.coarsen(tiny)
    assert len(remaining) == 1  # two people can never make a group of 5: said, not hidden


def test_coarsen_is_only_for_pseudonymised_exports(run: Run, grouped: None, tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "x.jsonl"), "--identifiable", "--reason", "r", "--yes", "--coarsen")
    assert result.exit_code == 2 and "--coarsen is for pseudonymised exports" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_merges_apply_to_the_labels_written() -> None:
    merges = small_groups.Merges()
    merges.merge(2, ASIAN, small_groups.NOT_RECORDED)
    merges.groups[4]["South"] = small_groups.MERGED
    record: dict[str, Any] = {"person": {"ethnicity": None, "sex": "Male"}, "team": "South"}
    merges.apply(record)
    assert record == {"person": {"ethnicity": f"{ASIAN} or Not recorded", "sex": "Male"}, "team": "Other (merged)"}
    merges.merge(2, BLACK, f"{ASIAN} or Not recorded")  # a third label: the group is Other (merged)
    assert {merges.label(2, label) for label in (ASIAN, BLACK, None)} == {small_groups.MERGED}
    assert merges.describe()[0] == f"Ethnicity: Other (merged) holds {ASIAN}, {BLACK}, Not recorded."
    kept: dict[str, Any] = {"person": {"ethnicity": "White"}, "team": "North"}
    merges.apply(kept)
    assert kept == {"person": {"ethnicity": "White"}, "team": "North"}


def test_age_bands_merge_with_their_neighbours_into_ranges() -> None:
    def people(age: str, n: int, start: int) -> list[tuple[Any, ...]]:
        return [(start + i, age, "Female", "White", "Physical Support", "North") for i in range(n)]

    found = small_groups.profiles([*people("65-74", 9, 0), *people("85-94", 3, 100), *people("95+", 1, 200)])
    assert small_groups.small(found) == [
        ("85-94", "Female", "White", "Physical Support", "North"),
        ("95+", "Female", "White", "Physical Support", "North"),
    ]
    merges, remaining = small_groups.coarsen(found)
    assert remaining == []
    assert merges.describe() == ["Age band: 65+ holds 65-74, 75-84, 85-94, 95+."]
    assert merges.counts(found) == {("65+", "Female", "White", "Physical Support", "North"): 13}
    merges = small_groups.Merges()
    merges.merge(0, "95+", "85-94")
    assert merges.label(0, "95+") == "85+" and merges.label(0, "85-94") == "85+"
    merges.merge(0, "85+", "Not Known")
    assert merges.label(0, "Not Known") == merges.label(0, "95+") == "85+ or Not Known"
    unknown = small_groups.profiles(
        [*people("18-64", 7, 0), *people("95+", 2, 100), *people("Not Known", 1, 200), *people("85-94", 3, 300)]
    )
    merges, remaining = small_groups.coarsen(unknown)  # Not Known joins 95+ (3), then 85-94: 6 people
    assert remaining == [] and merges.describe() == ["Age band: 85+ or Not Known holds 85-94, 95+, Not Known."]
