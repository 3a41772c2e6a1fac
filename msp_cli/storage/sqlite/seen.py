"""The case_refs met so far in one import, with the line each was first on: on disk, not in memory.

A file of a million cases would need a hundred megabytes or more as a Python dict. Kept in a
private temporary SQLite database instead (deleted when closed), memory stays at its small
page cache and a fixed 2 MB filter however long the file. References go in by batches (one
executemany each); the filter, a Bloom filter, says for nearly every new reference that it
cannot have been met, so only a possible repeat costs a query.
"""

from __future__ import annotations

from msp_cli.storage.sqlite.scratch import ScratchDatabase

FILTER_BITS = 1 << 24  # 2 MB: at 1,000,000 references about 1 in 200 new ones needs a query
BATCH = 1000  # references written together


class SeenRefs(ScratchDatabase):
    """Each reference with the line (or row) it was first on; `first_on` says if one comes again."""

    def __init__(self) -> None:
        super().__init__("CREATE TABLE seen (ref TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self.count = 0
        self.bits = bytearray(FILTER_BITS // 8)
        self.mask = FILTER_BITS - 1
        self.pending: dict[str, int] = {}  # met since the last batch was written

    def first_on(self, ref: str, line: int) -> int | None:
        """None if REF is new (it is kept, with LINE); else the line it was first on."""
        h = hash(ref)  # three bit positions from one hash; str hashes are stable within a process
        mask = self.mask
        a, b, c = h & mask, (h >> 24) & mask, (h >> 40) & mask
        bits = self.bits
        # all three bits set: met before, or (rarely) a false alarm, so look
        if (bits[a >> 3] >> (a & 7)) & (bits[b >> 3] >> (b & 7)) & (bits[c >> 3] >> (c & 7)) & 1:
            if ref in self.pending:
                return self.pending[ref]
            row = self.conn.execute("SELECT line FROM seen WHERE ref = ?", (ref,)).fetchone()
            if row is not None:
                return int(row[0])
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        bits[c >> 3] |= 1 << (c & 7)
        self.pending[ref] = line
        self.count += 1
        if len(self.pending) >= BATCH:
            self._write()
        return None

    def _write(self) -> None:
        self.conn.executemany("INSERT INTO seen VALUES (?, ?)", self.pending.items())
        self.pending = {}
