"""Schema migrations on the server, tracked in msp_schema_version (one row a migration).

The first builds schema version 2 at once (what the SQLite file's first two migrations build),
then the roles, grants and row-level security of security.sql. A later migration is a new
entry in MIGRATIONS with the number the SQLite migration of the same change has.
Migrations run in one transaction under an advisory lock, so two `init`s cannot interleave.
"""

from __future__ import annotations

from msp_cli.storage.postgres.connection import ServerConnection

MIGRATION_LOCK = 0x6D7370  # "msp": the advisory lock key of migrations

VERSION_TABLE = """CREATE TABLE IF NOT EXISTS msp_schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""

# (version, name, SQL files in order)
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (2, "0002_schema", ("0001_schema.sql", "security.sql")),
    (3, "0003_issue19_source", ("0003_case_source.sql",)),
    (4, "0004_audit_mac", ("0004_audit_mac.sql",)),
    (5, "0005_issue17_indexes", ("0005_issue17_indexes.sql",)),
    (6, "0006_issue13_rls", ("0006_rls.sql",)),
)
LATEST = MIGRATIONS[-1][0]


def sql_file(name: str) -> str:
    from importlib import resources  # only when a migration runs

    return resources.files("msp_cli.storage.postgres").joinpath("sql").joinpath(name).read_text(encoding="utf-8")


def version(conn: ServerConnection) -> int | None:
    """The schema version of the database, or None if it holds no msp schema."""
    exists = conn.execute("SELECT to_regclass('msp_schema_version') IS NOT NULL").fetchone()[0]
    return versioned(conn) if exists else None


def versioned(conn: ServerConnection) -> int:
    """The schema version of a database known to have the version table."""
    row = conn.execute("SELECT max(version) FROM msp_schema_version").fetchone()
    return int(row[0] or 0)


def apply(conn: ServerConnection) -> list[str]:
    """Apply the migrations not yet applied; the names of those applied."""
    applied: list[str] = []
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        conn.execute(VERSION_TABLE)
        done = {int(v) for (v,) in conn.execute("SELECT version FROM msp_schema_version")}
        for number, name, files in MIGRATIONS:
            if number in done:
                continue
            for file in files:
                conn.raw.execute(sql_file(file))  # a script: no parameters, run as written
            conn.execute("INSERT INTO msp_schema_version (version, name) VALUES (?, ?)", (number, name))
            applied.append(name)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return applied
