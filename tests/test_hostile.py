"""Hostile input: random and malformed objects, odd option strings. Never a traceback, never a
changed database on refusal."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run, rows
from tests.helpers import full_case

ROOT = str(Path(__file__).resolve().parent.parent)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FIELDS = list(full_case())
odd_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "'; DROP TABLE safeguarding_case; --",
            '" OR 1=1 --',
            "Robert'); DELETE FROM audit_log;--",
            "\x00\x07\x1b[2J",
            "é" * 5000,
            "\udcff\udcfe",
            '=HYPERLINK("http://x")',
            "../../etc/passwd",
            "%s%s%n",
            "C-2024-0001\n",
        ]
    ),
)


def mutated_case() -> st.SearchStrategy[dict[str, Any]]:
    """A valid case with one field replaced by something random."""
    return st.builds(lambda key, value: {**full_case(), key: value}, st.sampled_from(FIELDS), json_values)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2, 65, 74), result.output


@SETTINGS
@given(objs=st.lists(json_values | mutated_case(), min_size=1, max_size=3))
def test_import_of_random_objects(run: Run, initialised: Path, tmp_path: Path, objs: list[Any]) -> None:
    path = tmp_path / "random.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    before = digest(initialised)
    result = run("import", str(path), "--update")
    _no_traceback(result)
    if result.exit_code != 0:
        assert digest(initialised) == before


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_import_of_random_bytes(run: Run, initialised: Path, tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(raw)
    before = digest(initialised)
    result = run("import", str(path))
    _no_traceback(result)
    if result.exit_code != 0:
        assert digest(initialised) == before


@SETTINGS
@given(obj=json_values | mutated_case())
def test_answers_of_random_objects(run: Run, initialised: Path, tmp_path: Path, obj: Any) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    for args in (["case", "new", "--answers", str(path)], ["meeting", "add", "C-NONE", "--answers", str(path)]):
        before = digest(initialised)
        result = run(*args)
        _no_traceback(result)
        if result.exit_code != 0:
            assert digest(initialised) == before


@SETTINGS
@given(value=odd_text)
def test_odd_option_strings(run: Run, initialised: Path, value: str) -> None:
    before = digest(initialised)
    for args in (
        ["case", "show", value],
        ["history", value],
        ["case", "list", "--worker", value, "--team", value],
        ["report", "breakdown", "--by", value],
        ["report", "outcomes", "--year", value],
        ["report", "sac", "--team", value, "--json"],
        ["case", "close", value, "--concluded", value],
        ["feedback", "add", value, "--date", value],
        ["case", "reopen", value, "--reason", value],
    ):
        result = run(*args)
        _no_traceback(result)
    assert digest(initialised) == before


@pytest.mark.parametrize("bad", ["\udcff", "caf\udce9"])
def test_non_utf8_arguments(run: Run, initialised: Path, bad: str) -> None:
    """Bytes that are not UTF-8 arrive in argv as lone surrogates on POSIX."""
    for args in (["case", "show", bad], ["import", bad], ["--db", bad, "check"]):
        _no_traceback(run(*args))


# --- issue 15: the smaller holes, each tried as an attacker or a clumsy user would ----------------


def _one_line(result: Any, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    return str(lines[0])


@pytest.mark.parametrize(
    "value",
    ["\t=cmd|' /C calc'!A0", "\r=1+1", "  =1+1", "\n@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "\u200b=1+1",
     "\ufeff+1", "\u00a0-1"],
)  # fmt: skip
def test_formula_guard_catches_every_look_alike(value: str) -> None:
    from msp_cli.export import safe_cell

    assert safe_cell(value) == "'" + value
    assert safe_cell("North team") == "North team" and safe_cell(5) == 5


def test_csv_export_guards_the_team_and_names(run: Run, initialised: Path, tmp_path: Path, write_jsonl: Any) -> None:
    case = full_case(team='＝HYPERLINK("http://x")', person={**full_case()["person"], "name": "\u200b=1+1"})
    assert run("import", str(write_jsonl([case]))).exit_code == 0
    out = tmp_path / "csv"
    assert run("export", str(out), "--identifiable", "--reason", "audit", "--yes").exit_code == 0
    text = (out / "cases.csv").read_text(encoding="utf-8-sig")
    assert "'＝HYPERLINK" in text and "'\u200b=1+1" in text


@pytest.mark.parametrize("bad", ["\x1b[2J", "Ann\x9b31m", "Ann\u202eevil"])
def test_escape_sequences_are_refused_in_names(run: Run, initialised: Path, tmp_path: Path, bad: str) -> None:
    for field, value in (("worker", bad), ("team", bad), ("person", {**full_case()["person"], "name": bad})):
        answers = tmp_path / "case.json"
        answers.write_text(json.dumps(full_case(**{field: value})), encoding="utf-8")
        line = _one_line(run("case", "new", "--answers", str(answers)), 65)
        assert "control characters" in line and bad not in line


def test_history_never_replays_escape_sequences(run: Run, initialised: Path, write_jsonl: Any) -> None:
    evil = "Evil\x1b]0;owned\x07\x1b[2J\x9b31m"
    assert run("--worker", evil, "import", str(write_jsonl([full_case()]))).exit_code == 0
    out = run("history").output
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "Evil\\x1b]0;owned" in out


def test_messages_name_the_field_and_rule_never_the_value(run: Run, initialised: Path, tmp_path: Path) -> None:
    personal = "Jane Doe, DOB 01/02/1950, NHS 485 777 3456"
    case = full_case(person={**full_case()["person"], "sex": personal})
    answers = tmp_path / "case.json"
    answers.write_text(json.dumps(case), encoding="utf-8")
    line = _one_line(run("case", "new", "--answers", str(answers)), 65)
    assert "person.sex" in line and "is not a SAC sex label" in line
    assert "Jane" not in line and "485" not in line
    born = full_case(person={**full_case()["person"], "date_of_birth": "1950-02-30"})
    answers.write_text(json.dumps(born), encoding="utf-8")
    line = _one_line(run("case", "new", "--answers", str(answers)), 65)
    assert "person.date_of_birth" in line and "is not a real date" in line and "1950" not in line
    typo = full_case(person={**full_case()["person"], "sex": "Femal"})
    answers.write_text(json.dumps(typo), encoding="utf-8")
    assert "did you mean 'Female'?" in run("case", "new", "--answers", str(answers)).output


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"case_ref": "C-1", "case_ref": "C-2", "person": {"ref": "P-1"}}', "twice"),
        ('{"case_ref": "C-1", "person": {"ref": "P-1"}, "meetings": [{"minutes_spent": ' + "9" * 5000 + "}]}",
         "more than 18 digits"),
        ('{"case_ref": "C-1", "person": {"ref": "P-1"}, "meetings": [{"minutes_spent": NaN}]}', "NaN"),
    ],
)  # fmt: skip
def test_strict_json_in_import_and_answers(
    run: Run, initialised: Path, tmp_path: Path, line: str, expected: str
) -> None:
    before = digest(initialised)
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 65 and expected in result.output and "Traceback" not in result.output
    assert len(result.output) < 400
    assert expected in _one_line(run("case", "new", "--answers", str(path)), 2)
    assert digest(initialised) == before


def test_long_lists_give_a_short_message(run: Run, initialised: Path, tmp_path: Path) -> None:
    case = full_case(risk_types=["Neglect and Acts of Omission"] * 20_000)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(case) + "\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 65 and "at most 100" in result.output and len(result.output) < 1000


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="POSIX device")
def test_import_of_dev_zero_stops_with_one_line(run: Run, initialised: Path) -> None:
    line = _one_line(run("import", "/dev/zero"), 65)
    assert "longer than 1,000,000 bytes" in line
    assert "longer than" in _one_line(run("case", "new", "--answers", "/dev/zero"), 2)


def test_references_are_normalised(run: Run, initialised: Path, write_jsonl: Any) -> None:
    from tests.helpers import minimal_case

    cases = [minimal_case("C-1", "P-1"), minimal_case("C-2", "P-1\u200b"), minimal_case("C-3\u202e", "Pe\u0301-1")]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    assert rows(initialised, "SELECT ref FROM person ORDER BY id") == [("P-1",), ("P\u00e9-1",)]
    assert rows(initialised, "SELECT case_ref FROM safeguarding_case ORDER BY id") == [("C-1",), ("C-2",), ("C-3",)]


def test_one_line_for_awkward_targets_and_periods(run: Run, initialised: Path, tmp_path: Path) -> None:
    dangling = tmp_path / "gone.jsonl"
    dangling.symlink_to(tmp_path / "nowhere" / "x.jsonl")
    assert "already exists" in _one_line(run("export", str(dangling)), 1)
    assert "is a folder" in _one_line(run("backup", str(tmp_path), "--force"), 1)
    assert "between 1900 and 2998" in _one_line(run("report", "outcomes", "--quarter", "9999-00Q3"), 2)
    assert "between 1900 and 2998" in _one_line(run("export", str(tmp_path / "q.jsonl"), "--quarter", "9999-00Q3"), 2)


@pytest.mark.skipif(sys.platform == "win32", reason="a closed pipe is a POSIX signal")
def test_a_closed_pipe_ends_quietly(run: Run, initialised: Path, write_jsonl: Any) -> None:
    from tests.helpers import minimal_case

    assert run("import", str(write_jsonl([minimal_case(f"C-{i}", f"P-{i}") for i in range(400)]))).exit_code == 0
    shell = f"{sys.executable} -m msp_cli history --limit 5000 --json | head -1 > /dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.stdout.strip() in ("0", "141") and done.stderr == ""


def test_two_imports_racing_on_an_empty_database(run: Run, initialised: Path, write_jsonl: Any) -> None:
    from tests.helpers import minimal_case

    source = write_jsonl([minimal_case(f"C-{i}", f"P-{i}") for i in range(1500)])
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "msp_cli", "import", str(source)],
            env={**os.environ, "PYTHONPATH": ROOT},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(child.wait(timeout=120), child.communicate()[1]) for child in children]
    assert sorted(code for code, _ in results) == [0, 65], results
    assert all("IntegrityError" not in err and "Traceback" not in err for _, err in results)
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(1500,)]
