"""Rows as dicts, for every driver (sqlite3 and sqlcipher3 alike)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def streamed(conn: Any, sql: str, params: Sequence[Any] = ()) -> Any:
    """SQL's rows read as they are used, on any backend: SQLite's cursor reads lazily already; a
    server's connection streams through a cursor of its own (ServerConnection.stream)."""
    stream = getattr(conn, "stream", None)
    return conn.execute(sql, params) if stream is None else stream(sql, params)


def dict_rows(cursor: Any) -> Iterator[dict[str, Any]]:
    """A cursor's rows as dicts (works for sqlite3 and sqlcipher3 alike, unlike sqlite3.Row)."""
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))
