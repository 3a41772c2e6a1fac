"""A validated case record to rows and back: the only code that writes case tables.

Callers hold a transaction (Store.write()) and pass its AuditWriter, so a case and its
audit entry are saved together or not at all. Saving a record that is already stored
changes only what differs, records the differences field by field, and keeps history:
an earlier closure is marked reopened, never deleted; a desired outcome with reviews is
never deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any, cast

from msp_cli.errors import MspError
from msp_cli.record import Case, DesiredOutcome, Feedback, Meeting, Person
from msp_cli.record.fields import fields_of
from msp_cli.storage.interface import CaseHistory, StoredCase
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import rowmap
from msp_cli.storage.sqlite.audit import AuditWriter
from msp_cli.storage.sqlite.rows import dict_rows, streamed

CASE_TABLE = "safeguarding_case"
CORRECTION = "case.correct"  # the audit action of `msp case edit`


# every table that holds case data (not settings or the audit trail)
CASE_TABLES = (
    "person", "safeguarding_case", "case_risk_type", "case_response", "desired_outcome", "desired_outcome_wording",
    "meeting", "meeting_attendee", "feedback", "closure", "closure_outcome", "outcome_review_session",
    "outcome_review", "case_source",
)  # fmt: skip


def case_id_for(conn: sqlite3.Connection, case_ref: str) -> int | None:
    row = conn.execute("SELECT id FROM safeguarding_case WHERE case_ref = ?", (case_ref,)).fetchone()
    return None if row is None else int(row[0])


def save_case(
    conn: sqlite3.Connection,
    audit: AuditWriter,
    record: Case,
    *,
    draft_step: int | None = None,
    action: str | None = None,
    correction: str | None = None,
) -> str:
    """Store RECORD (already validated); return 'created', 'updated' or 'unchanged'.

    A CORRECTION (its reason) puts right what was recorded wrongly: changed words are not
    kept as the person's earlier wording, a changed closure date is not a new closure, and
    the reason goes in the audit entry beside the old and new values.

    A new case is written by the bulk writer (one way to write a case's rows). A stored
    case changes only where it differs, and its history (reviews, earlier wordings and
    closures) is kept: a record that leaves the history out keeps what is stored, and one
    that gives a different history is refused, never written over.
    """
    existing = load_case(conn, record["case_ref"])
    if existing is None:
        from msp_cli.storage.sqlite.bulk import BulkWriter

        writer = BulkWriter(conn, audit, action=action or "case.create", batch=1)
        writer.add(record, draft_step=draft_step)
        writer.flush()
        return "created"
    record = _with_known_person(conn, _with_history(record, existing.record))
    if existing.record == record and existing.draft_step == draft_step:
        return "unchanged"
    case_id = existing.case_id
    person_id = _save_person(conn, record["person"])
    columns = case_columns(record, person_id, draft_step)
    sets = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(f"UPDATE safeguarding_case SET {sets} WHERE id = ?", (*columns.values(), case_id))  # noqa: S608
    _save_children(conn, case_id, record, existing.record, correcting=correction is not None)
    changes = audit_mod.diff(cast(dict[str, Any], existing.record), cast(dict[str, Any], record))
    if correction is not None:
        changes["reason"] = [None, correction]
    if existing.draft_step != draft_step:
        changes["draft_step"] = [existing.draft_step, draft_step]
    audit.append(action or "case.update", table=CASE_TABLE, row_key=record["case_ref"], changes=changes)
    return "updated"


HISTORY_OF_CASE = ("reviews", "earlier_closures")
HISTORY_OF_OUTCOME = ("added", "earlier_wordings", "progress")


def history(record: Case) -> dict[str, Any]:
    """The parts of a record that only grow: reviews, earlier wordings and closures."""
    parts: dict[str, Any] = {key: record.get(key) for key in HISTORY_OF_CASE}
    for i, outcome in enumerate(record["desired_outcomes"]):
        for key in HISTORY_OF_OUTCOME:
            parts[f"desired_outcomes[{i}].{key}"] = outcome.get(key)
    return {k: v for k, v in parts.items() if v not in (None, [])}


def _with_history(record: Case, stored: Case) -> Case:
    """RECORD carrying the stored history: as given if it is the same, added if left out."""
    given, kept = history(record), history(stored)
    if given == kept:
        return record
    if given:
        raise MspError(
            "The history of this case (reviews, earlier wordings, earlier closures) cannot be changed by a"
            " save or an import; leave those fields out to keep what is stored, or correct a fact with msp case edit."
        )
    merged = cast(Case, {**record})
    for key in HISTORY_OF_CASE:
        if stored.get(key):
            merged[key] = stored[key]  # type: ignore[literal-required]
    outcomes = []
    for i, outcome in enumerate(record["desired_outcomes"]):
        old = stored["desired_outcomes"][i] if i < len(stored["desired_outcomes"]) else None
        extra = {k: old[k] for k in HISTORY_OF_OUTCOME if old is not None and k in old}  # type: ignore[literal-required]
        outcomes.append(cast(DesiredOutcome, {**outcome, **extra}))
    merged["desired_outcomes"] = outcomes
    return cast(Case, _ordered("case", cast(dict[str, Any], merged)))


def _with_known_person(conn: sqlite3.Connection, record: Case) -> Case:
    """Fill what a record leaves blank about a known person from what is stored.

    A later case that gives only the person's reference must not erase their details.
    """
    known = load_person(conn, record["person"]["ref"])
    if known is None:
        return record
    person = merge_person(record["person"], known)
    return record if person == record["person"] else {**record, "person": person}


def merge_person(given: Person, known: Person) -> Person:
    """What is recorded about a person now: what GIVEN says, and what KNOWN says where GIVEN is blank."""
    merged = {
        f.key: given.get(f.key) if given.get(f.key) is not None else known.get(f.key) for f in fields_of("person")
    }
    return cast(Person, rowmap.without_empty_v2("person", merged))


def _save_person(conn: sqlite3.Connection, person: Person) -> int:
    values = rowmap.to_row("person", "person", person)
    row = conn.execute("SELECT id FROM person WHERE ref = ?", (person["ref"],)).fetchone()
    sets = ", ".join(f"{name} = ?" for name in values)
    conn.execute(f"UPDATE person SET {sets} WHERE id = ?", (*values.values(), row[0]))  # noqa: S608 (our columns)
    return int(row[0])


def case_columns(record: Case, person_id: int, draft_step: int | None) -> dict[str, Any]:
    """The safeguarding_case row of RECORD."""
    columns: dict[str, Any] = {"person_id": person_id, "draft_step": draft_step}
    columns.update(rowmap.to_row("case", "safeguarding_case", record))
    columns.update(rowmap.to_row("consent", "safeguarding_case", record["consent"]))
    columns.update(rowmap.to_row("capacity", "safeguarding_case", record["capacity"]))
    columns.update(rowmap.to_row("advocacy", "safeguarding_case", record["advocacy"]))
    return columns


def _save_children(
    conn: sqlite3.Connection, case_id: int, record: Case, old: Case, *, correcting: bool = False
) -> None:
    if old["risk_types"] != record["risk_types"]:
        conn.execute("DELETE FROM case_risk_type WHERE case_id = ?", (case_id,))
        conn.executemany(
            "INSERT INTO case_risk_type (case_id, risk_type) VALUES (?, ?)",
            [(case_id, r) for r in record["risk_types"]],
        )
    stage = response_stage(record)
    if old["responses"] != record["responses"] or response_stage(old) != stage:
        conn.execute("DELETE FROM case_response WHERE case_id = ? AND stage = ?", (case_id, stage))
        conn.executemany(
            "INSERT INTO case_response (case_id, stage, response) VALUES (?, ?, ?)",
            [(case_id, stage, r) for r in record["responses"]],
        )
    outcome_ids = _save_outcomes(conn, case_id, record["desired_outcomes"], keep_wording=not correcting)
    if old["meetings"] != record["meetings"]:
        conn.execute("DELETE FROM meeting WHERE case_id = ?", (case_id,))
        for position, m in enumerate(record["meetings"], start=1):
            insert_meeting(conn, case_id, position, m)
    if old["feedback"] != record["feedback"]:
        conn.execute("DELETE FROM feedback WHERE case_id = ?", (case_id,))
        for position, f in enumerate(record["feedback"], start=1):
            insert_feedback(conn, case_id, position, f)
    _save_closure(conn, case_id, record, outcome_ids, keep_history=not correcting)


def response_stage(record: Case) -> str:
    """The interchange `responses` are those planned while open, those used once concluded."""
    return "planned" if record["concluded"] is None else "used"


def outcome_row(o: DesiredOutcome) -> dict[str, Any]:
    """A desired outcome's columns of desired_outcome (its words, and what was negotiated)."""
    return {
        **rowmap.to_row("outcome", "desired_outcome", o),
        **rowmap.to_row("negotiated", "desired_outcome", o["negotiated"]),
    }


def _save_outcomes(
    conn: sqlite3.Connection, case_id: int, outcomes: list[DesiredOutcome], *, keep_wording: bool = True
) -> list[int]:
    """Outcomes are matched by position; changed wording keeps the earlier words as history
    (KEEP_WORDING), unless the change corrects a recording error."""
    existing = {
        position: (outcome_id, text, category)
        for outcome_id, position, text, category in conn.execute(
            "SELECT id, position, text, category FROM desired_outcome WHERE case_id = ?", (case_id,)
        )
    }
    ids = []
    for position, o in enumerate(outcomes, start=1):
        values = outcome_row(o)
        if position not in existing:
            ids.append(_insert(conn, "desired_outcome", {"case_id": case_id, "position": position, **values}))
            continue
        outcome_id, old_text, old_category = existing[position]
        if keep_wording and (old_text, old_category) != (o["text"], o["category"]):
            conn.execute(
                "INSERT INTO desired_outcome_wording (outcome_id, text, category, replaced_on) VALUES (?, ?, ?, ?)",
                (outcome_id, old_text, old_category, dt.date.today().isoformat()),
            )
        sets = ", ".join(f"{name} = ?" for name in values)
        conn.execute(f"UPDATE desired_outcome SET {sets} WHERE id = ?", (*values.values(), outcome_id))  # noqa: S608
        ids.append(outcome_id)
    for position, (outcome_id, _, _) in existing.items():
        if position > len(outcomes):
            _delete_outcome(conn, outcome_id)
    return ids


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    """Insert one row into TABLE (a fixed name) and return its id."""
    names, marks = ", ".join(row), ", ".join("?" for _ in row)
    cursor = conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values()))  # noqa: S608
    return int(cursor.lastrowid or 0)


