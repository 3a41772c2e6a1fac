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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from msp_cli.errors import MspError
from msp_cli.model import Record
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite.audit import AuditWriter
from msp_cli.storage.sqlite.rows import dict_rows

CASE_TABLE = "safeguarding_case"
CORRECTION = "case.correct"  # the audit action of `msp case edit`


# every table that holds case data (not settings or the audit trail)
CASE_TABLES = (
    "person", "safeguarding_case", "case_risk_type", "case_response", "desired_outcome", "desired_outcome_wording",
    "meeting", "meeting_attendee", "feedback", "closure", "closure_outcome", "outcome_review_session",
    "outcome_review",
)  # fmt: skip


@dataclass(frozen=True)
class StoredCase:
    case_id: int
    record: Record
    draft_step: int | None


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def as_int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def case_id_for(conn: sqlite3.Connection, case_ref: str) -> int | None:
    row = conn.execute("SELECT id FROM safeguarding_case WHERE case_ref = ?", (case_ref,)).fetchone()
    return None if row is None else int(row[0])


def save_case(
    conn: sqlite3.Connection,
    audit: AuditWriter,
    record: Record,
    *,
    draft_step: int | None = None,
    action: str | None = None,
    correction: str | None = None,
) -> str:
    """Store RECORD (already validated); return 'created', 'updated' or 'unchanged'.

    A CORRECTION (its reason) puts right what was recorded wrongly: changed words are not
    kept as the person's earlier wording, a changed closure date is not a new closure, and
    the reason goes in the audit entry beside the old and new values.
    """
    record = _with_known_person(conn, record)
    existing = load_case(conn, record["case_ref"])
    if existing is not None and existing.record == record and existing.draft_step == draft_step:
        return "unchanged"
    person_id = _save_person(conn, record["person"])
    columns = case_columns(record, person_id, draft_step)
    if existing is None:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        insert = f"INSERT INTO safeguarding_case ({names}) VALUES ({marks})"  # noqa: S608 (our columns)
        cursor = conn.execute(insert, tuple(columns.values()))
        case_id = int(cursor.lastrowid or 0)
    else:
        case_id = existing.case_id
        sets = ", ".join(f"{name} = ?" for name in columns)
        update = f"UPDATE safeguarding_case SET {sets} WHERE id = ?"  # noqa: S608 (our columns)
        conn.execute(update, (*columns.values(), case_id))
    _save_children(conn, case_id, record, existing.record if existing else None, correcting=correction is not None)
    changes = audit_mod.diff(existing.record if existing else None, record)
    if correction is not None:
        changes["reason"] = [None, correction]
    if existing is not None and existing.draft_step != draft_step:
        changes["draft_step"] = [existing.draft_step, draft_step]
    verb, default_action = ("created", "case.create") if existing is None else ("updated", "case.update")
    audit.append(action or default_action, table=CASE_TABLE, row_key=record["case_ref"], changes=changes)
    return verb


def _with_known_person(conn: sqlite3.Connection, record: Record) -> Record:
    """Fill what a record leaves blank about a known person from what is stored.

    A later case that gives only the person's reference must not erase their details.
    """
    known = load_person(conn, record["person"]["ref"])
    if known is None:
        return record
    person = {key: value if value is not None else known[key] for key, value in record["person"].items()}
    return record if person == record["person"] else {**record, "person": person}


def _save_person(conn: sqlite3.Connection, person: dict[str, Any]) -> int:
    values = (
        person["name"],
        person["age_band"],
        person["sex"],
        person["ethnicity"],
        person["primary_support_reason"],
    )
    row = conn.execute(
        "SELECT id, name, age_band, sex, ethnicity, primary_support_reason FROM person WHERE ref = ?",
        (person["ref"],),
    ).fetchone()
    if row is None:
        cursor = conn.execute(
            "INSERT INTO person (ref, name, age_band, sex, ethnicity, primary_support_reason)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (person["ref"], *values),
        )
        return int(cursor.lastrowid or 0)
    if tuple(row[1:]) != values:
        conn.execute(
            "UPDATE person SET name = ?, age_band = ?, sex = ?, ethnicity = ?, primary_support_reason = ? WHERE id = ?",
            (*values, row[0]),
        )
    return int(row[0])


