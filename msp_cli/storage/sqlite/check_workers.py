"""The long parts of `msp check`, shared by processes so it uses every core.

The audit chain's hashes and seals are checked as one piece of work; the people shared by
cases (the replay's second pass) in a few ranges of person ids; the cases (its first pass)
in ranges of case references (RANGE_SIZE cases each, through the case_ref index). Worker
processes, started by spawning (as on Windows, where nothing is forked), each open the file
read-only on their own connection and take the next piece as they finish one (so a slower
process takes fewer); the results come back in order and are merged as if one walk had
made them. Each process holds one range's rows at a time, so memory does not grow with
the file. This process meanwhile checks the rest, with SQLite's integrity check in a thread.

A small database is checked in this process: starting processes costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from msp_cli.errors import MspError
from msp_cli.storage.sqlite import replay

RANGE_SIZE = 20_000  # cases a range: a process's unit of work, small enough to share out evenly
IN_PROCESS_BELOW = 15_000  # cases: fewer are checked in this process (about where two processes start to pay)
PROCESSES = 2

PEOPLE_RANGES = 4  # the second pass (people shared by cases) in this many ranges of person ids

T = TypeVar("T")
Range = tuple[str | None, str | None]  # low <= case_ref < high; None: no bound
IdRange = tuple[int | None, int | None]  # low <= person id < high; None: no bound


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


def person_ranges(conn: sqlite3.Connection, count: int = PEOPLE_RANGES) -> list[IdRange]:
    """COUNT consecutive ranges of the cases' person ids, of even width, covering every id."""
    low, high = conn.execute("SELECT min(person_id), max(person_id) FROM safeguarding_case").fetchone()
    if low is None:
        return [(None, None)]
    step = max(1, (int(high) - int(low)) // count + 1)
    edges: list[int | None] = [None, *range(int(low) + step, int(high) + 1, step), None]
    return list(zip(edges, edges[1:], strict=False))


class CheckWork:
    """The long parts under way: in worker processes for a large database, else here when asked for."""

    def __init__(self, conn: sqlite3.Connection, path: Path, passphrase: str | None, *, processes: int) -> None:
        self.conn = conn
        self.pool: ProcessPoolExecutor | None = None
        self.chain: Iterator[list[str] | BaseException] | None = None
        self.people: Iterator[list[replay.PersonFinding] | BaseException] | None = None
        self.results: Iterator[replay.Part | BaseException] | None = None
        if processes > 1:
            work = ranges(conn)
            self.pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_remember,
                initargs=(str(path), passphrase),
            )
            # all sent now, the longest single pieces first; results come back in order
            self.chain = self.pool.map(_chain, [None])
            self.people = self.pool.map(_people, person_ranges(conn))
            self.results = self.pool.map(_walk, work)

    def chain_problems(self) -> list[str] | None:
        """What is wrong with the audit chain; None: to be found in this process."""
        return None if self.chain is None else next(_raised(self.chain))

    def parts(self) -> Iterator[replay.Part] | None:
        """Each case range's findings, in range order; None: to be found in this process."""
        return None if self.results is None else _raised(self.results)

    def shared_people(self) -> Iterator[list[replay.PersonFinding]] | None:
        """Each person range's findings, in range order; None: to be found in this process."""
        return None if self.people is None else _raised(self.people)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


def _raised(results: Iterator[T | BaseException]) -> Iterator[T]:
    try:
        for result in results:
            if isinstance(result, BaseException):
                raise result  # the worker's own error (the file is damaged), as this process would meet it
            yield result
    except BrokenProcessPool:
        raise MspError(
            "A process of msp check stopped before it finished (was the machine short of memory?);"
            " nothing was changed. Run msp check again."
        ) from None


def start(conn: sqlite3.Connection, path: Path, passphrase: str | None, *, processes: int | None = None) -> CheckWork:
    """Start the long parts; PROCESSES (by default PROCESSES, or 1 for a small database) do them."""
    if processes is None:
        small = conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0] < IN_PROCESS_BELOW
        processes = 1 if small else min(PROCESSES, os.cpu_count() or 1)
    return CheckWork(conn, path, passphrase, processes=processes)


# --- in a worker process ---------------------------------------------------------------------

_file: tuple[str, str | None] = ("", None)  # the database and its passphrase, given when the worker starts
_conn: Any = None  # this worker's own read-only connection, opened for its first range


def _remember(path: str, passphrase: str | None) -> None:
    global _file
    _file = (path, passphrase)


def _walk(work: Range) -> replay.Part | BaseException:
    """One range's first pass; an error reading the file is sent back to be raised there."""
    return _in_worker(lambda conn: replay.check_range(conn, *work))


def _chain(_: None) -> list[str] | BaseException:
    """The audit chain's check; an error reading the file is sent back to be raised there."""
    from msp_cli.storage.sqlite.safety import chain_problems

    return _in_worker(chain_problems)


def _people(work: IdRange) -> list[replay.PersonFinding] | BaseException:
    """One range's second pass; an error reading the file is sent back to be raised there."""
    return _in_worker(lambda conn: replay.shared_people(conn, *work))


def _in_worker(job: Callable[[sqlite3.Connection], T]) -> T | BaseException:
    from msp_cli.storage.sqlite.store import database_errors, open_store

    global _conn
    readable: tuple[type[Exception], ...] = (UnicodeDecodeError, *database_errors())
    try:
        if _conn is None:
            _conn = open_store(Path(_file[0]), passphrase=_file[1], readonly=True).conn
        return job(_conn)
    except MspError as exc:
        return sqlite3.DatabaseError(exc.message)  # reported as the file being damaged, as the integrity check does
    except readable as exc:
        return exc