def _delete_outcome(conn: sqlite3.Connection, outcome_id: int) -> None:
    reviewed = conn.execute(
        "SELECT 1 FROM outcome_review WHERE outcome_id = ? UNION ALL"
        " SELECT 1 FROM desired_outcome_wording WHERE outcome_id = ? LIMIT 1",
        (outcome_id, outcome_id),
    ).fetchone()
    if reviewed:
        raise MspError(
            "A desired outcome that has been reviewed cannot be removed; mark it"
            " 'No longer wanted' in a review instead (msp case review)."
        )
    conn.execute(
        "DELETE FROM closure_outcome WHERE outcome_id = ? AND closure_id IN"
        " (SELECT id FROM closure WHERE reopened_on IS NULL)",
        (outcome_id,),
    )
    conn.execute("DELETE FROM desired_outcome WHERE id = ?", (outcome_id,))


def insert_meeting(conn: sqlite3.Connection, case_id: int, position: int, m: Meeting) -> None:
    meeting_id = _insert(
        conn, "meeting", {"case_id": case_id, "position": position, **rowmap.to_row("meeting", "meeting", m)}
    )
    conn.executemany(
        "INSERT INTO meeting_attendee (meeting_id, attendee) VALUES (?, ?)", [(meeting_id, a) for a in m["attendees"]]
    )


