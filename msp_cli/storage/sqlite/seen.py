"""The case_refs met so far in one import, with the line each was first on: on disk, not in memory.

A file of a million cases would need a hundred megabytes or more as a Python dict. Kept in a
private temporary SQLite database instead (deleted when closed), memory stays at its small
page cache however long the file; the lookup is one indexed statement a case, whatever backend
the cases go to.
"""

from __future__ import annotations

import sqlite3


class SeenRefs:
    """Each reference with the line (or row) it was first on; `first_on` says if one comes again."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect("", isolation_level=None)  # "": a private temporary file, gone on close
        self.conn.execute("PRAGMA journal_mode = OFF")  # nothing here outlives the import
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("CREATE TABLE seen (ref TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self.conn.execute("BEGIN")  # one transaction, never committed: no journal work a reference
        self.count = 0

    def first_on(self, ref: str, line: int) -> int | None:
        """None if REF is new (it is kept, with LINE); else the line it was first on."""
        added = self.conn.execute("INSERT INTO seen VALUES (?, ?) ON CONFLICT (ref) DO NOTHING", (ref, line))
        if added.rowcount == 1:
            self.count += 1
            return None
        return int(self.conn.execute("SELECT line FROM seen WHERE ref = ?", (ref,)).fetchone()[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SeenRefs:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
