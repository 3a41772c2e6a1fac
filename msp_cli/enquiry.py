"""Through the enquiry to closure: the rules for reviews, meetings, feedback, closing, reopening.

Each operation loads the case, checks the answers by the shared rules, and writes in one
transaction with its audit entry. The answers come from questions.py or from
`--answers FILE` and options; this module does not care which.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, cast

from msp_cli.errors import InvalidRecord, MspError
from msp_cli.hints import command, no_case_hint, quote
from msp_cli.model import (
    Record,
    missing_for_closure,
    validate_case,
    validate_feedback,
    validate_meeting,
    validate_review,
)
from msp_cli.record import Case, Feedback, Meeting
from msp_cli.storage import Storage, StoredCase

LATE_FEEDBACK_DAYS = 14


def load(store: Storage, case_ref: str, *, must_be_open: bool = True) -> StoredCase:
    stored = load_any(store, case_ref)
    if stored.draft_step is not None:
        raise MspError(
            f"Case {case_ref} is unfinished (the wizard stopped at step {stored.draft_step}).",
            hint=f"Finish it first with: {command('case resume', quote(case_ref))}",
        )
    if must_be_open and stored.record["concluded"] is not None:
        raise MspError(
            f"Case {case_ref} was closed on {stored.record['concluded']}.",
            hint="To record more, reopen it first: " + command("case reopen", quote(case_ref), '--reason "..."'),
        )
    return stored


def load_any(store: Storage, case_ref: str) -> StoredCase:
    """The case, open, closed or unfinished."""
    stored = store.load_case(case_ref)
    if stored is None:
        raise MspError(f"No case {case_ref!r} in this database.", hint=no_case_hint())
    return stored


def _not_before_concern(record: Case, day: str | None, field: str) -> None:
    if day is not None and record["concern_received"] and day < record["concern_received"]:
        raise InvalidRecord([f"{field}: {day} is before the concern was received ({record['concern_received']})"])


def review(store: Storage, stored: StoredCase, answers: Any) -> Record:
    if not stored.record["desired_outcomes"] and not (isinstance(answers, dict) and answers.get("new_outcomes")):
        ref = stored.record["case_ref"]
        raise MspError(
            f"Case {ref} has no desired outcomes to review.",
            hint=f"Add them in a review's new_outcomes (or in the terminal: {command('case review', quote(ref))},"
            " then 'Add a new outcome').",
        )
    checked = validate_review(answers, cast(Record, stored.record))
    with store.write() as audit:
        store.add_review(audit, stored, checked)
    return checked


def add_meeting(store: Storage, stored: StoredCase, answers: Any) -> Meeting:
    meeting = validate_meeting(answers)
    _not_before_concern(stored.record, meeting["date"], "date")
    with store.write() as audit:
        store.add_meeting(audit, stored, meeting)
    return meeting


def add_feedback(store: Storage, stored: StoredCase, answers: Any) -> tuple[Feedback, str | None]:
    """Store the feedback; also return a gentle warning when it came long after closure."""
    feedback = validate_feedback(answers)
    _not_before_concern(stored.record, feedback["date"], "date")
    with store.write() as audit:
        store.add_feedback(audit, stored, feedback)
    warning = None
    concluded = stored.record["concluded"]
    if concluded is not None:
        days = (dt.date.fromisoformat(feedback["date"]) - dt.date.fromisoformat(concluded)).days
        if days > LATE_FEEDBACK_DAYS:
            warning = (
                f"Saved. This feedback came {days} days after the case closed. Asking long after the"
                " event can open old wounds: where you can, ask while the enquiry is going on."
            )
    return feedback, warning


def closed_record(stored: StoredCase, answers: dict[str, Any]) -> Record:
    """The case as it would be once closed with ANSWERS (not yet checked)."""
    record: Record = copy.deepcopy(cast(Record, stored.record))
    for key in ("concluded", "risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "closure_note"):
        record[key] = answers.get(key)
    if answers.get("responses") is not None:
        record["responses"] = answers["responses"]
    achieved = answers.get("achieved") or []
    if len(achieved) > len(record["desired_outcomes"]):
        raise InvalidRecord(
            [f"desired_outcomes: {len(achieved)} answers given but the case has {len(record['desired_outcomes'])}"]
        )
    for outcome, value in zip(record["desired_outcomes"], achieved, strict=False):
        outcome["achieved"] = value
    return record


def close(store: Storage, stored: StoredCase, answers: dict[str, Any]) -> Case:
    draft = closed_record(stored, answers)
    problems = []
    record = cast(Case, draft)
    try:
        record = validate_case(draft)
    except InvalidRecord as exc:
        problems = exc.problems
    missing = missing_for_closure(record)
    if problems or missing:
        parts = problems + (["missing: " + "; ".join(missing)] if missing else [])
        raise InvalidRecord(parts, where=f"Case {stored.record['case_ref']} was not closed")
    with store.write() as audit:
        store.save_case(audit, record, action="case.close")
    return record


def reopen(store: Storage, case_ref: str, reason: str) -> None:
    stored = load(store, case_ref, must_be_open=False)
    if stored.record["concluded"] is None:
        raise MspError(f"Case {case_ref} is open already; there is nothing to reopen.")
    if not reason.strip():
        raise MspError("Say why the case is reopened: --reason TEXT.")
    with store.write() as audit:
        store.reopen(audit, stored, reason)


def correct(store: Storage, stored: StoredCase, changes: list[tuple[Any, Any]], reason: str) -> list[str]:
    """Put right recorded facts (path, value), audited as a correction with REASON; the paths changed.

    A closed case takes only the corrections its worklist findings name; anything else is
    recorded after reopening it.
    """
    from msp_cli.correction import correctable_when_closed, pattern, show_path, value_at, with_value

    case_ref = stored.record["case_ref"]
    if not reason.strip():
        raise MspError("Say why this is corrected: --reason TEXT (it goes in the audit trail).")
    if stored.record["concluded"] is not None:
        allowed = correctable_when_closed(store, case_ref)
        refused = [show_path(path) for path, _ in changes if pattern(path) not in allowed]
        if refused:
            raise MspError(
                f"Case {case_ref} was closed on {stored.record['concluded']}; {', '.join(refused)} is corrected"
                " after reopening it (only what `msp audit` lists for a closed case is corrected in place).",
                hint=command("case", "reopen", quote(case_ref), '--reason "..."'),
            )
    draft: Any = stored.record
    for path, value in changes:
        draft = with_value(draft, path, value)
    record = validate_case(draft, draft=stored.draft_step is not None)  # a closure before a reopening too
    changed = [show_path(p) for p, _ in changes if value_at(stored.record, p) != value_at(record, p)]
    if changed:
        with store.write() as audit:
            store.save_case(audit, record, draft_step=stored.draft_step, action="case.correct", correction=reason)
    return changed


def discard(store: Storage, case_ref: str, reason: str) -> None:
    """Remove an unfinished (draft) case; the audit trail keeps that it was, and why it went."""
    stored = load_any(store, case_ref)
    if stored.draft_step is None:
        raise MspError(
            f"Case {case_ref} is finished, and a finished case is never discarded.",
            hint=f"Correct what is wrong with: {command('case', 'edit', quote(case_ref))}",
        )
    if not reason.strip():
        raise MspError("Say why the draft is discarded: --reason TEXT (it goes in the audit trail).")
    with store.write() as audit:
        store.discard_draft(audit, stored, reason)
