"""Start-up: `msp --version`, `msp --help` and the commands that open the database import only what they use.

Each process is run with `python -X importtime`, which names every module it imported; no clock is read,
so a busy machine cannot make these pass or fail.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from msp_cli.commands import COMMANDS
from tests.conftest import Run
from tests.helpers import full_case

# not needed to start, or to open the database and show what is in it
HEAVY = (
    "pydantic",
    "questionary",
    "prompt_toolkit",
    "sqlite_utils",
    "openpyxl",
    "xlsxwriter",
    "sqlcipher3",
    "psycopg",
    "hypothesis",
    "rich.markdown",
)


def imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "msp_cli", *args], capture_output=True, text=True, check=True
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def heavy(modules: set[str]) -> list[str]:
    """The HEAVY packages among MODULES (a package counts when any of its modules was imported)."""
    return sorted(m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY)


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_no_heavy_imports_at_start_up(args: list[str]) -> None:
    modules = imported(*args)
    assert "msp_cli" in modules  # the measurement works
    loaded = heavy(modules)
    assert loaded == [], f"msp {' '.join(args)} imported {loaded}"


def test_version_does_not_even_import_typer() -> None:
    assert "typer" not in imported("--version")


def test_help_imports_no_command_and_no_rich() -> None:
    modules = imported("--help")
    assert "msp_cli.cli" in modules
    assert sorted(m for m in modules if m.startswith("msp_cli.commands.")) == []
    assert sorted(m for m in modules if m.split(".")[0] in ("rich", "msp_cli.storage", "sqlite3")) == []


@pytest.fixture
def one_case(run: Run, initialised: Path, write_jsonl: Callable[..., Path]) -> str:
    """A database (MSP_DB, which the subprocesses inherit) holding one case; its reference."""
    result = run("import", str(write_jsonl([full_case()])))
    assert result.exit_code == 0, result.output
    return str(full_case()["case_ref"])


# command -> the command modules it may import (its own, and no other command's)
OPENS_THE_DATABASE: list[tuple[list[str], set[str]]] = [
    (["history", "{case}"], {"admin"}),
    (["history", "--json"], {"admin"}),
    (["case", "show", "{case}"], {"case", "correct", "progress"}),
    (["case", "show", "{case}", "--json"], {"case", "correct", "progress"}),
    (["case", "list"], {"case", "correct", "progress"}),
    (["case", "list", "--json"], {"case", "correct", "progress"}),
    (["report", "outcomes", "--json"], {"report", "report_sac", "report_board"}),
]


@pytest.mark.parametrize(("args", "own"), OPENS_THE_DATABASE, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_a_command_that_opens_the_database_imports_only_what_it_uses(
    one_case: str, args: list[str], own: set[str]
) -> None:
    modules = imported(*(a.format(case=one_case) for a in args))
    assert "msp_cli.storage.sqlite.store" in modules and "sqlite3" in modules  # it did open the database
    assert heavy(modules) == []
    commands = {m.removeprefix("msp_cli.commands.") for m in modules if m.startswith("msp_cli.commands.")}
    assert commands == own
    if "--json" in args:  # plain output: no rich at all
        assert sorted(m for m in modules if m.split(".")[0] == "rich") == []
    if args[0] != "report":  # the report, safety and worklist queries are imported only by what uses them
        assert {"msp_cli.storage.sqlite.report_queries", "msp_cli.storage.sqlite.safety"} & modules == set()
    if args[:2] == ["case", "show"] or args[0] == "history":  # showing a case checks nothing: no validation rules
        assert "msp_cli.model" not in modules


def test_help_lists_every_command_in_order_with_its_own_help() -> None:
    shown = subprocess.run([sys.executable, "-m", "msp_cli", "--help"], capture_output=True, text=True, check=True)
    listed = shown.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == list(COMMANDS)
    for line in listed:  # the first sentence, cut to the width where long
        name, text = line.split(maxsplit=1)
        assert COMMANDS[name][1].startswith(text.removesuffix("...")), name


def test_the_one_line_helps_kept_for_msp_help_are_the_commands_own() -> None:
    """COMMANDS' modules define exactly its commands, and its one-line help is each command's, at every width."""
    from typer.core import TyperCommand

    from msp_cli.cli import app
    from msp_cli.command_loader import build, registered

    defined: set[str] = set()
    for modules in dict.fromkeys(modules for modules, _help in COMMANDS.values()):
        holder = registered(modules)
        defined |= {str(info.name) for info in [*holder.registered_commands, *holder.registered_groups]}
    assert defined == set(COMMANDS)
    for name, (modules, first_sentence) in COMMANDS.items():
        real = build(registered(modules), app, name)
        assert real is not None and real.name == name
        kept = TyperCommand(name, help=first_sentence)
        for limit in range(10, 160):
            assert kept.get_short_help_str(limit) == real.get_short_help_str(limit), (name, limit)


def test_a_mistyped_command_is_still_answered_with_the_nearest(run: Run) -> None:
    result = run("histroy")
    assert result.exit_code == 2
    assert "No such command 'histroy'. Did you mean 'history'?" in result.output


# --- option values read without pydantic ------------------------------------------------------------------


def _typer_reads(annotation: Any, info: Any, value: Any) -> tuple[str, Any]:
    """What typer's own (pydantic) adapter makes of VALUE: ("value", v) or ("error", message)."""
    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param, resolve_type_descriptor

    runtime = build_runtime_param(resolve_type_descriptor(annotation, info))
    try:
        return "value", runtime._coerce_value(value, param=None, ctx=None)  # type: ignore[arg-type]
    except BadParameter as exc:
        return "error", exc.message


