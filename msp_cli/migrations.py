"""Schema migrations: small named functions, never edited once released.

The first applies schema.sql. Each migration also sets PRAGMA user_version to its number,
inside its own transaction, so the version on disk always names the schema on disk.
Imported only when a database is new or behind: sqlite_utils costs start-up time.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from sqlite_utils import Database, Migrations

MIGRATION_SET = "msp"
migrations = Migrations(MIGRATION_SET)


def schema_sql() -> str:
    """schema.sql: inside the installed package, or at the top of a source checkout."""
    packaged = resources.files("msp_cli").joinpath("schema.sql")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8")


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (triggers hold semicolons, so ask SQLite where each ends).

    executescript() would commit the migration's transaction part-way; one execute() a
    statement keeps the whole migration atomic.
    """
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        if not current and (not line.strip() or line.lstrip().startswith("--")):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError("schema.sql ends part-way through a statement")
    return statements


@migrations(name="0001_schema")
def m0001_schema(db: Database) -> None:
    for statement in split_statements(schema_sql()):
        db.conn.execute(statement)
    db.conn.execute("PRAGMA user_version = 1")


@migrations(name="0002_issue19_source")
def m0002_issue19_source(db: Database) -> None:
    # the same table as in schema.sql, which a database made since already has from 0001
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS case_source ("
        " case_id INTEGER PRIMARY KEY REFERENCES safeguarding_case (id) ON DELETE CASCADE,"
        " file_name TEXT NOT NULL CHECK (length(file_name) > 0),"
        " imported_on TEXT NOT NULL CHECK (date(imported_on) = imported_on))"
    )
    db.conn.execute("CREATE INDEX IF NOT EXISTS case_source_file_name ON case_source (file_name)")
    db.conn.execute("PRAGMA user_version = 2")


def apply(conn: sqlite3.Connection) -> None:
    migrations.apply(Database(conn, recursive_triggers=False, execute_plugins=False))