def case_columns(record: Record, person_id: int, draft_step: int | None) -> dict[str, Any]:
    consent = record["consent"] or {}
    capacity = record["capacity"] or {}
    advocacy = record["advocacy"] or {}
    return {
        "case_ref": record["case_ref"],
        "person_id": person_id,
        "worker": record["worker"],
        "team": record["team"],
        "draft_step": draft_step,
        "concern_received": record["concern_received"],
        "enquiry_type": record["enquiry_type"],
        "enquiry_started": record["enquiry_started"],
        "location_of_risk": record["location_of_risk"],
        "source_of_risk": record["source_of_risk"],
        "consent_sought": as_int(consent.get("sought")),
        "consent_given": as_int(consent.get("given")),
        "consent_override_reason": consent.get("proceeded_without_consent_reason"),
        "consent_note": consent.get("note"),
        "lacked_capacity": capacity.get("lacked_capacity"),
        "capacity_support": capacity.get("support"),
        "best_interests_note": capacity.get("best_interests_note"),
        "advocacy_offered": advocacy.get("offered"),
        "advocacy_started": advocacy.get("started"),
        "advocacy_type": advocacy.get("type"),
        "asked_about_outcomes": record["asked_about_outcomes"],
    }


def _save_children(
    conn: sqlite3.Connection, case_id: int, record: Record, old: Record | None, *, correcting: bool = False
) -> None:
    if old is None or old["risk_types"] != record["risk_types"]:
        conn.execute("DELETE FROM case_risk_type WHERE case_id = ?", (case_id,))
        conn.executemany(
            "INSERT INTO case_risk_type (case_id, risk_type) VALUES (?, ?)",
            [(case_id, r) for r in record["risk_types"]],
        )
    stage = response_stage(record)
    if old is None or old["responses"] != record["responses"] or response_stage(old) != stage:
        conn.execute("DELETE FROM case_response WHERE case_id = ? AND stage = ?", (case_id, stage))
        conn.executemany(
            "INSERT INTO case_response (case_id, stage, response) VALUES (?, ?, ?)",
            [(case_id, stage, r) for r in record["responses"]],
        )
    outcome_ids = _save_outcomes(conn, case_id, record["desired_outcomes"], keep_wording=not correcting)
    if old is None or old["meetings"] != record["meetings"]:
        _replace_meetings(conn, case_id, record["meetings"])
    if old is None or old["feedback"] != record["feedback"]:
        _replace_feedback(conn, case_id, record["feedback"])
    _save_closure(conn, case_id, record, outcome_ids, keep_history=not correcting)


def response_stage(record: Record) -> str:
    """The interchange `responses` are those planned while open, those used once concluded."""
    return "planned" if record["concluded"] is None else "used"


