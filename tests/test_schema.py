"""schema.sql is the readable current schema: the migrations must build exactly it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from msp_cli.storage.sqlite.store import SCHEMA_VERSION, open_store

SCHEMA_SQL = Path(__file__).resolve().parent.parent / "schema.sql"


def _objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """Each table, index and trigger by (type, name), its SQL without comments or white space."""
    found = {}
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"):
        if "_sqlite_migrations" in name:  # sqlite-utils' own record of what ran
            continue
        found[(kind, name)] = re.sub(r"\s+", "", re.sub(r"--[^\n]*", "", sql))
    return found


def test_migrations_build_exactly_schema_sql(tmp_path: Path) -> None:
    store = open_store(tmp_path / "migrated.db", create=True)
    migrated = _objects(store.conn)
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    store.close()
    plain = sqlite3.connect(":memory:")
    plain.executescript(SCHEMA_SQL.read_text(encoding="utf-8"))
    assert version == SCHEMA_VERSION
    assert migrated == _objects(plain)
