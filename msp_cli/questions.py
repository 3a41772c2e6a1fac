"""The questions asked later in an enquiry: reviews, meetings, feedback, closure.

Each function asks in a terminal and returns the same object that `--answers FILE` would
hold, so both ways in meet the same validation (model.py) and the same writer (case_store).
"""

from __future__ import annotations

from typing import Any

from msp_cli import prompts, rules, vocab
from msp_cli.model import achieved_contradiction, suggest_overall_achieved
from msp_cli.record import Case
from msp_cli.record.fields import Kind, fields_of

SCORES = {
    "5 (completely)": 5,
    "4": 4,
    "3": 3,
    "2": 2,
    "1 (not at all)": 1,
    "Not answered": None,
}
# the four feedback questions, as the field table words them
FEEDBACK_QUESTIONS = {f.key: f.question for f in fields_of("feedback") if f.kind is Kind.SCORE}


def ask_review(record: Case) -> dict[str, Any]:
    prompts.show_help(
        "A review asks the person where each outcome stands now. Their words can change:"
        " the earlier wording is kept in the case history."
    )
    date = prompts.ask_date("Date of this review", not_before=record["concern_received"], not_before_name="the concern")
    items = []
    for i, outcome in enumerate(record["desired_outcomes"], start=1):
        prompts.show(f'\nOutcome {i}: "{outcome["text"]}"')
        if outcome["negotiated"]:
            prompts.show(f"  agreed: {outcome['negotiated']['text']}")
        item: dict[str, Any] = {
            "progress": prompts.ask_select("Progress now", vocab.OUTCOME_PROGRESS),
            "person_says": prompts.ask_text("What does the person say now?", required=False) or None,
            "text": None,
            "category": None,
        }
        if prompts.ask_confirm("Has what they want changed (new wording)?"):
            item["text"] = prompts.ask_text("The outcome now, in their own words")
            item["category"] = prompts.ask_select("Which kind of outcome is that?", vocab.OUTCOME_CATEGORY)
        item["note"] = prompts.ask_text("A note", required=False) or None
        items.append(item)
    new = []
    while prompts.ask_confirm("Add a new desired outcome?", default=False):
        new.append(
            {
                "text": prompts.ask_text("The new outcome, in their own words"),
                "category": prompts.ask_select("Which kind of outcome is that?", vocab.OUTCOME_CATEGORY),
                "expressed_by": prompts.ask_select("Who expressed it?", vocab.EXPRESSED_BY),
                "negotiated": None,
                "achieved": None,
            }
        )
    note = prompts.ask_text("A note on the review as a whole", required=False) or None
    return {"date": date, "note": note, "outcomes": items, "new_outcomes": new}


def ask_meeting(record: Case, given: dict[str, Any]) -> dict[str, Any]:
    """Ask for what GIVEN (from options) leaves out."""

    def want(key: str) -> bool:
        return given.get(key) is None

    m = dict(given)
    if want("date"):
        m["date"] = prompts.ask_date(
            "Date of the meeting", not_before=record["concern_received"], not_before_name="the concern"
        )
    if want("kind"):
        m["kind"] = prompts.ask_select("Kind of meeting", vocab.MEETING_KIND)
    if want("location"):
        m["location"] = prompts.ask_select("Where was it held?", vocab.MEETING_LOCATION)
    if want("location_chosen_by_person"):
        m["location_chosen_by_person"] = prompts.ask_confirm("Did the person choose where?")
    if not m.get("attendees"):
        prompts.show_help("Tick the person if they came: being there is how most people say what they want.")
        m["attendees"] = prompts.ask_checkbox("Who attended?", vocab.ATTENDEE)
    if want("person_prepared"):
        m["person_prepared"] = prompts.ask_confirm("Was the person prepared beforehand?")
    if want("minutes_spent"):
        minutes = prompts.ask_text(
            "Minutes spent", required=False, validate=lambda v: None if v.isdigit() else "A whole number of minutes."
        )
        m["minutes_spent"] = int(minutes) if minutes else None
    if want("summary"):
        m["summary"] = prompts.ask_text("A short summary", required=False) or None
    return m


def ask_feedback(record: Case, given: dict[str, Any]) -> dict[str, Any]:
    f = dict(given)
    if f.get("date") is None:
        f["date"] = prompts.ask_date(
            "Date of the feedback",
            not_before=record["concern_received"],
            not_before_name="the concern",
        )
    if f.get("given_by") is None:
        f["given_by"] = prompts.ask_select("Who gave it?", vocab.EXPRESSED_BY)
    for key, question in FEEDBACK_QUESTIONS.items():
        if f.get(key) is None:
            f[key] = SCORES[prompts.ask_select(question, list(SCORES))]
    if f.get("note") is None:
        f["note"] = prompts.ask_text("Their words", required=False) or None
    return f


def ask_closure(record: Case, given: dict[str, Any]) -> dict[str, Any]:
    """Closure answers for an open case, asking only what GIVEN leaves out."""
    a = dict(given)
    enquiry = rules.IS_ENQUIRY.holds(record)
    if a.get("concluded") is None:
        start, name = record["enquiry_started"] or record["concern_received"], "its start"
        if record.get("earlier_closures"):  # closed again: not before the last reopening
            start, name = record["earlier_closures"][-1]["reopened"], "the reopening"
        a["concluded"] = prompts.ask_date("Date the enquiry concluded", not_before=start, not_before_name=name)
    expressed = rules.OUTCOMES_EXPRESSED.holds(record)
    outcomes = record["desired_outcomes"]
    achieved = list(a.get("achieved") or [])
    achieved += [None] * (len(outcomes) - len(achieved))
    if expressed:
        for i, outcome in enumerate(outcomes):
            if achieved[i] is None:
                prompts.show(f'\nOutcome {i + 1}: "{outcome["text"]}"')
                achieved[i] = prompts.ask_select("Was it achieved?", vocab.OUTCOMES_ACHIEVED)
        a["achieved"] = achieved
        if a.get("outcomes_achieved") is None:
            suggestion = suggest_overall_achieved(achieved)
            if suggestion:
                prompts.show(f"From the answers above, overall: {suggestion}. Confirm or change it.")
            while True:
                a["outcomes_achieved"] = prompts.ask_select(
                    "Were the person's outcomes achieved overall? (SG4a)", vocab.OUTCOMES_ACHIEVED, default=suggestion
                )
                problem = achieved_contradiction(a["outcomes_achieved"], achieved)
                if problem is None:
                    break
                prompts.show_warning(f"That answer {problem}. Choose again.")
    if enquiry and a.get("risk_assessment_outcome") is None:
        a["risk_assessment_outcome"] = prompts.ask_select(
            "Risk assessment outcome (SG2c)", vocab.RISK_ASSESSMENT_OUTCOME
        )
    if a.get("risk_assessment_outcome") == vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN and a.get("risk_outcome") is None:
        a["risk_outcome"] = prompts.ask_select("What happened to the risk? (SG2e)", vocab.RISK_OUTCOME)
    if a.get("responses") is None:
        a["responses"] = prompts.ask_checkbox(
            "Responses actually used (those planned are ticked)", vocab.RESPONSE, checked=record["responses"]
        )
    if a.get("closure_note") is None:
        a["closure_note"] = prompts.ask_text("A closure note", required=False) or None
    return a
