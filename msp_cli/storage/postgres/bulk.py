"""New cases on the server: the SQLite bulk writer with ids from the tables' identity sequences.

Its own module so that opening a server for a report does not import the writer.
"""

from __future__ import annotations

import contextlib
from typing import Any

from msp_cli.storage.sqlite.bulk import ID_COLUMNS, BulkWriter, NewCases, Row, insert_sql, table_columns


class SequencedBulkWriter(BulkWriter):
    """New cases with ids drawn from the tables' identity sequences, a block at a time.

    Another login may draw from a sequence at the same moment, so a batch's ids are not one run
    of numbers: each row's ids are looked up in the ids drawn for its batch, here, not in the SQL;
    and a case's person by the id given it here (a login may not see a person with no case yet).
    """

    def _first_ids(self) -> dict[str, int]:
        # no first ids, so never "into an empty database": the server's indexes are never set aside
        self.reserved: dict[str, list[int]] = {}
        return {}

    def _schema_checks_off(self, many: bool) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the server checks every row as ever

    def _drawn(self, table: str, count: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", (table, count)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _id(self, table: str) -> int:
        free = self.reserved.setdefault(table, [])
        if not free:
            free.extend(reversed(self._drawn(table, max(self.batch, 16))))
        return free.pop()

    def _first_of_batch(self, batch: NewCases) -> dict[str, Any]:
        return {table: self._drawn(table, count) if count else [] for table, count in batch.used.items()}

    def _insert(self, table: str, rows: list[Row], first: dict[str, Any]) -> None:
        ids = {**ID_COLUMNS[table], "person_id": "person"}
        drawn = [first[ids[name]] if name in ids else None for name in table_columns()[table]]
        placed = [
            tuple(v if of is None or v is None else of[v] for v, of in zip(row, drawn, strict=True)) for row in rows
        ]
        self.conn.executemany(insert_sql(table), placed)
