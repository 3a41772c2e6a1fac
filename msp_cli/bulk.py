"""Many new cases at once (import, demo): ids assigned here, rows sent in batches.

The one-case writer (case_store.save_case) reads each case back to compare; a bulk load of
new cases needs none of that, and batching the inserts makes 100,000 cases a matter of
seconds. It writes the same rows, each case with its own audit entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from msp_cli import audit as audit_mod
from msp_cli.audit import AuditWriter
from msp_cli.case_store import (
    FEEDBACK_COLUMNS,
    MEETING_COLUMNS,
    PERSON_COLUMNS,
    case_columns,
    feedback_values,
    meeting_values,
    outcome_values,
    response_stage,
)
from msp_cli.model import Record


class BulkWriter:
    """Adds many new cases fast (import, demo): ids are assigned here, rows go in batches.

    Only for case_refs that are not stored yet; the caller holds the transaction, so a
    failure part-way leaves nothing behind. Each case still gets its own audit entry.
    """

    TABLES = (
        ("person", "id, ref, name, age_band, sex, ethnicity, primary_support_reason"),
        ("safeguarding_case", None),
        ("case_risk_type", "case_id, risk_type"),
        ("case_response", "case_id, stage, response"),
        (
            "desired_outcome",
            "id, case_id, position, text, category, expressed_by, negotiated_text, negotiated_reason, negotiated_note",
        ),
        ("meeting", f"id, case_id, position, {MEETING_COLUMNS}"),
        ("meeting_attendee", "meeting_id, attendee"),
        ("feedback", f"case_id, position, {FEEDBACK_COLUMNS}"),
        ("closure", "id, case_id, concluded, risk_assessment_outcome, risk_outcome, outcomes_achieved, note"),
        ("closure_outcome", "closure_id, outcome_id, achieved"),
        ("outcome_review_session", "id, case_id, reviewed_on, worker, note"),
        ("outcome_review", "review_id, outcome_id, progress, person_says, note"),
        ("case_source", "case_id, file_name, imported_on"),
    )

    def __init__(
        self,
        conn: sqlite3.Connection,
        audit: AuditWriter,
        *,
        action: str,
        batch: int = 2000,
        source: tuple[str, str] | None = None,
    ) -> None:
        """SOURCE (extract file name, date imported) marks every case added (`msp import --map`)."""
        self.conn, self.audit, self.action, self.batch, self.source = conn, audit, action, batch, source
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table, _ in self.TABLES}
        self.case_columns: tuple[str, ...] = ()
        self.people: dict[str, tuple[int, dict[str, Any]]] = {}
        self.next_id = {
            t: int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]) + 1  # noqa: S608 (fixed names)
            for t in ("person", "safeguarding_case", "desired_outcome", "meeting", "closure", "outcome_review_session")
        }
        self.pending = 0

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _person_id(self, person: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ref = person["ref"]
        if ref not in self.people:  # not in this batch: stored already, or new
            row = self.conn.execute(
                "SELECT id, ref, name, age_band, sex, ethnicity, primary_support_reason FROM person WHERE ref = ?",
                (ref,),
            ).fetchone()
            if row is None:
                person_id = self._id("person")
                self.rows["person"].append((person_id, *(person[k] for k in PERSON_COLUMNS)))
                self.people[ref] = (person_id, person)
                return self.people[ref]
            self.people[ref] = (int(row[0]), dict(zip(PERSON_COLUMNS, row[1:], strict=True)))
        person_id, known = self.people[ref]
        merged = {k: person[k] if person[k] is not None else known[k] for k in person}
        if merged != known:  # later details of a known person: rare, so written at once
            self.flush()
            self.conn.execute(
                "UPDATE person SET name = ?, age_band = ?, sex = ?, ethnicity = ?, primary_support_reason = ?"
                " WHERE id = ?",
                (*(merged[k] for k in PERSON_COLUMNS[1:]), person_id),
            )
            self.people[ref] = (person_id, merged)
        return person_id, merged

    def add(self, record: Record, reviews: Sequence[dict[str, Any]] = ()) -> None:
        person_id, person = self._person_id(record["person"])
        if person != record["person"]:
            record = {**record, "person": person}
        case_id = self._id("safeguarding_case")
        columns = case_columns(record, person_id, None)
        self.case_columns = tuple(columns)
        self.rows["safeguarding_case"].append((case_id, *columns.values()))
        self.rows["case_risk_type"].extend((case_id, r) for r in record["risk_types"])
        stage = response_stage(record)
        self.rows["case_response"].extend((case_id, stage, r) for r in record["responses"])
        outcome_ids = []
        for position, o in enumerate(record["desired_outcomes"], start=1):
            outcome_ids.append(self._id("desired_outcome"))
            self.rows["desired_outcome"].append((outcome_ids[-1], case_id, position, *outcome_values(o)))
        for position, m in enumerate(record["meetings"], start=1):
            meeting_id = self._id("meeting")
            self.rows["meeting"].append((meeting_id, case_id, position, *meeting_values(m)))
            self.rows["meeting_attendee"].extend((meeting_id, a) for a in m["attendees"])
        for position, f in enumerate(record["feedback"], start=1):
            self.rows["feedback"].append((case_id, position, *feedback_values(f)))
        if record["concluded"] is not None:
            closure_id = self._id("closure")
            self.rows["closure"].append(
                (
                    closure_id,
                    case_id,
                    record["concluded"],
                    record["risk_assessment_outcome"],
                    record["risk_outcome"],
                    record["outcomes_achieved"],
                    record["closure_note"],
                )
            )
            self.rows["closure_outcome"].extend(
                (closure_id, oid, o["achieved"])
                for oid, o in zip(outcome_ids, record["desired_outcomes"], strict=True)
                if o["achieved"] is not None
            )
        for review in reviews:
            session_id = self._id("outcome_review_session")
            self.rows["outcome_review_session"].append(
                (session_id, case_id, review["date"], record["worker"], review["note"])
            )
            self.rows["outcome_review"].extend(
                (session_id, oid, item["progress"], item["person_says"], item["note"])
                for oid, item in zip(outcome_ids, review["outcomes"], strict=False)
            )
        changes = audit_mod.created(record)
        if self.source is not None:  # first, so `msp history` shows where the case came from
            self.rows["case_source"].append((case_id, *self.source))
            changes = {"source": [None, {"file": self.source[0], "imported_on": self.source[1]}], **changes}
        if reviews:
            changes["reviews"] = [None, len(reviews)]
        self.audit.append(
            self.action, table="safeguarding_case", row_key=record["case_ref"], changes=changes, defer=True
        )
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        for table, columns in self.TABLES:
            rows = self.rows[table]
            if not rows:
                continue
            names = columns or "id, " + ", ".join(self.case_columns)
            marks = ", ".join("?" for _ in rows[0])
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 (fixed names)
            rows.clear()
        self.audit.flush()
        self.pending = 0
        self.people.clear()  # what is flushed is found in the database: memory stays flat
