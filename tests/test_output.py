"""Output as people see it: 80 columns and files, plain --help, closed pipes, shell completion."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run

# Runs many commands in one process at one width (rich reads COLUMNS once, when its console is made),
# with stdout going to a file-like object, as when redirected; prints {command: output} as JSON.
DRIVER = """
import json, sys
from typer.testing import CliRunner
from msp_cli.cli import app
runner = CliRunner()
out = {}
for args in json.loads(sys.argv[1]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.output)
    out[" ".join(args)] = result.stdout
print(json.dumps(out))
"""
BORDERS = set(
    "#\u2588\u2500\u2501\u2502\u2503\u250c\u2510\u2514\u2518\u251c\u2524\u252c\u2534\u253c\u250f\u2513\u2517\u251b\u2521\u2529\u2547\u2533\u253b\u254b"
)


def outputs(commands: list[list[str]], columns: int) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(commands)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, str] = json.loads(done.stdout)
    return result


def words(text: str) -> set[str]:
    """The words of TEXT, leaving out table borders and bars; a trailing ':' is a stacked layout's."""
    return {w.strip("".join(BORDERS)).rstrip(":") for w in text.split() if not set(w) <= BORDERS} - {""}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from msp_cli.cli import app

    path = tmp_path_factory.mktemp("out") / "demo.db"
    assert CliRunner().invoke(app, ["--db", str(path), "demo", "--cases", "400", "--seed", "11"]).exit_code == 0
    return path


def test_no_report_or_case_view_breaks_a_word_at_80_columns(demo_db: Path) -> None:
    import sqlite3

    from msp_cli.storage.sqlite.report_queries import DIMENSIONS

    conn = sqlite3.connect(demo_db)
    picks = [
        # a closed enquiry with the most desired outcomes, one with a negotiated outcome, an open one, no enquiry
        "SELECT c.case_ref FROM safeguarding_case c JOIN desired_outcome d ON d.case_id = c.id"
        " GROUP BY c.id ORDER BY count(*) DESC, c.case_ref LIMIT 1",
        "SELECT c.case_ref FROM safeguarding_case c JOIN desired_outcome d ON d.case_id = c.id"
        " WHERE d.negotiated_text IS NOT NULL ORDER BY c.case_ref LIMIT 1",
        "SELECT c.case_ref FROM safeguarding_case c WHERE NOT EXISTS (SELECT 1 FROM closure cl"
        " WHERE cl.case_id = c.id) AND c.enquiry_type = 'Section 42' ORDER BY c.case_ref LIMIT 1",
        "SELECT case_ref FROM safeguarding_case WHERE enquiry_type = 'None' ORDER BY case_ref LIMIT 1",
    ]
    refs = [conn.execute(sql).fetchone()[0] for sql in picks]
    conn.close()
    db = ["--db", str(demo_db)]
    commands = [[*db, "case", "show", ref] for ref in refs]
    commands += [[*db, "case", "list", "--limit", "60"], [*db, "audit"], [*db, "history", "--limit", "30"]]
    commands += [[*db, "report", name] for name in ("outcomes", "sac", "desired", "capacity", "time", "feedback")]
    commands += [[*db, "report", "breakdown", "--by", by] for by in DIMENSIONS]
    commands += [[*db, "report", "sac", "--publish"], ["labels"]]
    narrow, wide = outputs(commands, 80), outputs(commands, 1000)
    for command, text in narrow.items():
        too_long = [line for line in text.splitlines() if len(line) > 80]
        assert too_long == [], command
        broken = words(text) - words(wide[command])
        assert broken == set(), f"{command}: {sorted(broken)[:10]}"
        assert len(words(text)) > 5, command  # the comparison saw the output


def test_help_is_in_plain_words() -> None:
    from typer.main import get_command

    from msp_cli.cli import app

    def every(command: object, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += every(sub, [*path, name])
        return found

    commands = every(get_command(app), [])
    assert len(commands) > 25
    from typer.testing import CliRunner

    for path in commands:
        text = CliRunner().invoke(app, [*path, "--help"]).output
        assert re.search(r"<\w+(\[\w+\])?>", text) is None, (path, text)


def _msp() -> str:
    found = shutil.which("msp", path=str(Path(sys.executable).parent)) or shutil.which("msp")
    if found is None:
        pytest.skip("the msp console script is not installed")
    return found


def test_a_closed_pipe_ends_quietly(demo_db: Path) -> None:
    # `msp history --json | head -1`: the reader goes away after one line of a long output
    process = subprocess.Popen(
        [_msp(), "--db", str(demo_db), "history", "--json", "--limit", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    error = process.stderr.read().decode()
    code = process.wait(timeout=60)
    assert json.loads(first)["id"] >= 1
    assert code in (0, 141, -13), code  # -13: ended by SIGPIPE, as `head` leaves it
    assert error == ""


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_installs_and_completes(tmp_path: Path) -> None:
    msp = _msp()
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "SHELL": "/bin/bash",
        "PATH": f"{Path(msp).parent}:{os.environ['PATH']}",
        # name the shell instead of detecting it from the parent process (a detached run has none)
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    installed = subprocess.run([msp, "--install-completion", "bash"], env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "msp.sh"
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    completed = subprocess.run(
        [
            "bash",
            "-c",
            f"source '{script}'; COMP_WORDS=(msp case re); COMP_CWORD=2; _msp_completion msp;"
            ' printf "%s\\n" "${COMPREPLY[@]}"',
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.stdout.split() == ["resume", "review", "reopen"], completed.stderr


def test_labels_complete_their_list_names(tmp_path: Path) -> None:
    env = {**os.environ, "_MSP_COMPLETE": "complete_bash", "COMP_WORDS": "msp labels risk", "COMP_CWORD": "2"}
    done = subprocess.run([_msp()], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["risk-type", "risk-assessment-outcome", "risk-outcome"]


def test_run_fixture_still_works(run: Run) -> None:
    assert run("labels", "sex").stdout.split("\n")[:3] == ["Male", "Female", "Not Known"]
