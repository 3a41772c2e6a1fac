"""New cases (import, demo, and each new case saved): ids assigned here, rows sent in batches.

This is the one writer of a new case's rows. Changing a stored case (case_store.save_case)
reads it back to compare; a new case needs none of that, and batching the inserts makes
100,000 cases a matter of seconds. Each case gets its own audit entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from msp_cli.record import Case, Person
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import rowmap
from msp_cli.storage.sqlite.audit import AuditWriter
from msp_cli.storage.sqlite.case_store import (
    case_columns,
    closure_row,
    load_person,
    merge_person,
    outcome_row,
    response_stage,
)


class BulkWriter:
    """Adds new cases (import, demo, and each new case saved): ids are assigned here, rows go in batches.

    Only for case_refs that are not stored yet; the caller holds the transaction, so a
    failure part-way leaves nothing behind. Each case still gets its own audit entry. Rows
    come from the field table's column maps, the same the single-case writer uses.
    """

    # parents before children, so foreign keys hold at every flush
    TABLES = (
        "person", "safeguarding_case", "case_risk_type", "case_response", "desired_outcome", "meeting",
        "meeting_attendee", "feedback", "closure", "closure_outcome", "outcome_review_session", "outcome_review",
        "desired_outcome_wording", "case_source",
    )  # fmt: skip
    WITH_IDS = ("person", "safeguarding_case", "desired_outcome", "meeting", "closure", "outcome_review_session")

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
        self.rows: dict[str, list[dict[str, Any]]] = {table: [] for table in self.TABLES}
        self.people: dict[str, tuple[int, Person]] = {}
        self.next_id = self._first_ids()
        self.pending = 0

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

    def _person_id(self, person: Person) -> tuple[int, Person]:
        ref = person["ref"]
        if ref not in self.people:  # not in this batch: stored already, or new
            known = load_person(self.conn, ref)
            if known is None:
                return self._new_person(person)
            row = self.conn.execute("SELECT id FROM person WHERE ref = ?", (ref,)).fetchone()
            self.people[ref] = (int(row[0]), known)
        person_id, known = self.people[ref]
        merged = merge_person(person, known)
        if merged != known:  # later details of a known person: rare, so written at once
            self.flush()
            values = rowmap.to_row("person", "person", merged)
            sets = ", ".join(f"{name} = ?" for name in values)
            self.conn.execute(f"UPDATE person SET {sets} WHERE id = ?", (*values.values(), person_id))  # noqa: S608
            self.people[ref] = (person_id, merged)
        return person_id, merged

    def _new_person(self, person: Person) -> tuple[int, Person]:
        person_id = self._id("person")
        self.rows["person"].append({"id": person_id, **rowmap.to_row("person", "person", person)})
        self.people[person["ref"]] = (person_id, person)
        return person_id, person

    def add(self, record: Case, *, draft_step: int | None = None) -> None:
        person_id, person = self._person_id(record["person"])
        if person != record["person"]:
            record = {**record, "person": person}
        case_id = self._id("safeguarding_case")
        rows = self.rows
        rows["safeguarding_case"].append({"id": case_id, **case_columns(record, person_id, draft_step)})
        rows["case_risk_type"].extend({"case_id": case_id, "risk_type": r} for r in record["risk_types"])
        stage = response_stage(record)
        rows["case_response"].extend({"case_id": case_id, "stage": stage, "response": r} for r in record["responses"])
        outcome_ids = []
        for position, o in enumerate(record["desired_outcomes"], start=1):
            outcome_ids.append(self._id("desired_outcome"))
            rows["desired_outcome"].append(
                {"id": outcome_ids[-1], "case_id": case_id, "position": position, **outcome_row(o)}
            )
        for position, m in enumerate(record["meetings"], start=1):
            meeting_id = self._id("meeting")
            rows["meeting"].append(
                {"id": meeting_id, "case_id": case_id, "position": position, **rowmap.to_row("meeting", "meeting", m)}
            )
            rows["meeting_attendee"].extend({"meeting_id": meeting_id, "attendee": a} for a in m["attendees"])
        for position, f in enumerate(record["feedback"], start=1):
            rows["feedback"].append(
                {"case_id": case_id, "position": position, **rowmap.to_row("feedback", "feedback", f)}
            )
        self._add_history(record, case_id, outcome_ids)
        if record["concluded"] is not None:
            self._add_closure(
                case_id, closure_row(record), outcome_ids, [o["achieved"] for o in record["desired_outcomes"]]
            )
        changes = audit_mod.created(cast(dict[str, Any], record))
        if self.source is not None:  # first, so `msp history` shows where the case came from
            file_name, imported_on = self.source
            rows["case_source"].append({"case_id": case_id, "file_name": file_name, "imported_on": imported_on})
            changes = {"source": [None, {"file": file_name, "imported_on": imported_on}], **changes}
        self.audit.append(
            self.action, table="safeguarding_case", row_key=record["case_ref"], changes=changes, defer=True
        )
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def _add_closure(
        self, case_id: int, row: dict[str, Any], outcome_ids: list[int], achieved: Sequence[str | None]
    ) -> None:
        closure_id = self._id("closure")
        self.rows["closure"].append({"id": closure_id, "case_id": case_id, **row})
        self.rows["closure_outcome"].extend(
            {"closure_id": closure_id, "outcome_id": oid, "achieved": a}
            for oid, a in zip(outcome_ids, achieved, strict=False)
            if a is not None
        )

    def _add_history(self, record: Case, case_id: int, outcome_ids: list[int]) -> None:
        """Version 2: reviews with each outcome's progress, earlier wordings, earlier closures."""
        sessions: dict[str, list[int]] = {}  # review date -> session ids, in order
        for review in record.get("reviews", []):
            session_id = self._id("outcome_review_session")
            sessions.setdefault(review["date"], []).append(session_id)
            self.rows["outcome_review_session"].append(
                {"id": session_id, "case_id": case_id, "worker": record["worker"],
                 **rowmap.to_row("review", "outcome_review_session", review)}
            )  # fmt: skip
        for outcome_id, outcome in zip(outcome_ids, record["desired_outcomes"], strict=True):
            taken: dict[str, int] = {}
            for step in outcome.get("progress", []):
                k = taken.get(step["date"], 0)
                taken[step["date"]] = k + 1
                self.rows["outcome_review"].append(
                    {"review_id": sessions[step["date"]][k], "outcome_id": outcome_id,
                     **rowmap.to_row("progress", "outcome_review", step)}
                )  # fmt: skip
            for wording in outcome.get("earlier_wordings", []):
                review_ids = sessions.get(wording["until"])
                self.rows["desired_outcome_wording"].append(
                    {"outcome_id": outcome_id, "review_id": review_ids[0] if review_ids else None,
                     **rowmap.to_row("wording", "desired_outcome_wording", wording)}
                )  # fmt: skip
        for closure in record.get("earlier_closures", []):
            row = rowmap.to_row("earlier_closure", "closure", closure)
            self._add_closure(case_id, row, outcome_ids, closure["achieved"])

    def flush(self) -> None:
        for table in self.TABLES:
            rows = self.rows[table]
            if not rows:
                continue
            by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}  # a current and an earlier closure differ
            for row in rows:
                by_columns.setdefault(tuple(row), []).append(tuple(row.values()))
            for names, values in by_columns.items():
                marks = ", ".join("?" for _ in names)
                sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 (fixed names)
                self.conn.executemany(sql, values)
            rows.clear()
        self.audit.flush()
        self.pending = 0
        self.people.clear()  # what is flushed is found in the database: memory stays flat
