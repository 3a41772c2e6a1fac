"""A private temporary SQLite database for one command's working set (seen references, a sort).

`sqlite3.connect("")` makes a file only this connection knows, removed when it closes (and
its name removed at once, so a killed process leaves nothing behind). No journal and no
syncing: nothing in it outlives the command. One transaction, never committed.
"""

from __future__ import annotations

import sqlite3
from typing import TypeVar

ScratchT = TypeVar("ScratchT", bound="ScratchDatabase")


class ScratchDatabase:
    """Holds the connection; a context manager that closes (and so deletes) it."""

    def __init__(self, table_sql: str, *, cache_kb: int | None = None) -> None:
        self.conn = sqlite3.connect("", isolation_level=None)
        pragmas = ["journal_mode = OFF", "synchronous = OFF"]
        if cache_kb is not None:
            pragmas.append(f"cache_size = -{cache_kb}")
        for pragma in pragmas:
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute(table_sql)
        self.conn.execute("BEGIN")  # no journal work a row

    def close(self) -> None:
        self.conn.close()

    def __enter__(self: ScratchT) -> ScratchT:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
