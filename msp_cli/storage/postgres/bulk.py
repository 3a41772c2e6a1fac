"""New cases on the server: the SQLite bulk writer with ids from the tables' identity sequences.

Its own module so that opening a server for a report does not import the writer.
"""

from __future__ import annotations

import contextlib

from msp_cli.storage.sqlite.bulk import BulkWriter


class SequencedBulkWriter(BulkWriter):
    """New cases with ids drawn from the tables' identity sequences, a block at a time."""

    def _first_ids(self) -> dict[str, int]:
        # no first ids, so never "into an empty database": the server's indexes are never set aside
        self.reserved: dict[str, list[int]] = {}
        return {}

    def _schema_checks_off(self, many: bool) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the server checks every row as ever

    def _id(self, table: str) -> int:
        free = self.reserved.setdefault(table, [])
        if not free:
            rows = self.conn.execute(
                "SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)",
                (table, max(self.batch, 16)),
            ).fetchall()
            free.extend(int(r[0]) for r in reversed(rows))
        return free.pop()
