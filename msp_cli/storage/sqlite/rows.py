"""Rows as dicts, for every driver (sqlite3 and sqlcipher3 alike)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def dict_rows(cursor: Any) -> Iterator[dict[str, Any]]:
    """A cursor's rows as dicts (works for sqlite3 and sqlcipher3 alike, unlike sqlite3.Row)."""
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))
