"""Schema migrations: small named functions, never edited once released.

The first applies sql/0001_schema.sql, frozen as released; schema.sql at the top of the
project is the readable current schema, and a test checks that the migrations build exactly
it. Each migration also sets PRAGMA user_version to its number,
inside its own transaction, so the version on disk always names the schema on disk.
Imported only when a database is new or behind: sqlite_utils costs start-up time.
"""

from __future__ import annotations

import sqlite3
from importlib import resources

from sqlite_utils import Database, Migrations

MIGRATION_SET = "msp"
migrations = Migrations(MIGRATION_SET)


def frozen_sql(name: str) -> str:
    """A migration's SQL, shipped inside the package (sql/NAME)."""
    return resources.files("msp_cli.storage.sqlite").joinpath("sql").joinpath(name).read_text(encoding="utf-8")


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
    for statement in split_statements(frozen_sql("0001_schema.sql")):
        db.conn.execute(statement)
    db.conn.execute("PRAGMA user_version = 1")


@migrations(name="0002_interchange_v2")
def m0002_interchange_v2(db: Database) -> None:
    """Version 2 of the interchange format: date of birth; when an outcome was first recorded."""
    db.conn.execute("ALTER TABLE person ADD COLUMN date_of_birth TEXT CHECK (date(date_of_birth) = date_of_birth)")
    db.conn.execute("ALTER TABLE desired_outcome ADD COLUMN added TEXT CHECK (date(added) = added)")
    db.conn.execute("PRAGMA user_version = 2")


@migrations(name="0003_issue19_source")
def m0003_issue19_source(db: Database) -> None:
    """Where a case imported from a council's extract came from: the file's name and the date."""
    db.conn.execute(
        "CREATE TABLE case_source ("
        " case_id INTEGER PRIMARY KEY REFERENCES safeguarding_case (id) ON DELETE CASCADE,"
        " file_name TEXT NOT NULL CHECK (length(file_name) > 0),"
        " imported_on TEXT NOT NULL CHECK (date(imported_on) = imported_on))"
    )
    db.conn.execute("CREATE INDEX case_source_file_name ON case_source (file_name)")
    db.conn.execute("PRAGMA user_version = 3")


@migrations(name="0004_issue15_audit")
def m0004_issue15_audit(db: Database) -> None:
    for statement in split_statements(frozen_sql("0004_issue15_audit.sql")):
        db.conn.execute(statement)
    db.conn.execute("PRAGMA user_version = 4")


@migrations(name="0005_issue17_indexes")
def m0005_issue17_indexes(db: Database) -> None:
    """The indexes the reports and the worklist read by: current closures by date and by case (with the
    date, so a re-referral is found in the index alone), and each case's first review of its outcomes."""
    db.conn.execute("CREATE INDEX closure_current_concluded ON closure (concluded, case_id) WHERE reopened_on IS NULL")
    db.conn.execute(
        "CREATE INDEX closure_current_case_concluded ON closure (case_id, concluded) WHERE reopened_on IS NULL"
    )
    db.conn.execute("DROP INDEX outcome_review_session_case")  # the new index serves its lookups too
    db.conn.execute(
        "CREATE INDEX outcome_review_session_case_reviewed ON outcome_review_session (case_id, reviewed_on)"
    )
    db.conn.execute("PRAGMA user_version = 5")


def apply(conn: sqlite3.Connection) -> None:
    migrations.apply(Database(conn, recursive_triggers=False, execute_plugins=False))
