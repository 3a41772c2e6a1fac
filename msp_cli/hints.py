"""Commands named in messages, written so that they work when pasted.

A hint that says `msp case resume C-1` is wrong for someone who gave `--db team.db`: the
pasted command would open another file. Every hint is built here, from the global
options of the command that is running: `--db` and `--worker` are repeated when they were
given (a passphrase never is: it only ever comes from the environment or a prompt).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DISTRIBUTION = "msp-safeguarding"  # the name on the package index; the command is `msp`


def quote(word: str) -> str:
    """WORD as the shell the user types in reads it back (cmd.exe and PowerShell take double quotes)."""
    if sys.platform == "win32":
        return f'"{word}"' if any(c in word for c in " &()[]{}^=;!'+,`~\"") else word
    return shlex.quote(word)


def global_options() -> list[str]:
    """The global options of the running command that a pasted command needs to find the same data."""
    from msp_cli.context import current_state

    state = current_state.get()
    words: list[str] = []
    if state is not None and state.db_option:
        words += ["--db", quote(state.db_option)]
    if state is not None and state.worker_option:
        words += ["--worker", quote(state.worker_option)]
    return words


def command(*words: str) -> str:
    """`msp`, the global options in force, then WORDS (each already written as typed, e.g. quoted)."""
    return " ".join(["msp", *global_options(), *words])


def next_steps(record: Mapping[str, Any], draft_step: int | None = None) -> str:
    """What can be done next with a case, as commands for where it is now."""
    ref = quote(record["case_ref"])
    if draft_step is not None:
        return f"Continue it with: {command('case resume', ref)}"
    if record.get("concluded"):
        return f"It is closed. When the person gives feedback: {command('feedback add', ref)}"
    steps = []
    if record.get("desired_outcomes"):
        steps.append(command("case review", ref))
    steps += [command("meeting add", ref), command("case close", ref)]
    return "Next: " + " · ".join(steps)


def install_command(package: str) -> str:
    """The pip command that adds PACKAGE, in the range msp needs, to the Python msp runs in (pip or pipx alike)."""
    return f"{quote(sys.executable)} -m pip install {quote(_requirement(package))}"


def _requirement(package: str) -> str:
    """PACKAGE with its version range from msp's own metadata (pyproject.toml is the one home of it)."""
    import re
    from importlib import metadata

    try:
        required = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # run from a source folder without installing
        required = []
    for line in required:
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        if name.lower() == package.lower():
            return line.split(";")[0].strip()
    return package


def no_case_hint() -> str:
    return f"See the cases with: {command('case list')}"


GLOBAL_OPTIONS = ("--db", "--worker")


def given_words() -> list[str] | None:
    """The words of the running command line, after `msp`, as the root command received them."""
    from msp_cli.context import current_state

    state = current_state.get()
    return list(state.argv) if state is not None and state.argv is not None else None


def globals_first(words: list[str], names: tuple[str, ...]) -> list[str]:
    """WORDS with every option in NAMES (and its value) moved in front of the command."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            rest += words[i:]
            break
        name = word.split("=", 1)[0]
        if name in names and "=" in word:
            front += [name, word.split("=", 1)[1]]
        elif name in names and i + 1 < len(words):
            front += [word, words[i + 1]]
            i += 1
        else:
            rest.append(word)
        i += 1
    return front + rest


def corrected_line(option: str) -> str | None:
    """The running command line with the misplaced global OPTION (and --db, which no command takes) first."""
    words = given_words()
    if words is None:
        return None
    names = tuple(dict.fromkeys((option, "--db")))
    return " ".join(["msp", *(quote(w) for w in globals_first(words, names))])


def same_command_on(path: str) -> str | None:
    """The running command line, on the database at PATH instead."""
    words = given_words()
    if words is None:
        return None
    moved = globals_first(words, ("--db",))
    if moved[:1] == ["--db"]:
        moved = moved[2:]
    return " ".join(["msp", "--db", quote(path), *(quote(w) for w in moved)])


def missing_database_hint(path: Path) -> str:
    """How to go on when PATH is not there: make it, or (after `msp demo`) use the demonstration file."""
    from msp_cli.location import demo_file

    demo = demo_file()
    make = command("init") if given_words() is not None else f"msp --db {quote(str(path))} init"
    if demo.exists() and demo != path:
        again = same_command_on(str(demo))
        if again is not None:
            return (
                f"Create it with: {make}   or use the demonstration database: {again}"
                f"   (or make it the default: msp use {quote(str(demo))})"
            )
    return f"Create it with: {make}   (or try msp out with: msp demo)"


def next_page(page: int) -> str:
    """The running command line asking for PAGE (as `msp case list --page N`)."""
    words = given_words() or ["case", "list"]
    kept = [
        w
        for i, w in enumerate(words)
        if not (w == "--page" or w.startswith("--page=") or words[i - 1 : i] == ["--page"])
    ]
    return " ".join(["msp", *(quote(w) for w in globals_first(kept, GLOBAL_OPTIONS)), "--page", str(page)])