def insert_feedback(conn: sqlite3.Connection, case_id: int, position: int, f: Feedback) -> None:
    _insert(conn, "feedback", {"case_id": case_id, "position": position, **rowmap.to_row("feedback", "feedback", f)})


def closure_row(record: Case) -> dict[str, Any]:
    """The current closure's columns of closure."""
    return rowmap.to_row("case", "closure", record)


def _save_closure(
    conn: sqlite3.Connection, case_id: int, record: Case, outcome_ids: list[int], *, keep_history: bool = True
) -> None:
    """The current closure; a new concluded date (KEEP_HISTORY) keeps the earlier closure, reopened."""
    current = conn.execute(
        "SELECT id, concluded FROM closure WHERE case_id = ? AND reopened_on IS NULL", (case_id,)
    ).fetchone()
    if record["concluded"] is None:
        if current is not None:
            reopen_current_closure(conn, case_id, "the case was saved as open again")
        return
    values = closure_row(record)
    if current is not None and keep_history and current[1] != record["concluded"]:
        if record["concluded"] < current[1]:
            raise MspError(
                f"Case {record['case_ref']}: concluded {record['concluded']} is before its closure of {current[1]};"
                " nothing was changed. A closure is moved only by correcting it.",
                hint=f'msp case edit {record["case_ref"]} --set concluded=... --reason "..." (what msp audit lists),'
                " or reopen and close again",
            )
        # the reopening date was not given: the latest the dates allow, the day it closed again
        reopen_current_closure(conn, case_id, REPLACED_CLOSURE, on=record["concluded"])
        current = None
    if current is None:
        closure_id = _insert(conn, "closure", {"case_id": case_id, **values})
    else:
        closure_id = int(current[0])
        sets = ", ".join(f"{name} = ?" for name in values)
        conn.execute(f"UPDATE closure SET {sets} WHERE id = ?", (*values.values(), closure_id))  # noqa: S608
        conn.execute("DELETE FROM closure_outcome WHERE closure_id = ?", (closure_id,))
    conn.executemany(
        "INSERT INTO closure_outcome (closure_id, outcome_id, achieved) VALUES (?, ?, ?)",
        [
            (closure_id, outcome_id, o["achieved"])
            for outcome_id, o in zip(outcome_ids, record["desired_outcomes"], strict=True)
            if o["achieved"] is not None
        ],
    )


REPLACED_CLOSURE = "closed again with another concluded date (import --update; reopening date not given)"


def reopen_current_closure(conn: sqlite3.Connection, case_id: int, reason: str, *, on: str | None = None) -> bool:
    """Mark the current closure reopened ON (today by default; it stays in history); False if the case was open."""
    cursor = conn.execute(
        "UPDATE closure SET reopened_on = ?, reopen_reason = ? WHERE case_id = ? AND reopened_on IS NULL",
        (on or dt.date.today().isoformat(), reason, case_id),
    )
    return cursor.rowcount > 0


