"""A psycopg 3 connection that speaks the part of sqlite3 the shared SQL modules use.

The case store, reports, worklist and audit trail are written once, in standard SQL with
sqlite3's `?` and `:name` parameters. `ServerConnection` translates each statement once
(cached): parameters to psycopg's `%s` / `%(name)s`, SQLite's date arithmetic (date(x, '-N days'),
julianday(b) - julianday(a), strftime) to PostgreSQL's, and `INSERT` into a table with an id gets
`RETURNING id` for `lastrowid`.
Dates come back as ISO text, as SQLite keeps them, so records compare equal on both backends.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.string import TextLoader

# tables whose rows are numbered by an identity column `id` (the rest have composite keys)
TABLES_WITH_ID = frozenset(
    {
        "person", "safeguarding_case", "desired_outcome", "outcome_review_session", "desired_outcome_wording",
        "meeting", "feedback", "closure",
    }
)  # fmt: skip

_DATE_SHIFT = re.compile(r"date\(([\w.]+), '-(\d+) days'\)")  # SQLite: date(x, '-N days')
_DAYS_BETWEEN = re.compile(r"julianday\(([\w.]+)\) - julianday\(([\w.]+)\)")  # SQLite: days from one date to another
_DATE_PART = re.compile(r"strftime\('(%Y|%m-%d)', ([\w.?]+)\)")  # SQLite: strftime('%Y', x)
_PG_FORMAT = {"%Y": "YYYY", "%m-%d": "MM-DD"}
_INSERT_INTO = re.compile(r"\s*INSERT INTO (\w+) \(([^)]*)\)", re.IGNORECASE)
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \([?, ]+\)")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLITE_SQL in PostgreSQL: parameters, date arithmetic; quoted text is left as it is."""
    sql = _DATE_SHIFT.sub(r"(\1 - \2)", sql)
    sql = _DAYS_BETWEEN.sub(r"(CAST(\1 AS DATE) - CAST(\2 AS DATE))", sql)
    sql = _DATE_PART.sub(lambda m: f"to_char(CAST({m.group(2)} AS DATE), '{_PG_FORMAT[m.group(1)]}')", sql)
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":  # a literal or a quoted name: copied whole ('' and "" double the quote)
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        elif ch == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and sql[i - 1 : i] != ":":
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            out.append(f"%({sql[i + 1 : end]})s")
            i = end
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def _returns_id(sql: str) -> bool:
    """Whether SQL inserts one row into a table with an identity id that the statement leaves to the server."""
    match = _INSERT_INTO.match(sql)
    if match is None or match.group(1) not in TABLES_WITH_ID or "RETURNING" in sql.upper():
        return False
    return "id" not in [name.strip() for name in match.group(2).split(",")]


class ServerCursor:
    """The results of one statement, with sqlite3's `lastrowid`."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)


class StreamedRows:
    """A server-side cursor's rows, fetched STREAM_ROWS at a time; closed on the server once read."""

    def __init__(self, cursor: psycopg.ServerCursor[Any]) -> None:
        self._cursor = cursor
        self.description = cursor.description

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._cursor
        finally:  # read to the end, or left part way (a failed export): the session's end closes it then
            with contextlib.suppress(psycopg.Error):
                self._cursor.close()


STREAM_ROWS = 2000  # rows a fetch: few round trips, little memory
_STREAMS = itertools.count(1)


class ServerConnection:
    """A psycopg connection in autocommit mode; transactions are begun and ended explicitly, as with sqlite3."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self.masked: tuple[str, ...] = ()  # person columns this login may not read (an auditor's)
        # COPY is many times quicker than INSERTs for many rows, but the server refuses it to a
        # login under row-level security: only the owner's connection (import, copy, demo) uses it
        self.copy_rows = False
        raw.adapters.register_loader("date", TextLoader)  # ISO text, as SQLite keeps dates

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def _text(self, sql: str) -> str:
        text = translate(sql)
        for column in self.masked:  # read as empty, the way a case leaves them out (case_store._person_select)
            text = text.replace(f"p.{column} AS person__{column}", f"NULL AS person__{column}")
        return text

    def stream(self, sql: str, params: Sequence[Any] = ()) -> StreamedRows:
        """SQL's rows a batch at a time, through a cursor on the server: a plain cursor brings the whole
        result (every case, for an export) into memory at once. Other statements may run between rows.
        WITH HOLD, so it needs no transaction open (the server keeps the result until it is closed)."""
        cursor = self.raw.cursor(name=f"msp_stream_{next(_STREAMS)}", withhold=True)
        cursor.itersize = STREAM_ROWS
        cursor.execute(self._text(sql), params)
        return StreamedRows(cursor)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> ServerCursor:
        text = self._text(sql)
        # named parameters are the worklist's `(:worker IS NULL OR c.worker = :worker)`, whose type the
        # server cannot infer from `IS NULL`: those statements have their values bound here instead
        cursor = psycopg.ClientCursor(self.raw) if isinstance(params, Mapping) else self.raw.cursor()
        if _returns_id(sql):
            cursor.execute(text + " RETURNING id", params)
            row = cursor.fetchone()
            return ServerCursor(cursor, int(row[0]) if row else None)
        cursor.execute(text, params)  # always parsed, so %% is %
        return ServerCursor(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        plain = _PLAIN_INSERT.fullmatch(sql.strip()) if self.copy_rows else None
        if batch and plain is not None:
            with (
                self.raw.cursor() as cursor,
                cursor.copy(f"COPY {plain.group(1)} ({plain.group(2)}) FROM STDIN") as copy,
            ):
                for row in batch:
                    copy.write_row(row)
        elif batch:
            with self.raw.cursor() as cursor:
                cursor.executemany(translate(sql), batch)

    def close(self) -> None:
        self.raw.close()
