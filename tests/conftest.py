"""Every test runs against a temporary database: MSP_DB and the per-user folders point into
tmp_path, so no test can touch a real user's data."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from msp_cli.cli import app
from tests.helpers import full_case


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "data"))
    monkeypatch.setenv("MSP_DB", str(tmp_path / "msp.db"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("MSP_WORKER", raising=False)
    monkeypatch.delenv("MSP_DEBUG", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "msp.db"


Run = Callable[..., Any]


@pytest.fixture
def run() -> Run:
    """Run msp in-process, as `msp ARGS...`; returns the CliRunner result."""
    runner = CliRunner()

    def _run(*args: str, input: str | bytes | None = None) -> Any:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return _run


@pytest.fixture
def initialised(run: Run, db_path: Path) -> Path:
    result = run("init", "--worker", "Test Worker", "--team", "North")
    assert result.exit_code == 0, result.output
    return db_path


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def _write(records: list[Any], name: str = "cases.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        return path

    return _write


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


__all__ = ["full_case", "rows"]