# --- reading -------------------------------------------------------------------------------


@cache
def _person_aliases() -> tuple[tuple[str, str], ...]:
    """(column, its name beside a case row) of each of the person's columns."""
    return tuple((c, f"person__{c}") for c in rowmap.columns("person", "person"))


def _person_select() -> str:
    """The person's columns beside a case row, each as person__COLUMN."""
    return ", ".join(f"p.{c} AS {alias}" for c, alias in _person_aliases())


def _case_with_person(where: str) -> str:
    """Case rows with their person's columns, WHERE a fixed fragment (values are parameters)."""
    return (
        f"SELECT c.*, {_person_select()} FROM safeguarding_case c JOIN person p ON p.id = c.person_id"  # noqa: S608
        f" WHERE {where}"
    )


def load_case(conn: sqlite3.Connection, case_ref: str) -> StoredCase | None:
    """The stored case in interchange shape, or None if there is no such case_ref."""
    return _load_one(conn, "c.case_ref = ?", case_ref)


def load_case_by_id(conn: sqlite3.Connection, case_id: int) -> StoredCase | None:
    return _load_one(conn, "c.id = ?", case_id)


def _load_one(conn: sqlite3.Connection, where: str, value: Any) -> StoredCase | None:
    cursor = conn.execute(_case_with_person(where), (value,))
    row = next(dict_rows(cursor), None)
    if row is None:
        return None
    return StoredCase(case_id=row["id"], record=_record_from_rows(conn, row), draft_step=row["draft_step"])


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    yield from dict_rows(conn.execute(sql, params))


def _ordered(group: str, parts: dict[str, Any]) -> dict[str, Any]:
    """PARTS in the format's order for GROUP; version 2 keys left out when they hold nothing."""
    out = {}
    for key, later in _key_plan(group):
        if key in parts:
            value = parts[key]
            if not (later and value in (None, [])):
                out[key] = value
    return out


@cache
def _key_plan(group: str) -> tuple[tuple[str, bool], ...]:
    """(key, of a later version) of each field of GROUP: worked out once, as export and check read every case."""
    return tuple((f.key, f.version > 1) for f in fields_of(group))


@dataclass
class _ChildRows:
    """One case's rows in the tables below safeguarding_case, each list in the order the record shows it."""

    closures: list[dict[str, Any]] = field(default_factory=list)
    achieved: list[tuple[int, int, str]] = field(default_factory=list)  # (closure id, outcome id, achieved)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)  # outcome_review rows, by session date
    wordings: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    attendees: dict[int, list[str]] = field(default_factory=dict)  # meeting id -> attendees
    feedback: list[dict[str, Any]] = field(default_factory=list)
    risk_types: list[str] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)  # (stage, response)


CHUNK = 500  # cases loaded together: one query a child table a chunk; well under any backend's parameter limit


def _child_rows(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, _ChildRows]:
    """The child rows of each of CASE_IDS (at most CHUNK), one query a table for them all."""
    found = {case_id: _ChildRows() for case_id in case_ids}
    ids = f"({', '.join('?' for _ in case_ids)})"
    params = tuple(case_ids)

    def rows(sql: str) -> Iterator[dict[str, Any]]:
        return _rows(conn, sql.replace("(:ids)", ids), params)

    for r in rows("SELECT * FROM closure WHERE case_id IN (:ids) ORDER BY case_id, id"):
        found[r["case_id"]].closures.append(r)
    for r in rows(
        "SELECT cl.case_id AS owner, co.closure_id, co.outcome_id, co.achieved FROM closure_outcome co"
        " JOIN closure cl ON cl.id = co.closure_id WHERE cl.case_id IN (:ids)"
    ):
        found[r["owner"]].achieved.append((r["closure_id"], r["outcome_id"], r["achieved"]))
    for r in rows("SELECT * FROM outcome_review_session WHERE case_id IN (:ids) ORDER BY case_id, reviewed_on, id"):
        found[r["case_id"]].sessions.append(r)
    if any(c.sessions for c in found.values()):
        for r in rows(
            "SELECT s.case_id AS owner, r.* FROM outcome_review r JOIN outcome_review_session s ON s.id = r.review_id"
            " WHERE s.case_id IN (:ids) ORDER BY s.case_id, s.reviewed_on, s.id"
        ):
            found[r["owner"]].reviews.append(r)
    for r in rows("SELECT * FROM desired_outcome WHERE case_id IN (:ids) ORDER BY case_id, position"):
        found[r["case_id"]].outcomes.append(r)
    for r in rows(
        "SELECT d.case_id AS owner, w.* FROM desired_outcome_wording w JOIN desired_outcome d ON d.id = w.outcome_id"
        " WHERE d.case_id IN (:ids) ORDER BY d.case_id, w.id"
    ):
        found[r["owner"]].wordings.append(r)
    meeting_case: dict[int, int] = {}
    for r in rows("SELECT * FROM meeting WHERE case_id IN (:ids) ORDER BY case_id, position"):
        found[r["case_id"]].meetings.append(r)
        meeting_case[r["id"]] = r["case_id"]
    if meeting_case:
        for r in rows(
            "SELECT a.meeting_id, a.attendee FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id"
            " WHERE m.case_id IN (:ids) ORDER BY a.meeting_id, a.rowid"
        ):
            found[meeting_case[r["meeting_id"]]].attendees.setdefault(r["meeting_id"], []).append(r["attendee"])
    for r in rows("SELECT * FROM feedback WHERE case_id IN (:ids) ORDER BY case_id, position"):
        found[r["case_id"]].feedback.append(r)
    for r in rows("SELECT case_id, risk_type FROM case_risk_type WHERE case_id IN (:ids) ORDER BY case_id, rowid"):
        found[r["case_id"]].risk_types.append(r["risk_type"])
    for r in rows("SELECT case_id, stage, response FROM case_response WHERE case_id IN (:ids) ORDER BY case_id, rowid"):
        found[r["case_id"]].responses.append((r["stage"], r["response"]))
    return found


