"""New cases (import, demo, and each new case saved): ids assigned here, rows sent in batches.

This is the one writer of a new case's rows. Changing a stored case (case_store.save_case)
reads it back to compare; a new case needs none of that. Cases wait until a batch is full;
then the batch's people are looked up in one query, and each table gets one prepared INSERT
with all the batch's rows (executemany). Nothing written is read back, and nothing is kept
from one batch to the next, so memory does not grow with the file. Each case gets its own
audit entry.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, NamedTuple, cast

from msp_cli.record import Case, Person
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import rowmap
from msp_cli.storage.sqlite.audit import AuditWriter
from msp_cli.storage.sqlite.case_store import merge_person, response_stage

Row = tuple[Any, ...]
BATCH = 1000  # cases a batch: large enough that a statement serves many rows, small enough to hold
LOOKUP_CHUNK = 500  # references in one IN (...) list: under every backend's limit on parameters
INDEX_SORT_CACHE = -8192  # KiB of page cache while indexes set aside are built (see _build_indexes)


@cache
def table_columns() -> dict[str, tuple[str, ...]]:
    """Each table's columns as the bulk writer fills them; parents before children, so foreign keys hold."""
    c = rowmap.columns
    case = "safeguarding_case"
    return {
        "person": ("id", *c("person", "person")),
        case: ("id", "person_id", "draft_step", *c("case", case), *c("consent", case), *c("capacity", case),
               *c("advocacy", case)),
        "case_risk_type": ("case_id", "risk_type"),
        "case_response": ("case_id", "stage", "response"),
        "desired_outcome": ("id", "case_id", "position", *c("outcome", "desired_outcome"),
                            *c("negotiated", "desired_outcome")),
        "meeting": ("id", "case_id", "position", *c("meeting", "meeting")),
        "meeting_attendee": ("meeting_id", "attendee"),
        "feedback": ("case_id", "position", *c("feedback", "feedback")),
        "closure": ("id", "case_id", *c("earlier_closure", "closure")),  # the current closure leaves reopened_* NULL
        "closure_outcome": ("closure_id", "outcome_id", "achieved"),
        "outcome_review_session": ("id", "case_id", "worker", *c("review", "outcome_review_session")),
        "outcome_review": ("review_id", "outcome_id", *c("progress", "outcome_review")),
        "desired_outcome_wording": ("outcome_id", "review_id", *c("wording", "desired_outcome_wording")),
        "case_source": ("case_id", "file_name", "imported_on"),
    }  # fmt: skip


@cache
def insert_sql(table: str) -> str:
    names = table_columns()[table]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608 (fixed names)


