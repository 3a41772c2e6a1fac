"""schema.sql is the readable current schema: the migrations must build exactly it."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from msp_cli.storage.sqlite.store import SCHEMA_VERSION, open_store

SCHEMA_SQL = Path(__file__).resolve().parent.parent / "schema.sql"


def _parts(sql: str) -> Counter[str]:
    """A CREATE statement's top-level items (columns and constraints), without comments or spaces.

    ALTER TABLE ADD COLUMN puts the new column after the table's constraints, where a
    CREATE TABLE may not: so the items are compared as a multiset, and column order apart.
    """
    flat = re.sub(r"\s+", "", re.sub(r"--[^\n]*", "", sql))
    head, _, body = flat.partition("(")
    items, depth, current = [head], 0, ""
    for char in body[:-1]:
        if char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return Counter([*items, current])


def _schema(conn: sqlite3.Connection) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"):
        if "_sqlite_migrations" in name:  # sqlite-utils' own record of what ran
            continue
        found[(kind, name)] = _parts(sql)
        if kind == "table":
            found[("columns", name)] = conn.execute(f"PRAGMA table_info({name})").fetchall()
    return found


def test_migrations_build_exactly_schema_sql(tmp_path: Path) -> None:
    store = open_store(tmp_path / "migrated.db", create=True)
    migrated = _schema(store.conn)
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    store.close()
    plain = sqlite3.connect(":memory:")
    plain.executescript(SCHEMA_SQL.read_text(encoding="utf-8"))
    assert version == SCHEMA_VERSION
    assert migrated == _schema(plain)
