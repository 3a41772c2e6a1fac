"""New cases (import, demo, and each new case saved): ids assigned here, rows sent in batches.

This is the one writer of a new case's rows. Changing a stored case (case_store.save_case)
reads it back to compare; a new case needs none of that. Cases are made into rows a batch at a
time (NewCases: in an import's worker processes, or here as they are added), each table's ids
counted from 0 within the batch. Writing a batch, the writer looks its people up in one query,
then gives each table one INSERT with all the batch's rows (executemany) that adds the table's
first free id to each id in SQL: the rows go to SQLite as they were made, untouched in Python.
Nothing written is read back, and nothing is kept from one batch to the next, so memory does
not grow with the file. Each case gets its own audit entry.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, cast

from msp_cli.record import Case, Person
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import rowmap
from msp_cli.storage.sqlite.audit import AuditWriter
from msp_cli.storage.sqlite.case_store import merge_person, response_stage

Row = tuple[Any, ...]
BATCH = 1000  # cases a batch: large enough that a statement serves many rows, small enough to hold
LARGE_BATCH = 250  # cases in the first batch written that make an import large
LOOKUP_CHUNK = 500  # references in one IN (...) list: under every backend's limit on parameters
INDEX_SORT_CACHE = -8192  # KiB of page cache while indexes set aside are built (see _build_indexes)


def insert_sql(table: str, marks: str | None = None) -> str:
    """TABLE's INSERT of every column; MARKS: what stands for each value (plain "?" by default)."""
    names = table_columns()[table]
    marks = marks or ", ".join("?" * len(names))
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 (fixed names)


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


# The ids each table's rows hold, by column, and which table's ids they are. A batch's rows
# count each table's ids from 0 (NewCases, made where the cases are checked); the writer adds
# that table's first free id as it inserts them, in the SQL, so it never rebuilds a row.
ID_COLUMNS: dict[str, dict[str, str]] = {
    "safeguarding_case": {"id": "safeguarding_case"},
    "case_risk_type": {"case_id": "safeguarding_case"},
    "case_response": {"case_id": "safeguarding_case"},
    "desired_outcome": {"id": "desired_outcome", "case_id": "safeguarding_case"},
    "meeting": {"id": "meeting", "case_id": "safeguarding_case"},
    "meeting_attendee": {"meeting_id": "meeting"},
    "feedback": {"case_id": "safeguarding_case"},
    "closure": {"id": "closure", "case_id": "safeguarding_case"},
    "closure_outcome": {"closure_id": "closure", "outcome_id": "desired_outcome"},
    "outcome_review_session": {"id": "outcome_review_session", "case_id": "safeguarding_case"},
    "outcome_review": {"review_id": "outcome_review_session", "outcome_id": "desired_outcome"},
    "desired_outcome_wording": {"outcome_id": "desired_outcome", "review_id": "outcome_review_session"},
    "case_source": {"case_id": "safeguarding_case"},
}
# a new case's row names its person by reference: the writer decides who is new (NewCases cannot)
# and SQLite finds the id by the unique reference
PERSON_BY_REF = "(SELECT id FROM person WHERE ref = ?)"
COUNTED = ("safeguarding_case", "desired_outcome", "meeting", "closure", "outcome_review_session")


def _closure_columns() -> tuple[str, ...]:
    """A closure row's columns after (id, case_id); the current closure leaves reopened_* NULL."""
    return table_columns()["closure"][2:]