def _save_outcomes(
    conn: sqlite3.Connection, case_id: int, outcomes: list[dict[str, Any]], *, keep_wording: bool = True
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
        if position not in existing:
            ids.append(_insert_outcome(conn, case_id, position, o))
            continue
        outcome_id, old_text, old_category = existing[position]
        if keep_wording and (old_text, old_category) != (o["text"], o["category"]):
            conn.execute(
                "INSERT INTO desired_outcome_wording (outcome_id, text, category, replaced_on) VALUES (?, ?, ?, ?)",
                (outcome_id, old_text, old_category, dt.date.today().isoformat()),
            )
        conn.execute(
            "UPDATE desired_outcome SET text = ?, category = ?, expressed_by = ?,"
            " negotiated_text = ?, negotiated_reason = ?, negotiated_note = ? WHERE id = ?",
            (*outcome_values(o), outcome_id),
        )
        ids.append(outcome_id)
    for position, (outcome_id, _, _) in existing.items():
        if position > len(outcomes):
            _delete_outcome(conn, outcome_id)
    return ids


def outcome_values(o: dict[str, Any]) -> tuple[Any, ...]:
    negotiated = o["negotiated"] or {}
    return (
        o["text"],
        o["category"],
        o["expressed_by"],
        negotiated.get("text"),
        negotiated.get("reason"),
        negotiated.get("note"),
    )


def _insert_outcome(conn: sqlite3.Connection, case_id: int, position: int, o: dict[str, Any]) -> int:
    cursor = conn.execute(
        "INSERT INTO desired_outcome (case_id, position, text, category, expressed_by,"
        " negotiated_text, negotiated_reason, negotiated_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, position, *outcome_values(o)),
    )
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


def _replace_meetings(conn: sqlite3.Connection, case_id: int, meetings: list[dict[str, Any]]) -> None:
    conn.execute("DELETE FROM meeting WHERE case_id = ?", (case_id,))
    for position, m in enumerate(meetings, start=1):
        insert_meeting(conn, case_id, position, m)


MEETING_COLUMNS = "held_on, kind, location, location_chosen_by_person, person_prepared, minutes_spent, summary"
FEEDBACK_COLUMNS = "given_on, given_by, felt_listened_to, felt_involved, feels_safer, outcomes_met, note"


def meeting_values(m: dict[str, Any]) -> tuple[Any, ...]:
    """A meeting's values in the order of MEETING_COLUMNS."""
    return (m["date"], m["kind"], m["location"], as_int(m["location_chosen_by_person"]),
            as_int(m["person_prepared"]), m["minutes_spent"], m["summary"])  # fmt: skip


def feedback_values(f: dict[str, Any]) -> tuple[Any, ...]:
    """A feedback's values in the order of FEEDBACK_COLUMNS (also the order of the interchange object)."""
    return tuple(f[k] for k in ("date", "given_by", "felt_listened_to", "felt_involved", "feels_safer",
                                "outcomes_met", "note"))  # fmt: skip


def insert_meeting(conn: sqlite3.Connection, case_id: int, position: int, m: dict[str, Any]) -> None:
    cursor = conn.execute(
        f"INSERT INTO meeting (case_id, position, {MEETING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (case_id, position, *meeting_values(m)),
    )
    conn.executemany(
        "INSERT INTO meeting_attendee (meeting_id, attendee) VALUES (?, ?)",
        [(cursor.lastrowid, a) for a in m["attendees"]],
    )


def _replace_feedback(conn: sqlite3.Connection, case_id: int, feedback: list[dict[str, Any]]) -> None:
    conn.execute("DELETE FROM feedback WHERE case_id = ?", (case_id,))
    for position, f in enumerate(feedback, start=1):
        insert_feedback(conn, case_id, position, f)


def insert_feedback(conn: sqlite3.Connection, case_id: int, position: int, f: dict[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO feedback (case_id, position, {FEEDBACK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (case_id, position, *feedback_values(f)),
    )


def _save_closure(
    conn: sqlite3.Connection, case_id: int, record: Record, outcome_ids: list[int], *, keep_history: bool = True
) -> None:
    """The current closure; a new concluded date (KEEP_HISTORY) keeps the earlier closure, reopened."""
    current = conn.execute(
        "SELECT id, concluded, risk_assessment_outcome, risk_outcome, outcomes_achieved, note"
        " FROM closure WHERE case_id = ? AND reopened_on IS NULL",
        (case_id,),
    ).fetchone()
    if record["concluded"] is None:
        if current is not None:
            reopen_current_closure(conn, case_id, "the case was saved as open again")
        return
    values = (
        record["concluded"],
        record["risk_assessment_outcome"],
        record["risk_outcome"],
        record["outcomes_achieved"],
        record["closure_note"],
    )
    if current is not None and keep_history and current[1] != record["concluded"]:
        reopen_current_closure(conn, case_id, REPLACED_CLOSURE)
        current = None
    if current is None:
        closure_id = int(
            conn.execute(
                "INSERT INTO closure (case_id, concluded, risk_assessment_outcome, risk_outcome,"
                " outcomes_achieved, note) VALUES (?, ?, ?, ?, ?, ?)",
                (case_id, *values),
            ).lastrowid
            or 0
        )
    else:
        closure_id = int(current[0])
        if tuple(current[1:]) != values:
            conn.execute(
                "UPDATE closure SET concluded = ?, risk_assessment_outcome = ?, risk_outcome = ?,"
                " outcomes_achieved = ?, note = ? WHERE id = ?",
                (*values, closure_id),
            )
        conn.execute("DELETE FROM closure_outcome WHERE closure_id = ?", (closure_id,))
    conn.executemany(
        "INSERT INTO closure_outcome (closure_id, outcome_id, achieved) VALUES (?, ?, ?)",
        [
            (closure_id, outcome_id, o["achieved"])
            for outcome_id, o in zip(outcome_ids, record["desired_outcomes"], strict=True)
            if o["achieved"] is not None
        ],
    )


REPLACED_CLOSURE = "closed again with another concluded date (import --update)"


def last_reopened_on(conn: sqlite3.Connection, case_id: int) -> str | None:
    """When the case was last reopened (a closure after it cannot be dated before it), or None."""
    row = conn.execute("SELECT MAX(reopened_on) FROM closure WHERE case_id = ?", (case_id,)).fetchone()
    return None if row is None else row[0]


def reopen_current_closure(conn: sqlite3.Connection, case_id: int, reason: str) -> bool:
    """Mark the current closure reopened (it stays in history); False if the case was open."""
    cursor = conn.execute(
        "UPDATE closure SET reopened_on = ?, reopen_reason = ? WHERE case_id = ? AND reopened_on IS NULL",
        (dt.date.today().isoformat(), reason, case_id),
    )
    return cursor.rowcount > 0


# --- reading -------------------------------------------------------------------------------


def load_case(conn: sqlite3.Connection, case_ref: str) -> StoredCase | None:
    """The stored case in interchange shape, or None if there is no such case_ref."""
    cursor = conn.execute(
        "SELECT c.*, p.ref AS person_ref, p.name AS person_name, p.age_band, p.sex, p.ethnicity,"
        " p.primary_support_reason FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
        " WHERE c.case_ref = ?",
        (case_ref,),
    )
    row = next(dict_rows(cursor), None)
    if row is None:
        return None
    return StoredCase(case_id=row["id"], record=_record_from_rows(conn, row), draft_step=row["draft_step"])


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    yield from dict_rows(conn.execute(sql, params))


def _none_if_empty(d: dict[str, Any]) -> dict[str, Any] | None:
    return None if all(v is None for v in d.values()) else d


def _record_from_rows(conn: sqlite3.Connection, row: dict[str, Any]) -> Record:
    case_id = row["id"]
    closure = conn.execute(
        "SELECT id, concluded, risk_assessment_outcome, risk_outcome, outcomes_achieved, note"
        " FROM closure WHERE case_id = ? AND reopened_on IS NULL",
        (case_id,),
    ).fetchone()
    achieved: dict[int, str] = {}
    if closure is not None:
        achieved = dict(
            conn.execute(
                "SELECT outcome_id, achieved FROM closure_outcome WHERE closure_id = ?", (closure[0],)
            ).fetchall()
        )
    outcomes = []
    for o in _rows(conn, "SELECT * FROM desired_outcome WHERE case_id = ? ORDER BY position", (case_id,)):
        negotiated = None
        if o["negotiated_text"] is not None:
            negotiated = {
                "text": o["negotiated_text"],
                "reason": o["negotiated_reason"],
                "note": o["negotiated_note"],
            }
        outcomes.append(
            {
                "text": o["text"],
                "category": o["category"],
                "expressed_by": o["expressed_by"],
                "negotiated": negotiated,
                "achieved": achieved.get(o["id"]),
            }
        )
    meetings = []
    for m in _rows(conn, "SELECT * FROM meeting WHERE case_id = ? ORDER BY position", (case_id,)):
        attendees = [
            a
            for (a,) in conn.execute(
                "SELECT attendee FROM meeting_attendee WHERE meeting_id = ? ORDER BY rowid", (m["id"],)
            )
        ]
        meetings.append(
            {
                "date": m["held_on"],
                "kind": m["kind"],
                "location": m["location"],
                "location_chosen_by_person": _bool(m["location_chosen_by_person"]),
                "attendees": attendees,
                "person_prepared": _bool(m["person_prepared"]),
                "minutes_spent": m["minutes_spent"],
                "summary": m["summary"],
            }
        )
    feedback = [
        {
            "date": f["given_on"],
            "given_by": f["given_by"],
            "felt_listened_to": f["felt_listened_to"],
            "felt_involved": f["felt_involved"],
            "feels_safer": f["feels_safer"],
            "outcomes_met": f["outcomes_met"],
            "note": f["note"],
        }
        for f in _rows(conn, "SELECT * FROM feedback WHERE case_id = ? ORDER BY position", (case_id,))
    ]
    stage = "planned" if closure is None else "used"
    record: Record = {
        "case_ref": row["case_ref"],
        "person": {
            "ref": row["person_ref"],
            "name": row["person_name"],
            "age_band": row["age_band"],
            "sex": row["sex"],
            "ethnicity": row["ethnicity"],
            "primary_support_reason": row["primary_support_reason"],
        },
        "worker": row["worker"],
        "team": row["team"],
        "concern_received": row["concern_received"],
        "enquiry_type": row["enquiry_type"],
        "enquiry_started": row["enquiry_started"],
        "risk_types": [
            r
            for (r,) in conn.execute(
                "SELECT risk_type FROM case_risk_type WHERE case_id = ? ORDER BY rowid", (case_id,)
            )
        ],
        "location_of_risk": row["location_of_risk"],
        "source_of_risk": row["source_of_risk"],
        "consent": _none_if_empty(
            {
                "sought": _bool(row["consent_sought"]),
                "given": _bool(row["consent_given"]),
                "proceeded_without_consent_reason": row["consent_override_reason"],
                "note": row["consent_note"],
            }
        ),
        "capacity": _none_if_empty(
            {
                "lacked_capacity": row["lacked_capacity"],
                "support": row["capacity_support"],
                "best_interests_note": row["best_interests_note"],
            }
        ),
        "advocacy": _none_if_empty(
            {
                "offered": row["advocacy_offered"],
                "started": row["advocacy_started"],
                "type": row["advocacy_type"],
            }
        ),
        "asked_about_outcomes": row["asked_about_outcomes"],
        "desired_outcomes": outcomes,
        "responses": [
            r
            for (r,) in conn.execute(
                "SELECT response FROM case_response WHERE case_id = ? AND stage = ? ORDER BY rowid",
                (case_id, stage),
            )
        ],
        "meetings": meetings,
        "feedback": feedback,
        "concluded": closure[1] if closure else None,
        "risk_assessment_outcome": closure[2] if closure else None,
        "risk_outcome": closure[3] if closure else None,
        "outcomes_achieved": closure[4] if closure else None,
        "closure_note": closure[5] if closure else None,
    }
    return record


def load_person(conn: sqlite3.Connection, ref: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT ref, name, age_band, sex, ethnicity, primary_support_reason FROM person WHERE ref = ?", (ref,)
    ).fetchone()
    if row is None:
        return None
    keys = ("ref", "name", "age_band", "sex", "ethnicity", "primary_support_reason")
    return dict(zip(keys, row, strict=True))


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


@dataclass(frozen=True)
class CaseHistory:
    """What a case has been through beyond its current record: reviews, closures, rewordings."""

    reviews: list[dict[str, Any]]
    closures: list[dict[str, Any]]
    earlier_wording: list[dict[str, Any]]
    corrections: list[dict[str, Any]] = field(default_factory=list)  # audit entries of `msp case edit`


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
    return CaseHistory(reviews=reviews, closures=closures, earlier_wording=wording, corrections=corrections)


def latest_progress(history: CaseHistory) -> dict[int, str]:
    """Each desired outcome's progress at its latest review, by position."""
    progress: dict[int, str] = {}
    for review in history.reviews:
        for item in review["outcomes"]:
            progress[item["position"]] = item["progress"]
    return progress


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
    before = latest_progress(load_history(conn, case_id))
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
        for position, outcome in enumerate(review["new_outcomes"], start=start + 1):
            _insert_outcome(conn, case_id, position, outcome)
        changes.update(audit_mod.diff(None, {"desired_outcomes": [None] * start + review["new_outcomes"]}))
    audit.append("case.review", table="outcome_review_session", row_key=record["case_ref"], changes=changes)


def next_position(conn: sqlite3.Connection, table: str, case_id: int) -> int:
    assert table in ("meeting", "feedback")  # a fixed name, never user input
    sql = f"SELECT coalesce(max(position), 0) + 1 FROM {table} WHERE case_id = ?"  # noqa: S608
    return int(conn.execute(sql, (case_id,)).fetchone()[0])


def add_meeting(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, meeting: dict[str, Any]) -> None:
    position = next_position(conn, "meeting", stored.case_id)
    insert_meeting(conn, stored.case_id, position, meeting)
    changes = audit_mod.diff(None, {f"meetings[{position - 1}]": meeting})
    audit.append("meeting.add", table="meeting", row_key=stored.record["case_ref"], changes=changes)


def add_feedback(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, feedback: dict[str, Any]) -> None:
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


PERSON_COLUMNS = ("ref", "name", "age_band", "sex", "ethnicity", "primary_support_reason")


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


def iter_case_ids(
    conn: sqlite3.Connection,
    *,
    period: tuple[str, str] | None = None,
    team: str | None = None,
    worker: str | None = None,
) -> Iterator[int]:
    where, params = _case_filter(period, team, worker)
    for (case_id,) in conn.execute(f"SELECT c.id FROM safeguarding_case c WHERE {where}", params):  # noqa: S608
        yield int(case_id)


def iter_cases(
    conn: sqlite3.Connection,
    *,
    period: tuple[str, str] | None = None,
    team: str | None = None,
    worker: str | None = None,
) -> Iterator[StoredCase]:
    """Every finished case (not wizard drafts), oldest first: concern received or concluded in PERIOD."""
    where, params = _case_filter(period, team, worker)
    sql = (
        "SELECT c.*, p.ref AS person_ref, p.name AS person_name, p.age_band, p.sex, p.ethnicity,"  # noqa: S608
        " p.primary_support_reason FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
        f" WHERE {where} ORDER BY c.id"  # fixed fragments; every value is a parameter
    )
    for row in _rows(conn, sql, tuple(params)):
        yield StoredCase(case_id=row["id"], record=_record_from_rows(conn, row), draft_step=None)


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    assert table in ("person", "safeguarding_case")  # a fixed name, never user input
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def count_drafts(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM safeguarding_case WHERE draft_step IS NOT NULL").fetchone()[0])


def discard_draft(conn: sqlite3.Connection, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
    """Remove an unfinished case and its rows (and its person, if no other case has them); audited."""
    case_id = stored.case_id
    outcomes = "SELECT id FROM desired_outcome WHERE case_id = ?"
    conn.execute(f"DELETE FROM closure_outcome WHERE outcome_id IN ({outcomes})", (case_id,))  # noqa: S608
    conn.execute(f"DELETE FROM desired_outcome_wording WHERE outcome_id IN ({outcomes})", (case_id,))  # noqa: S608
    conn.execute(
        f"DELETE FROM outcome_review WHERE outcome_id IN ({outcomes})",  # noqa: S608 (our query)
        (case_id,),
    )
    person_id = conn.execute("SELECT person_id FROM safeguarding_case WHERE id = ?", (case_id,)).fetchone()[0]
    conn.execute("DELETE FROM safeguarding_case WHERE id = ?", (case_id,))  # the rest cascades
    if conn.execute("SELECT 1 FROM safeguarding_case WHERE person_id = ? LIMIT 1", (person_id,)).fetchone() is None:
        conn.execute("DELETE FROM person WHERE id = ?", (person_id,))
    changes = {"draft_step": [stored.draft_step, None], "reason": [None, reason]}
    audit.append("case.discard", table=CASE_TABLE, row_key=stored.record["case_ref"], changes=changes)
