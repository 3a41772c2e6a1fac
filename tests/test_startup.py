"""Start-up: `msp --version` and `msp --help` must not import the heavy modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("questionary", "prompt_toolkit", "sqlite_utils", "openpyxl", "xlsxwriter", "sqlcipher3", "rich.markdown")


def imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "msp_cli", *args], capture_output=True, text=True, check=True
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_no_heavy_imports_at_start_up(args: list[str]) -> None:
    modules = imported(*args)
    assert "msp_cli" in modules  # the measurement works
    loaded = sorted(m for m in modules if m in HEAVY)
    assert loaded == [], f"msp {' '.join(args)} imported {loaded}"


def test_version_does_not_even_import_typer() -> None:
    assert "typer" not in imported("--version")