@contextlib.contextmanager
def _checks_ignored(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("PRAGMA ignore_check_constraints = ON")  # expires prepared statements, so both ways take effect
    try:
        yield
    finally:
        conn.execute("PRAGMA ignore_check_constraints = OFF")


class NewCases:
    """A batch of new cases as their tables' rows, each table's ids counted from 0 within the batch,
    with each case's reference, person and audit entry's changes. Made where the cases are checked
    (an import's worker process, or BulkWriter.add); BulkWriter gives the ids and writes them."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {table: [] for table in ID_COLUMNS if table != "case_source"}
        self.refs: list[str] = []
        self.people: list[Person] = []
        self.changes: list[str] = []  # audit.new_case_changes of each case
        self.used = dict.fromkeys(COUNTED, 0)  # ids taken so far, by table

    def __len__(self) -> int:
        return len(self.refs)

    def plain(self) -> tuple[Any, ...]:
        """As plain values (marshal sends them to the writer in half pickle's time)."""
        return self.rows, self.refs, self.people, self.changes, self.used

    @classmethod
    def from_plain(cls, plain: tuple[Any, ...]) -> NewCases:
        made = cls.__new__(cls)
        made.rows, made.refs, made.people, made.changes, made.used = plain
        return made

    def _ids(self, table: str, count: int) -> range:
        first = self.used[table]
        self.used[table] = first + count
        return range(first, first + count)

    def add(self, record: Case, *, draft_step: int | None = None) -> None:
        values, case, rows = rowmap.values, "safeguarding_case", self.rows
        (case_id,) = self._ids(case, 1)
        rows[case].append(
            (case_id, record["person"]["ref"], draft_step, *values("case", case, record),
             *values("consent", case, record["consent"]), *values("capacity", case, record["capacity"]),
             *values("advocacy", case, record["advocacy"]))
        )  # fmt: skip
        rows["case_risk_type"].extend((case_id, r) for r in record["risk_types"])
        stage = response_stage(record)
        rows["case_response"].extend((case_id, stage, r) for r in record["responses"])
        outcomes = record["desired_outcomes"]
        outcome_ids = self._ids("desired_outcome", len(outcomes))
        rows["desired_outcome"].extend(
            (oid, case_id, position, *values("outcome", "desired_outcome", o),
             *values("negotiated", "desired_outcome", o["negotiated"]))
            for position, (oid, o) in enumerate(zip(outcome_ids, outcomes, strict=True), start=1)
        )  # fmt: skip
        meetings = record["meetings"]
        for position, (meeting_id, m) in enumerate(zip(self._ids("meeting", len(meetings)), meetings, strict=True), 1):
            rows["meeting"].append((meeting_id, case_id, position, *values("meeting", "meeting", m)))
            rows["meeting_attendee"].extend((meeting_id, a) for a in m["attendees"])
        rows["feedback"].extend(
            (case_id, position, *values("feedback", "feedback", f)) for position, f in enumerate(record["feedback"], 1)
        )
        self._add_history(record, case_id, outcome_ids)
        if record["concluded"] is not None:
            current = rowmap.values_for("case", "closure", _closure_columns(), record)
            self._add_closure(case_id, current, outcome_ids, [o["achieved"] for o in outcomes])
        self.refs.append(record["case_ref"])
        self.people.append(record["person"])
        self.changes.append(audit_mod.new_case_changes(record))

    def _add_closure(self, case_id: int, values: Row, outcome_ids: range, achieved: Sequence[str | None]) -> None:
        (closure_id,) = self._ids("closure", 1)
        self.rows["closure"].append((closure_id, case_id, *values))
        self.rows["closure_outcome"].extend(
            (closure_id, oid, a) for oid, a in zip(outcome_ids, achieved, strict=False) if a is not None
        )

    def _add_history(self, record: Case, case_id: int, outcome_ids: range) -> None:
        """Version 2: reviews with each outcome's progress, earlier wordings, earlier closures."""
        rows, values = self.rows, rowmap.values
        sessions: dict[str, list[int]] = {}  # review date -> session ids, in order
        reviews = record.get("reviews", [])
        for session_id, r in zip(self._ids("outcome_review_session", len(reviews)), reviews, strict=True):
            sessions.setdefault(r["date"], []).append(session_id)
            rows["outcome_review_session"].append(
                (session_id, case_id, record["worker"], *values("review", "outcome_review_session", r))
            )
        for outcome_id, o in zip(outcome_ids, record["desired_outcomes"], strict=True):
            taken: dict[str, int] = {}
            for s in o.get("progress", []):
                k = taken.get(s["date"], 0)
                taken[s["date"]] = k + 1
                rows["outcome_review"].append(
                    (sessions[s["date"]][k], outcome_id, *values("progress", "outcome_review", s))
                )
            for w in o.get("earlier_wordings", []):
                review_ids = sessions.get(w["until"])
                rows["desired_outcome_wording"].append(
                    (outcome_id, review_ids[0] if review_ids else None,
                     *values("wording", "desired_outcome_wording", w))
                )  # fmt: skip
        for c in record.get("earlier_closures", []):
            self._add_closure(case_id, rowmap.values_for("earlier_closure", "closure", _closure_columns(), c),
                              outcome_ids, c["achieved"])  # fmt: skip


class BulkWriter:
    """Adds new cases (import, demo, and each new case saved): ids are assigned here, rows go in batches.

    Only for case_refs that are not stored yet; the caller holds the transaction, so a
    failure part-way leaves nothing behind. Each case still gets its own audit entry. Rows
    come from the field table's column maps, the same the single-case writer uses.
    """

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
        self.building = NewCases()  # cases given one at a time (add)
        self.arriving: NewCases | None = None  # a batch made elsewhere, as its cases are accepted (add_made)
        self.accepted = 0
        self.next_id = self._first_ids()
        # an import into an empty database sets its lookup indexes aside (None: not decided yet)
        self.into_empty = self.next_id.get("safeguarding_case") == 1 and self.next_id.get("person") == 1
        self.set_aside: list[str] | None = None

    def _first_ids(self) -> dict[str, int]:
        """The next free id of each table (one writer at a time: BEGIN IMMEDIATE holds the file)."""
        return {
            t: int(self.conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]) + 1  # noqa: S608
            for t in ("person", *COUNTED)
        }

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, record: Case, *, draft_step: int | None = None) -> None:
        """Take a validated case; it is written with its batch (flush() writes the rest)."""
        self.building.add(record, draft_step=draft_step)
        if len(self.building) >= self.batch:
            self._write_pending()

    def add_made(self, batch: NewCases, index: int) -> None:
        """Take case INDEX of BATCH, made in an import's worker; a batch is written once all its cases are taken.

        The cases of a batch come in order; a batch with a refused case is never written (the
        import that refused it writes nothing).
        """
        if batch is not self.arriving:
            self._write_arrived()
            self.arriving, self.accepted = batch, 0
        if index != self.accepted:
            raise RuntimeError("a batch's cases must be taken in order, every one")  # never: the writer's bug
        self.accepted += 1

    def flush(self) -> None:
        """Write the cases still waiting, and build any index set aside; call it before the commit."""
        self._write_pending()
        self._write_arrived()
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
        batch, self.building = self.building, NewCases()
        self._write(batch)

    def _write_arrived(self) -> None:
        batch, self.arriving = self.arriving, None
        if batch is not None:
            if self.accepted != len(batch):
                raise RuntimeError("a batch with a case not taken must not be written")  # never: the writer's bug
            self._write(batch)

    def _write(self, batch: NewCases) -> None:
        if len(batch):
            if len(batch) >= LARGE_BATCH and self.batch > 1 and self.into_empty and self.set_aside is None:
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

    def _write_batch(self, batch: NewCases) -> None:
        first = self._first_of_batch(batch)
        rows = batch.rows
        if self.source is not None:
            rows = {**rows, "case_source": [(k, *self.source) for k in range(len(batch))]}
        new_people, changed, first["person"] = self._people_and_audit(batch)
        with self._schema_checks_off(len(batch) > 1):
            if new_people:
                self.conn.executemany(insert_sql("person"), new_people)
            for table, table_rows in rows.items():
                if table_rows:
                    self._insert(table, table_rows, first)
        if changed:
            sets = ", ".join(f"{name} = ?" for name in rowmap.columns("person", "person"))
            self.conn.executemany(f"UPDATE person SET {sets} WHERE id = ?", changed)  # noqa: S608 (our columns)

    def _first_of_batch(self, batch: NewCases) -> dict[str, Any]:
        """Each counted table's first free id, taken for BATCH's rows (the server's writer: its ids)."""
        first = {table: self.next_id[table] for table in COUNTED}
        for table in COUNTED:
            self.next_id[table] += batch.used[table]
        return first

    def _insert(self, table: str, rows: list[Row], first: dict[str, Any]) -> None:
        """ROWS into TABLE, each id the batch's count plus its table's FIRST free id, added in the SQL."""
        ids = ID_COLUMNS[table]
        marks = [
            f"? + {int(first[ids[name]])}" if name in ids else PERSON_BY_REF if name == "person_id" else "?"
            for name in table_columns()[table]
        ]
        self.conn.executemany(insert_sql(table, ", ".join(marks)), rows)

    def _people_and_audit(self, batch: NewCases) -> tuple[list[Row], list[Row], dict[str, int]]:
        """Each case's person (a later case fills blanks, never erases) and its audit entry, in order;
        the batch's new people's rows, the changed rows of people already stored, and each one's id."""
        given = batch.people
        stored = self._stored_people(list({person["ref"]: None for person in given}))
        people: dict[str, tuple[int, Person]] = {}  # this batch's people, with what later cases added
        for person, ref, changes in zip(given, batch.refs, batch.changes, strict=True):
            merged = self._person(person, stored, people)
            if merged != person:  # the audit entry records the person as merged
                changes = audit_mod.with_person(changes, merged)
            if self.source is not None:  # first, so `msp history` shows where the case came from
                file_name, imported_on = self.source
                changes = audit_mod.with_first(changes, "source", {"file": file_name, "imported_on": imported_on})
            self.audit.append(self.action, table="safeguarding_case", row_key=ref, changes=changes, defer=True)
        new_people, changed = [], []
        for ref, (person_id, person) in people.items():
            if ref not in stored:
                new_people.append((person_id, *rowmap.values("person", "person", person)))
            elif person != stored[ref][1]:  # later details of a known person
                changed.append((*rowmap.values("person", "person", person), person_id))
        return new_people, changed, {ref: person_id for ref, (person_id, _) in people.items()}

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
    ) -> Person:
        """What is recorded about the person now (a later case fills blanks, never erases), kept in
        PEOPLE with their id (a new person's given here)."""
        ref = given["ref"]
        known = people.get(ref) or stored.get(ref)
        if known is None:
            people[ref] = (self._id("person"), given)
            return given
        person_id, person = known
        people[ref] = (person_id, merge_person(given, person))
        return people[ref][1]
