"""Hostile input: random and malformed objects, odd option strings. Never a traceback, never a
changed database on refusal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run
from tests.helpers import full_case

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