def _record_from_rows(conn: sqlite3.Connection, row: dict[str, Any]) -> Case:
    return _record_from(row, _child_rows(conn, [row["id"]])[row["id"]])


def _records_from_rows(
    conn: sqlite3.Connection, case_rows: Iterable[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], Case]]:
    """(case row, its record) for each of CASE_ROWS, in their order, loaded CHUNK cases at a time."""
    rows = iter(case_rows)
    while chunk := list(islice(rows, CHUNK)):
        children = _child_rows(conn, list(dict.fromkeys(r["id"] for r in chunk)))
        for row in chunk:
            yield row, _record_from(row, children[row["id"]])


def _record_from(row: dict[str, Any], child: _ChildRows) -> Case:
    """The record of a case from its row (with its person's columns) and its child rows; no queries."""
    closures = child.closures
    current = next((c for c in closures if c["reopened_on"] is None), None)
    achieved: dict[int, dict[int, str]] = {}  # closure id -> outcome id -> achieved
    for closure_id, outcome_id, value in child.achieved:
        achieved.setdefault(closure_id, {})[outcome_id] = value
    sessions = child.sessions
    session_dates = {s["id"]: s["reviewed_on"] for s in sessions}
    outcome_rows = child.outcomes
    progress: dict[int, list[dict[str, Any]]] = {}
    wordings: dict[int, list[dict[str, Any]]] = {}
    for r in child.reviews:
        step = {"date": session_dates[r["review_id"]], **rowmap.from_row("progress", "outcome_review", r)}
        progress.setdefault(r["outcome_id"], []).append(_ordered("progress", step))
    for w in child.wordings:
        wordings.setdefault(w["outcome_id"], []).append(rowmap.from_row("wording", "desired_outcome_wording", w))
    current_achieved = achieved.get(current["id"], {}) if current else {}
    outcomes = []
    for o in outcome_rows:
        negotiated = rowmap.from_row("negotiated", "desired_outcome", o)
        parts = {
            **rowmap.from_row("outcome", "desired_outcome", o),
            "negotiated": negotiated if negotiated["text"] is not None else None,
            "achieved": current_achieved.get(o["id"]),
            "earlier_wordings": wordings.get(o["id"], []),
            "progress": progress.get(o["id"], []),
        }
        outcomes.append(_ordered("outcome", parts))
    meetings = []
    for m in child.meetings:
        attendees = child.attendees.get(m["id"], [])
        meetings.append(_ordered("meeting", {**rowmap.from_row("meeting", "meeting", m), "attendees": attendees}))
    feedback = [rowmap.from_row("feedback", "feedback", f) for f in child.feedback]
    earlier = []
    for closure in closures:
        if closure is current:
            continue
        answers = achieved.get(closure["id"], {})
        parts = {**rowmap.from_row("earlier_closure", "closure", closure),
                 "achieved": [answers.get(o["id"]) for o in outcome_rows]}  # fmt: skip
        earlier.append(_ordered("earlier_closure", parts))
    person = {column: row[alias] for column, alias in _person_aliases()}
    stage = "planned" if current is None else "used"
    parts = {
        **rowmap.from_row("case", "safeguarding_case", row),
        "person": rowmap.from_row("person", "person", person),
        "risk_types": list(child.risk_types),
        "consent": rowmap.none_if_empty(rowmap.from_row("consent", "safeguarding_case", row)),
        "capacity": rowmap.none_if_empty(rowmap.from_row("capacity", "safeguarding_case", row)),
        "advocacy": rowmap.none_if_empty(rowmap.from_row("advocacy", "safeguarding_case", row)),
        "desired_outcomes": outcomes,
        "reviews": [rowmap.from_row("review", "outcome_review_session", s) for s in sessions],
        "responses": [response for (of_stage, response) in child.responses if of_stage == stage],
        "meetings": meetings,
        "feedback": feedback,
        **rowmap.from_row("case", "closure", current or _NO_CLOSURE),
        "earlier_closures": earlier,
    }  # fmt: skip
    return cast(Case, _ordered("case", parts))


