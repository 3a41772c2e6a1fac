"""Texts kept on disk and read back in the order of their keys: a pseudonymised export's sort.

A pseudonymised export lists cases in the order of their pseudonyms, which is a random order
of the database's: reading cases in it jumps about the file, and at 1,000,000 cases most reads
miss SQLite's page cache. So cases are read in the order they are stored (one pass over each
table), shaped, and put here; SQLite gives them back sorted, its sort spilling to temporary
files rather than memory. The spool is a private temporary SQLite database, deleted when
closed; SQLite removes its files as it opens them, so a killed export leaves no name behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Iterator

from msp_cli.storage.sqlite.scratch import ScratchDatabase

BATCH = 500  # texts written together
CACHE_KB = 8192  # the spool's page cache, and what its sort holds in memory before it spills


class SortedSpool(ScratchDatabase):
    """Texts added with (key, number) in any order; `in_order()` gives them by key, then number."""

    def __init__(self) -> None:
        table = "CREATE TABLE spool (key TEXT NOT NULL, number INTEGER NOT NULL, text TEXT NOT NULL)"
        super().__init__(table, cache_kb=CACHE_KB)
        self.pending: list[tuple[str, int, str]] = []

    def add(self, key: str, number: int, text: str) -> None:
        self.pending.append((key, number, text))
        if len(self.pending) >= BATCH:
            self._write()

    def in_order(self) -> Iterator[str]:
        self._write()
        with _disk_full_as_oserror():
            for (text,) in self.conn.execute("SELECT text FROM spool ORDER BY key, number"):
                yield text

    def _write(self) -> None:
        with _disk_full_as_oserror():
            self.conn.executemany("INSERT INTO spool VALUES (?, ?, ?)", self.pending)
        self.pending = []


@contextlib.contextmanager
def _disk_full_as_oserror() -> Iterator[None]:
    """A full temporary folder is a full disk, which the export reports as it does its own file's."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "full" not in str(exc):
            raise
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from None
