"""`msp check`'s first pass over the cases, shared by processes so it uses every core.

The cases are cut into ranges of case references (RANGE_SIZE cases each, through the
case_ref index). Worker processes, started by spawning (as on Windows, where nothing is
forked), each open the file read-only on their own connection and walk one range at a
time, taking the next as they finish (so a slower process takes fewer); the ranges' findings
come back in range order and are merged as if one walk had made them. Each process holds
one range's rows at a time, so memory does not grow with the file.

A small database is walked in this process: starting a process costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from msp_cli.storage.sqlite import replay

RANGE_SIZE = 20_000  # cases a range: a process's unit of work, small enough to share out evenly
IN_PROCESS_BELOW = 40_000  # cases: fewer are walked in this process
PROCESSES = 2

Range = tuple[str | None, str | None]  # low <= case_ref < high; None: no bound


def ranges(conn: sqlite3.Connection, size: int = RANGE_SIZE) -> list[Range]:
    """Consecutive ranges of case references of SIZE stored cases each, covering every reference."""
    bounds: list[str] = []
    row = conn.execute("SELECT case_ref FROM safeguarding_case ORDER BY case_ref LIMIT 1 OFFSET ?", (size,)).fetchone()
    while row is not None:
        bounds.append(str(row[0]))
        row = conn.execute(
            "SELECT case_ref FROM safeguarding_case WHERE case_ref > ? ORDER BY case_ref LIMIT 1 OFFSET ?",
            (bounds[-1], size - 1),
        ).fetchone()
    edges: list[str | None] = [None, *bounds, None]
    return list(zip(edges, edges[1:], strict=False))


class CaseWalk:
    """The first pass under way: in worker processes for a large database, else here when asked for."""

    def __init__(self, conn: sqlite3.Connection, path: Path, passphrase: str | None, *, processes: int) -> None:
        self.conn = conn
        self.pool: ProcessPoolExecutor | None = None
        self.results: Iterator[replay.Part | BaseException] | None = None
        if processes > 1:
            work = ranges(conn)
            self.pool = ProcessPoolExecutor(
                min(processes, len(work)),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_remember,
                initargs=(str(path), passphrase),
            )
            self.results = self.pool.map(_walk, work)  # all sent now; the results come back in order

    def parts(self) -> Iterator[replay.Part]:
        """Each range's findings, in range order."""
        if self.results is None:
            yield replay.check_range(self.conn, None, None)
            return
        for part in self.results:
            if isinstance(part, BaseException):
                raise part  # the worker's own error (the file is damaged), as this process would meet it
            yield part

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def start(conn: sqlite3.Connection, path: Path, passphrase: str | None, *, processes: int | None = None) -> CaseWalk:
    """Start the first pass; PROCESSES (by default PROCESSES, or 1 for a small database) walk it."""
    if processes is None:
        small = conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0] < IN_PROCESS_BELOW
        processes = 1 if small else min(PROCESSES, os.cpu_count() or 1)
    return CaseWalk(conn, path, passphrase, processes=processes)


# --- in a worker process ---------------------------------------------------------------------

_file: tuple[str, str | None] = ("", None)  # the database and its passphrase, given when the worker starts
_conn: Any = None  # this worker's own read-only connection, opened for its first range


def _remember(path: str, passphrase: str | None) -> None:
    global _file
    _file = (path, passphrase)


def _walk(work: Range) -> replay.Part | BaseException:
    """One range's first pass; an error reading the file is sent back to be raised there."""
    from msp_cli.errors import MspError
    from msp_cli.storage.sqlite.store import database_errors, open_store

    global _conn
    readable: tuple[type[Exception], ...] = (UnicodeDecodeError, *database_errors())
    try:
        if _conn is None:
            _conn = open_store(Path(_file[0]), passphrase=_file[1], readonly=True).conn
        return replay.check_range(_conn, *work)
    except MspError as exc:
        return sqlite3.DatabaseError(exc.message)  # reported as the file being damaged, as the integrity check does
    except readable as exc:
        return exc