_NO_CLOSURE: dict[str, Any] = {c: None for c in rowmap.columns("case", "closure")}


def load_person(conn: sqlite3.Connection, ref: str) -> Person | None:
    row = next(dict_rows(conn.execute("SELECT * FROM person WHERE ref = ?", (ref,))), None)
    return None if row is None else cast(Person, rowmap.from_row("person", "person", row))


def earlier_cases(conn: sqlite3.Connection, person_ref: str) -> list[tuple[str, str | None, str | None]]:
    """(case_ref, concern received, concluded or None) for each case of this person, oldest first."""
    return conn.execute(
        "SELECT c.case_ref, c.concern_received, cl.concluded FROM safeguarding_case c"
        " JOIN person p ON p.id = c.person_id"
        " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
        " WHERE p.ref = ? ORDER BY c.concern_received, c.id",
        (person_ref,),
    ).fetchall()


def count_case_refs_with_prefix(conn: sqlite3.Connection, prefix: str) -> int:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    row = conn.execute(
        "SELECT count(*) FROM safeguarding_case WHERE case_ref LIKE ? ESCAPE '\\'", (escaped + "%",)
    ).fetchone()
    return int(row[0])


def load_history(conn: sqlite3.Connection, case_id: int) -> CaseHistory:
    reviews = [
        dict(r)
        for r in _rows(
            conn,
            (
                "SELECT id, reviewed_on, worker, note FROM outcome_review_session WHERE case_id = ?"
                " ORDER BY reviewed_on, id"
            ),
            (case_id,),
        )
    ]
    for review in reviews:
        review["outcomes"] = [
            dict(r)
            for r in _rows(
                conn,
                (
                    "SELECT d.position, r.progress, r.person_says, r.note FROM outcome_review r"
                    " JOIN desired_outcome d ON d.id = r.outcome_id WHERE r.review_id = ? ORDER BY d.position"
                ),
                (review["id"],),
            )
        ]
    closures = [
        dict(r)
        for r in _rows(
            conn,
            (
                "SELECT concluded, risk_assessment_outcome, risk_outcome, outcomes_achieved, note,"
                " reopened_on, reopen_reason FROM closure WHERE case_id = ? ORDER BY id"
            ),
            (case_id,),
        )
    ]
    wording = [
        dict(r)
        for r in _rows(
            conn,
            (
                "SELECT d.position, w.text, w.category, w.replaced_on FROM desired_outcome_wording w"
                " JOIN desired_outcome d ON d.id = w.outcome_id WHERE d.case_id = ? ORDER BY w.id"
            ),
            (case_id,),
        )
    ]
    corrections = [
        {"on": at[:10], "worker": worker, "changes": json.loads(changes)}
        for at, worker, changes in conn.execute(
            "SELECT a.at, a.worker, a.changes FROM audit_log a JOIN safeguarding_case c ON c.case_ref = a.row_key"
            " WHERE c.id = ? AND a.action = ? ORDER BY a.id",
            (case_id, CORRECTION),
        )
    ]
    source = conn.execute("SELECT file_name, imported_on FROM case_source WHERE case_id = ?", (case_id,)).fetchone()
    return CaseHistory(
        reviews=reviews,
        closures=closures,
        earlier_wording=wording,
        source=tuple(source) if source else None,
        corrections=corrections,
    )


