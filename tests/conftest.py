"""Every test runs against a temporary database: MSP_DB and the per-user folders point into
tmp_path, so no test can touch a real user's data."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from msp_cli.cli import app
from msp_cli.command_loader import registered
from msp_cli.commands import COMMANDS
from tests.helpers import full_case

# msp imports a command's module when the command is first used; tests import them all now, so
# that none is first imported while a test has patched what it imports (ui.interactive), and
# keeps the patched function after the test
for _modules, _help in COMMANDS.values():
    registered(_modules)


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


# --- both backends: SQLite files and a real PostgreSQL server --------------------------------

PG_ENV = "MSP_TEST_PG"  # a superuser's URL of a throwaway server (.ci/pg-server prints one)


def pg_url_for(admin_url: str, dbname: str, user: str | None = None) -> str:
    """ADMIN_URL pointed at database DBNAME (and, if given, connecting as USER)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    login = user or parts.username
    return urlunsplit(parts._replace(path="/" + dbname, netloc=f"{login}@{host}" if login else host))


def pg_admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_template() -> Any:
    """A database set up once with `msp init --team North`; each test gets a copy of it."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set: .ci/run starts a PostgreSQL server and sets it")
        pytest.skip(f"no PostgreSQL server ({PG_ENV} not set; start one with .ci/pg-server start)")
    name = f"msp_tpl_{uuid.uuid4().hex[:10]}"
    pg_admin(url, f'CREATE DATABASE "{name}"')
    result = CliRunner().invoke(
        app, ["--db", pg_url_for(url, name), "init", "--team", "North"], env={"MSP_WORKER": None, "MSP_DB": None}
    )
    assert result.exit_code == 0, result.output
    yield url, name
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: Any) -> Any:
    """A fresh msp database on the server (a copy of the template), as its superuser owner."""
    admin_url, template = pg_template
    name = f"msp_t_{uuid.uuid4().hex[:12]}"
    pg_admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield pg_url_for(admin_url, name)
    pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Backend:
    """An initialised msp database of one kind, which MSP_DB points at."""

    kind: str  # "sqlite" or "postgres"
    db: str  # the file path or the server URL
    worker: str  # who the audit trail records for changes made in the tests

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of SQL as the owner sees them; dates as ISO text on both backends."""
        if self.kind == "sqlite":
            return rows(Path(self.db), sql, params)
        import psycopg
        from psycopg.types.string import TextLoader

        with psycopg.connect(self.db, autocommit=True) as conn:
            conn.adapters.register_loader("date", TextLoader)
            return conn.execute(sql.replace("?", "%s"), params).fetchall()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, run: Run, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Backend:
    """msp initialised (worker Test Worker, team North) on a SQLite file, then on a PostgreSQL server."""
    if request.param == "sqlite":
        result = run("init", "--worker", "Test Worker", "--team", "North")
        assert result.exit_code == 0, result.output
        return Backend("sqlite", str(db_path), "Test Worker")
    url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("MSP_DB", url)
    return Backend("postgres", url, "postgres")