TEXTS = ["", "abc", " spaced ", "Ünïcode · —", "[b]x[/b]", "C-2024-0001", "\udcff", "a\udc80b"]
NUMBERS = ["0", "1", "5", "6", "50", "007", "+5", "-1", " 5", "5 ", "1_000", "5.0", "abc", "", "9" * 25, "٣"]
RANGES = [(None, None), (1, None), (0, None), (1, 5), (1, 100_000)]


def test_option_values_are_read_as_typer_reads_them() -> None:
    from typer.models import OptionInfo

    from msp_cli.typer_fixes import plain_value

    plain_taken = 0
    cases: list[tuple[Any, Any, Any]] = [(str, OptionInfo(), text) for text in TEXTS]
    cases += [(int, OptionInfo(min=lo, max=hi), n) for lo, hi in RANGES for n in [*NUMBERS, 0, 3, 50, True]]
    cases += [(list[str], OptionInfo(), texts) for texts in ([], ["a", "b"], ("x",), ["ok", "\udcff"])]
    for annotation, info, value in cases:
        plain = plain_value(annotation, info, value)
        if plain is not _not_plain():
            kind, expected = _typer_reads(annotation, info, value)
            assert (kind, expected, type(expected)) == ("value", plain, type(plain)), (annotation, value)
            plain_taken += 1
    assert plain_taken >= 40  # the plain way is the common way
    assert plain_value(int, OptionInfo(min=1), "50") == 50
    assert plain_value(str, OptionInfo(), "abc") == "abc"


def _not_plain() -> Any:
    from msp_cli.typer_fixes import _NOT_PLAIN

    return _NOT_PLAIN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "--limit", "0"], "Invalid value for '--limit': Input should be greater than or equal to 1"),
        (
            ["case", "list", "--limit", "x"],
            "Invalid value for '--limit': Input should be a valid integer, unable to parse string as an integer",
        ),
        (["case", "list", "--limit", "100001"], "Invalid value for '--limit': Input should be less than or equal to"),
        (["feedback", "add", "C-1", "--listened", "9"], "Invalid value for '--listened': Input should be less than"),
    ],
)
def test_a_value_typer_refuses_is_refused_in_typer_words(run: Run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_page_number_reaches_the_command(run: Run, initialised: Path, write_jsonl: Callable[..., Path]) -> None:
    cases = [full_case(case_ref=f"C-2024-{i:04d}") for i in range(1, 4)]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    second = run("case", "list", "--json", "--limit", "2", "--page", "2")
    assert second.exit_code == 0, second.output
    assert [line.count("case_ref") for line in second.stdout.splitlines()] == [1]


def test_recorded_text_with_emoji_codes_is_shown_as_typed(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "team :cry: file.db"
    result = run("--db", str(path), "where")
    assert result.exit_code == 0
    assert f"{path}\n" in result.stdout  # rich would have drawn :cry: as a face