def list_cases(
    conn: sqlite3.Connection,
    *,
    status: str = "all",
    worker: str | None = None,
    team: str | None = None,
    received_from: str | None = None,
    received_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """One summary row a case, newest concern first, filtered; the SQL of `msp case list`."""
    where, params = ["1 = 1"], []
    status_sql = {
        "open": "cl.id IS NULL AND c.draft_step IS NULL",
        "closed": "cl.id IS NOT NULL",
        "draft": "c.draft_step IS NOT NULL",
        "all": "1 = 1",
    }
    where.append(status_sql[status])
    for column, value in (("c.worker", worker), ("c.team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if received_from is not None:
        where.append("c.concern_received >= ?")
        params.append(received_from)
    if received_to is not None:
        where.append("c.concern_received <= ?")
        params.append(received_to)
    # fixed fragments only; every value is a parameter
    sql = (
        "SELECT c.case_ref, p.ref AS person_ref, c.concern_received, c.enquiry_type, c.worker, c.team,"  # noqa: S608
        " c.draft_step, cl.concluded,"
        " (SELECT count(*) FROM desired_outcome d WHERE d.case_id = c.id) AS desired_outcomes"
        " FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
        " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY c.concern_received DESC, c.id DESC LIMIT ? OFFSET ?"
    )
    return [dict(r) for r in _rows(conn, sql, (*params, limit, offset))]


# --- later in the enquiry: reviews, meetings, feedback, reopening ----------------------------


def add_review(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, review: dict[str, Any]) -> None:
    """Record a dated review; changed wording keeps the earlier words in desired_outcome_wording."""
    case_id, record = stored.case_id, stored.record
    session_id = conn.execute(
        "INSERT INTO outcome_review_session (case_id, reviewed_on, worker, note) VALUES (?, ?, ?, ?)",
        (case_id, review["date"], audit.actor.worker, review["note"]),
    ).lastrowid
    before = load_history(conn, case_id).latest_progress()
    changes: dict[str, list[Any]] = {"review.date": [None, review["date"]]}
    if review["note"]:
        changes["review.note"] = [None, review["note"]]
    ids = dict(conn.execute("SELECT position, id FROM desired_outcome WHERE case_id = ?", (case_id,)).fetchall())
    for position, item in enumerate(review["outcomes"], start=1):
        outcome_id, current = ids[position], record["desired_outcomes"][position - 1]
        text = item["text"] if item["text"] is not None else current["text"]
        category = item["category"] or current["category"]
        if (text, category) != (current["text"], current["category"]):
            conn.execute(
                "INSERT INTO desired_outcome_wording (outcome_id, text, category, replaced_on, review_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (outcome_id, current["text"], current["category"], review["date"], session_id),
            )
            conn.execute("UPDATE desired_outcome SET text = ?, category = ? WHERE id = ?", (text, category, outcome_id))
            changes.update(
                audit_mod.diff(
                    {"text": current["text"], "category": current["category"]},
                    {"text": text, "category": category},
                    prefix=f"desired_outcomes[{position - 1}]",
                )
            )
        conn.execute(
            "INSERT INTO outcome_review (review_id, outcome_id, progress, person_says, note) VALUES (?, ?, ?, ?, ?)",
            (session_id, outcome_id, item["progress"], item["person_says"], item["note"]),
        )
        changes[f"desired_outcomes[{position - 1}].progress"] = [before.get(position), item["progress"]]
        for key in ("person_says", "note"):
            if item[key]:
                changes[f"desired_outcomes[{position - 1}].{key}"] = [None, item[key]]
    if review["new_outcomes"]:
        from msp_cli.vocab import ASKED_AND_EXPRESSED

        if record["asked_about_outcomes"] != ASKED_AND_EXPRESSED:
            conn.execute(
                "UPDATE safeguarding_case SET asked_about_outcomes = ? WHERE id = ?", (ASKED_AND_EXPRESSED, case_id)
            )
            changes["asked_about_outcomes"] = [record["asked_about_outcomes"], ASKED_AND_EXPRESSED]
        start = len(record["desired_outcomes"])
        later = review["date"] if review["date"] > (record["concern_received"] or "") else None
        for position, outcome in enumerate(review["new_outcomes"], start=start + 1):
            row = {"case_id": case_id, "position": position, **outcome_row(outcome), "added": later}
            _insert(conn, "desired_outcome", row)
        changes.update(audit_mod.diff(None, {"desired_outcomes": [None] * start + review["new_outcomes"]}))
    audit.append("case.review", table="outcome_review_session", row_key=record["case_ref"], changes=changes)


def next_position(conn: sqlite3.Connection, table: str, case_id: int) -> int:
    assert table in ("meeting", "feedback")  # a fixed name, never user input
    sql = f"SELECT coalesce(max(position), 0) + 1 FROM {table} WHERE case_id = ?"  # noqa: S608
    return int(conn.execute(sql, (case_id,)).fetchone()[0])


def add_meeting(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, meeting: Meeting) -> None:
    position = next_position(conn, "meeting", stored.case_id)
    insert_meeting(conn, stored.case_id, position, meeting)
    changes = audit_mod.diff(None, {f"meetings[{position - 1}]": meeting})
    audit.append("meeting.add", table="meeting", row_key=stored.record["case_ref"], changes=changes)


def add_feedback(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, feedback: Feedback) -> None:
    position = next_position(conn, "feedback", stored.case_id)
    insert_feedback(conn, stored.case_id, position, feedback)
    changes = audit_mod.diff(None, {f"feedback[{position - 1}]": feedback})
    audit.append("feedback.add", table="feedback", row_key=stored.record["case_ref"], changes=changes)


def reopen(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
    """Reopen a closed case; its closure stays in history, marked with when and why."""
    record = stored.record
    reopen_current_closure(conn, stored.case_id, reason)
    # the responses used go back to being those planned, which were kept all along
    closure = {
        k: record[k]
        for k in ("concluded", "risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "closure_note")
    }
    changes = {key: [value, None] for key, value in closure.items() if value is not None}
    changes["reopen_reason"] = [None, reason]
    audit.append("case.reopen", table="closure", row_key=record["case_ref"], changes=changes)


def _case_filter(period: tuple[str, str] | None, team: str | None, worker: str | None) -> tuple[str, list[Any]]:
    where, params = ["c.draft_step IS NULL"], []
    if period is not None:
        where.append(
            "(c.concern_received BETWEEN ? AND ? OR EXISTS (SELECT 1 FROM closure x WHERE x.case_id = c.id"
            " AND x.reopened_on IS NULL AND x.concluded BETWEEN ? AND ?))"
        )
        params += [period[0], period[1], period[0], period[1]]
    for column, value in (("c.team", team), ("c.worker", worker)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(where), params


def count_cases_matching(
    conn: sqlite3.Connection, *, period: tuple[str, str] | None, team: str | None, worker: str | None
) -> int:
    where, params = _case_filter(period, team, worker)
    return int(conn.execute(f"SELECT count(*) FROM safeguarding_case c WHERE {where}", params).fetchone()[0])  # noqa: S608


def iter_people_in_groups(
    conn: sqlite3.Connection, *, period: tuple[str, str] | None, team: str | None, worker: str | None
) -> Iterator[tuple[int, str | None, str | None, str | None, str | None, str | None]]:
    """(person id, age band, sex, ethnicity, primary support reason, team) once for each person and team
    among the finished cases matching, in person order."""
    where, params = _case_filter(period, team, worker)
    sql = (
        "SELECT DISTINCT p.id, p.age_band, p.sex, p.ethnicity, p.primary_support_reason, c.team"  # noqa: S608
        f" FROM safeguarding_case c JOIN person p ON p.id = c.person_id WHERE {where} ORDER BY p.id"
    )
    yield from streamed(conn, sql, params)


def recorded_names(conn: sqlite3.Connection) -> Iterator[str]:
    """Every name of a person or worker held anywhere in the database, each once."""
    sql = (
        "SELECT name FROM person WHERE name IS NOT NULL"
        " UNION SELECT worker FROM safeguarding_case WHERE worker IS NOT NULL"
        " UNION SELECT worker FROM outcome_review_session WHERE worker IS NOT NULL"
        " UNION SELECT worker FROM audit_log WHERE worker IS NOT NULL"
        " UNION SELECT value FROM settings WHERE key = 'worker'"
    )
    for (name,) in streamed(conn, sql):
        yield str(name)


def iter_cases(
    conn: sqlite3.Connection,
    *,
    period: tuple[str, str] | None = None,
    team: str | None = None,
    worker: str | None = None,
) -> Iterator[StoredCase]:
    """Every finished case (not wizard drafts), oldest first: concern received or concluded in PERIOD."""
    where, params = _case_filter(period, team, worker)
    sql = _case_with_person(f"{where} ORDER BY c.id")
    for row, record in _records_from_rows(conn, dict_rows(streamed(conn, sql, params))):
        yield StoredCase(case_id=row["id"], record=record, draft_step=None)


def load_cases_by_id(conn: sqlite3.Connection, case_ids: Iterable[int]) -> Iterator[StoredCase]:
    """The stored case of each of CASE_IDS, in their order, CHUNK at a time; ids with no case are skipped."""
    wanted = iter(case_ids)
    while chunk := list(islice(wanted, CHUNK)):
        marks = ", ".join("?" for _ in chunk)
        sql = _case_with_person(f"c.id IN ({marks})")
        by_id = {row["id"]: row for row in _rows(conn, sql, tuple(chunk))}
        found = [by_id[case_id] for case_id in chunk if case_id in by_id]
        for row, record in _records_from_rows(conn, found):
            yield StoredCase(case_id=row["id"], record=record, draft_step=row["draft_step"])


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    assert table in ("person", "safeguarding_case")  # a fixed name, never user input
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def count_drafts(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM safeguarding_case WHERE draft_step IS NOT NULL").fetchone()[0])


def discard_draft(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
    """Remove an unfinished case and its rows (and its person, if no other case has them); audited."""
    case_id = stored.case_id
    outcomes = "SELECT id FROM desired_outcome WHERE case_id = ?"
    for table in ("closure_outcome", "desired_outcome_wording", "outcome_review"):
        conn.execute(f"DELETE FROM {table} WHERE outcome_id IN ({outcomes})", (case_id,))  # noqa: S608 (our names)
    person_id = conn.execute("SELECT person_id FROM safeguarding_case WHERE id = ?", (case_id,)).fetchone()[0]
    conn.execute("DELETE FROM safeguarding_case WHERE id = ?", (case_id,))  # the rest cascades
    if conn.execute("SELECT 1 FROM safeguarding_case WHERE person_id = ? LIMIT 1", (person_id,)).fetchone() is None:
        conn.execute("DELETE FROM person WHERE id = ?", (person_id,))
    changes = {"draft_step": [stored.draft_step, None], "reason": [None, reason]}
    audit.append("case.discard", table=CASE_TABLE, row_key=stored.record["case_ref"], changes=changes)