@contextlib.contextmanager
def _checks_ignored(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("PRAGMA ignore_check_constraints = ON")  # expires prepared statements, so both ways take effect
    try:
        yield
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")


class CaseRows(NamedTuple):
    """A new case's rows without their ids, and its audit entry's changes: made where the case is
    checked (an import's worker process, or here), then given ids and written by BulkWriter."""

    case_ref: str
    person: Person
    case: Row  # safeguarding_case after (id, person_id, draft_step)
    risk_types: list[str]
    stage: str
    responses: list[str]
    outcomes: list[Row]  # desired_outcome after (id, case_id, position)
    achieved: list[str | None]  # each outcome's, for the current closure
    meetings: list[tuple[Row, list[str]]]  # (meeting after (id, case_id, position), attendees)
    feedback: list[Row]  # feedback after (case_id, position)
    closure: Row | None  # the current closure after (id, case_id)
    sessions: list[tuple[str, Row]]  # (review date, outcome_review_session after (id, case_id))
    progress: list[list[tuple[str, Row]]]  # each outcome's (date, outcome_review after (review_id, outcome_id))
    wordings: list[list[tuple[str, Row]]]  # each outcome's (until, desired_outcome_wording after the two ids)
    earlier_closures: list[tuple[Row, list[str | None]]]  # (closure after (id, case_id), achieved)
    changes: str  # audit.new_case_changes(record)


def case_rows(record: Case) -> CaseRows:
    values, case = rowmap.values, "safeguarding_case"
    closure = table_columns()["closure"][2:]  # the current closure leaves reopened_* NULL
    outcomes = record["desired_outcomes"]
    return CaseRows(
        record["case_ref"],
        record["person"],
        (*values("case", case, record), *values("consent", case, record["consent"]),
         *values("capacity", case, record["capacity"]), *values("advocacy", case, record["advocacy"])),
        record["risk_types"],
        response_stage(record),
        record["responses"],
        [(*values("outcome", "desired_outcome", o), *values("negotiated", "desired_outcome", o["negotiated"]))
         for o in outcomes],
        [o["achieved"] for o in outcomes],
        [(values("meeting", "meeting", m), m["attendees"]) for m in record["meetings"]],
        [values("feedback", "feedback", f) for f in record["feedback"]],
        rowmap.values_for("case", "closure", closure, record) if record["concluded"] is not None else None,
        [(r["date"], (record["worker"], *values("review", "outcome_review_session", r)))
         for r in record.get("reviews", [])],
        [[(s["date"], values("progress", "outcome_review", s)) for s in o.get("progress", [])] for o in outcomes],
        [[(w["until"], values("wording", "desired_outcome_wording", w)) for w in o.get("earlier_wordings", [])]
         for o in outcomes],
        [(rowmap.values_for("earlier_closure", "closure", closure, c), c["achieved"])
         for c in record.get("earlier_closures", [])],
        audit_mod.new_case_changes(record),
    )  # fmt: skip


class BulkWriter:
    """Adds new cases (import, demo, and each new case saved): ids are assigned here, rows go in batches.

    Only for case_refs that are not stored yet; the caller holds the transaction, so a
    failure part-way leaves nothing behind. Each case still gets its own audit entry. Rows
    come from the field table's column maps, the same the single-case writer uses.
    """

    WITH_IDS = ("person", "safeguarding_case", "desired_outcome", "meeting", "closure", "outcome_review_session")

    def __init__(
        self,
        conn: sqlite3.Connection,
        audit: AuditWriter,
        *,
        action: str,
        batch: int | None = None,
        source: tuple[str, str] | None = None,
    ) -> None:
        """SOURCE (extract file name, date imported) marks every case added (`msp import --map`)."""
        self.conn, self.audit, self.action, self.source = conn, audit, action, source
        self.batch = batch or BATCH
        self.pending: list[tuple[CaseRows, int | None]] = []
        self.rows: dict[str, list[Row]] = {}
        self.next_id = self._first_ids()
        # an import into an empty database sets its lookup indexes aside (None: not decided yet)
        self.into_empty = self.next_id.get("safeguarding_case") == 1 and self.next_id.get("person") == 1
        self.set_aside: list[str] | None = None

    def _first_ids(self) -> dict[str, int]:
        """The next free id of each table (one writer at a time: BEGIN IMMEDIATE holds the file)."""
        return {
            t: int(self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]) + 1  # noqa: S608
            for t in self.WITH_IDS
        }

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, record: Case, *, draft_step: int | None = None) -> None:
        """Take a validated case; it is written with its batch (flush() writes the rest)."""
        self.add_rows(case_rows(record), draft_step=draft_step)

    def add_rows(self, rows: Any, *, draft_step: int | None = None) -> None:
        """As add(), the case's rows already made (case_rows, in an import's worker process)."""
        self.pending.append((rows, draft_step))
        if len(self.pending) >= self.batch:
            self._write_pending()

    def flush(self) -> None:
        """Write the cases still waiting, and build any index set aside; call it before the commit."""
        self._write_pending()
        if self.set_aside:
            self._build_indexes(self.set_aside)
            self.set_aside = []

    def _build_indexes(self, statements: list[str]) -> None:
        """CREATE INDEX sorts in memory up to the page cache's size: 64 MB more at 1,000,000 cases.
        With a small cache while it runs, it sorts in runs on disk instead, as fast, and memory stays flat."""
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = {INDEX_SORT_CACHE}")
        try:
            for sql in statements:
                self.conn.execute(sql)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _write_pending(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            if len(batch) >= self.batch > 1 and self.into_empty and self.set_aside is None:  # a large import
                self.set_aside = self._set_indexes_aside()
            self._write_batch(batch)
        self.audit.flush()

    def _set_indexes_aside(self) -> list[str]:
        """Into an empty database, the lookup indexes are dropped and built once at the end (flush).

        Kept up row by row they were a quarter of SQLite's work (callgrind, 10,000 cases); built
        from sorted keys at the end they cost about 60% of that, and far less at 1,000,000. Same
        transaction, so a failure brings them back with everything else; the same SQL text, so
        `msp check` finds the schema as msp made it. Unique indexes stay: they are checks.
        """
        tables = (*table_columns(), "audit_log")
        found = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"  # noqa: S608
            f" AND tbl_name IN ({', '.join('?' * len(tables))})",
            tables,
        ).fetchall()
        aside = [(name, sql) for name, sql in found if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
        for name, _ in aside:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in aside]

    def _write_batch(self, batch: list[tuple[CaseRows, int | None]]) -> None:
        self.rows = {table: [] for table in table_columns()}
        stored = self._stored_people(list({case.person["ref"]: None for case, _ in batch}))
        people: dict[str, tuple[int, Person]] = {}  # this batch's people, with what later cases added
        for case, draft_step in batch:
            person_id, person = self._person(case.person, stored, people)
            changes = case.changes
            if person != case.person:  # the audit entry records the person as merged
                changes = audit_mod.with_person(changes, person)
            self._add_case(case, person_id, draft_step, changes)
        changed = []
        for ref, (person_id, person) in people.items():
            if ref not in stored:
                self.rows["person"].append((person_id, *rowmap.values("person", "person", person)))
            elif person != stored[ref][1]:  # later details of a known person
                changed.append((*rowmap.values("person", "person", person), person_id))
        with self._schema_checks_off(len(batch) > 1):
            for table, rows in self.rows.items():
                if rows:
                    self.conn.executemany(insert_sql(table), rows)
        if changed:
            sets = ", ".join(f"{name} = ?" for name in rowmap.columns("person", "person"))
            self.conn.executemany(f"UPDATE person SET {sets} WHERE id = ?", changed)  # noqa: S608 (our columns)
        self.rows = {}

    def _schema_checks_off(self, many: bool) -> contextlib.AbstractContextManager[None]:
        """A batch's inserts without the schema's CHECKs, which repeat rules validate_case applied to every value.

        The CHECKs (labels, real dates, dates in order) guard the file against other programs;
        evaluated row by row they took half of an import's time in SQLite. A single case saved
        (the wizard) keeps them, and they are back on before anything else is written.
        """
        return _checks_ignored(self.conn) if many else contextlib.nullcontext()

    def _stored_people(self, refs: list[str]) -> dict[str, tuple[int, Person]]:
        """The stored people among REFS, by reference: a few queries a batch, not one a case."""
        names = rowmap.columns("person", "person")
        found: dict[str, tuple[int, Person]] = {}
        for start in range(0, len(refs), LOOKUP_CHUNK):
            chunk = refs[start : start + LOOKUP_CHUNK]
            sql = f"SELECT id, {', '.join(names)} FROM person WHERE ref IN ({', '.join('?' * len(chunk))})"  # noqa: S608
            for person_id, *values in self.conn.execute(sql, chunk).fetchall():
                person = cast(Person, rowmap.from_row("person", "person", dict(zip(names, values, strict=True))))
                found[person["ref"]] = (int(person_id), person)
        return found

    def _person(
        self, given: Person, stored: dict[str, tuple[int, Person]], people: dict[str, tuple[int, Person]]
    ) -> tuple[int, Person]:
        """The person's id, and what is recorded about them now (a later case fills blanks, never erases)."""
        ref = given["ref"]
        known = people.get(ref) or stored.get(ref)
        if known is None:
            people[ref] = (self._id("person"), given)
            return people[ref]
        person_id, person = known
        people[ref] = (person_id, merge_person(given, person))
        return people[ref]

    def _add_case(self, case: CaseRows, person_id: int, draft_step: int | None, changes: str) -> None:
        case_id = self._id("safeguarding_case")
        rows = self.rows
        rows["safeguarding_case"].append((case_id, person_id, draft_step, *case.case))
        rows["case_risk_type"].extend((case_id, r) for r in case.risk_types)
        rows["case_response"].extend((case_id, case.stage, r) for r in case.responses)
        outcome_ids = []
        for position, values in enumerate(case.outcomes, start=1):
            outcome_ids.append(self._id("desired_outcome"))
            rows["desired_outcome"].append((outcome_ids[-1], case_id, position, *values))
        for position, (values, attendees) in enumerate(case.meetings, start=1):
            meeting_id = self._id("meeting")
            rows["meeting"].append((meeting_id, case_id, position, *values))
            rows["meeting_attendee"].extend((meeting_id, a) for a in attendees)
        for position, values in enumerate(case.feedback, start=1):
            rows["feedback"].append((case_id, position, *values))
        self._add_history(case, case_id, outcome_ids)
        if case.closure is not None:
            self._add_closure(case_id, case.closure, outcome_ids, case.achieved)
        if self.source is not None:  # first, so `msp history` shows where the case came from
            file_name, imported_on = self.source
            rows["case_source"].append((case_id, file_name, imported_on))
            changes = audit_mod.with_first(changes, "source", {"file": file_name, "imported_on": imported_on})
        self.audit.append(self.action, table="safeguarding_case", row_key=case.case_ref, changes=changes, defer=True)

    def _add_closure(self, case_id: int, values: Row, outcome_ids: list[int], achieved: Sequence[str | None]) -> None:
        closure_id = self._id("closure")
        self.rows["closure"].append((closure_id, case_id, *values))
        self.rows["closure_outcome"].extend(
            (closure_id, oid, a) for oid, a in zip(outcome_ids, achieved, strict=False) if a is not None
        )

    def _add_history(self, case: CaseRows, case_id: int, outcome_ids: list[int]) -> None:
        """Version 2: reviews with each outcome's progress, earlier wordings, earlier closures."""
        sessions: dict[str, list[int]] = {}  # review date -> session ids, in order
        for date, values in case.sessions:
            session_id = self._id("outcome_review_session")
            sessions.setdefault(date, []).append(session_id)
            self.rows["outcome_review_session"].append((session_id, case_id, *values))
        for outcome_id, progress, wordings in zip(outcome_ids, case.progress, case.wordings, strict=True):
            taken: dict[str, int] = {}
            for date, values in progress:
                k = taken.get(date, 0)
                taken[date] = k + 1
                self.rows["outcome_review"].append((sessions[date][k], outcome_id, *values))
            for until, values in wordings:
                review_ids = sessions.get(until)
                self.rows["desired_outcome_wording"].append(
                    (outcome_id, review_ids[0] if review_ids else None, *values)
                )
        for values, achieved in case.earlier_closures:
            self._add_closure(case_id, values, outcome_ids, achieved)
