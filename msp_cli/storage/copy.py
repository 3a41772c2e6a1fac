"""`msp copy`: a whole msp database from a SQLite file to a server, or back, with everything.

People, cases and every part of them, drafts, earlier closures, settings (the pseudonym key
too) and the audit trail are copied row by row with their ids, so the audit entries keep
their numbers and hashes and the chain verifies at the destination; then the copy adds its
own entry. One transaction at the destination: a copy is whole or not there at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from msp_cli.errors import MspError
from msp_cli.storage.interface import Storage

# parents before children, so every foreign key holds as rows arrive
TABLES = (
    "settings", "person", "safeguarding_case", "case_source", "case_risk_type", "case_response", "desired_outcome",
    "outcome_review_session", "outcome_review", "desired_outcome_wording", "meeting", "meeting_attendee",
    "feedback", "closure", "closure_outcome", "audit_log",
)  # fmt: skip
WITHOUT_ID = {"settings": "key", "case_source": "case_id",
              "case_risk_type": "rowid", "case_response": "rowid", "meeting_attendee": "rowid",
              "outcome_review": "review_id, outcome_id", "closure_outcome": "closure_id, outcome_id"}  # fmt: skip
BATCH = 5000


@dataclass(frozen=True)
class Copied:
    rows: dict[str, int]
    audit_entries: int


def _rows(store: Storage, table: str) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """TABLE's rows in batches, in the order they were written, without a server's own `rowid` column."""
    conn: Any = store.conn  # type: ignore[attr-defined]
    order = WITHOUT_ID.get(table, "id")
    cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608 (fixed names)
    names = [d[0] for d in cursor.description]
    keep = [i for i, name in enumerate(names) if name != "rowid"]
    columns = [names[i] for i in keep]
    batch: list[tuple[Any, ...]] = []
    for row in cursor:
        batch.append(tuple(row[i] for i in keep))
        if len(batch) >= BATCH:
            yield columns, batch
            batch = []
    if batch:
        yield columns, batch


def _sealed(columns: list[str], batch: list[tuple[Any, ...]], key: Any) -> list[tuple[Any, ...]]:
    """Audit entries written on a server carry no keyed seal (the server keeps them append-only);
    a file seals them with this machine's key as they come in, so its own check can prove them.
    Their hash chain is still verified after the copy, entry by entry."""
    if "mac" not in columns:
        return batch
    at_id, at_hash, at_mac = columns.index("id"), columns.index("hash"), columns.index("mac")
    sealed = []
    for row in batch:
        if row[at_mac] is None:
            row = tuple(key.mac(int(row[at_id]), str(row[at_hash])) if i == at_mac else v for i, v in enumerate(row))
        sealed.append(row)
    return sealed


def copy_database(source: Storage, dest: Storage, *, source_label: str) -> Copied:
    """Copy everything in SOURCE into DEST, which must hold no cases and no audit trail yet."""
    for store in (source, dest):
        if getattr(store, "role", None) is not None:  # a server login sees only part of the database
            raise MspError("msp copy must run as the server database's owner, who sees every team's cases.")
    if dest.count_cases() or dest.count_people():
        raise MspError("The destination already holds cases; msp copy fills only an empty database.")
    dest_conn: Any = dest.conn  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    with dest.write() as audit:
        if dest_conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]:
            raise MspError(
                "The destination already has an audit trail; copy into a new file, or a new empty server database"
                " (msp copy sets it up)."
            )
        dest_conn.execute("DELETE FROM settings")  # the source's settings, the pseudonym key among them, replace these
        for table in TABLES:
            counts[table] = 0
            for columns, batch in _rows(source, table):
                if table == "audit_log" and getattr(audit, "key", None) is not None:
                    batch = _sealed(columns, batch, audit.key)
                marks = ", ".join("?" for _ in columns)
                dest_conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)  # noqa: S608
                counts[table] += len(batch)
        after_copy = getattr(dest, "after_copy", None)  # a server's sequences and statistics
        if after_copy is not None:
            after_copy()
        head = audit.head()  # the copied chain's head: the copy's own entry follows it
        audit.last_id, audit.last_hash = (
            (int(head[0]), str(head[1])) if head and head[0] is not None else (0, audit.last_hash)
        )
        audit.append(
            "database.copy",
            changes={"from": [None, source_label], "cases": [None, counts["safeguarding_case"]],
                     "audit_entries": [None, counts["audit_log"]]},
        )  # fmt: skip
    problems = [p for p in dest.problems() if p.startswith("audit trail")]
    if problems:
        raise MspError(f"The copy's audit trail does not verify: {problems[0]}")
    return Copied(rows=counts, audit_entries=counts["audit_log"])
