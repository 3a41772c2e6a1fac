"""The case as typed records: the interchange format's objects, field for field.

TypedDicts, because a validated case *is* an interchange object: it is written out as JSON
unchanged, compared as a value and checked by mypy key by key. The keys and their order are
those of msp_cli.record.fields; a test checks that the two agree. Version 2 keys (history and
date of birth) are present only when they hold something, so a version 1 file comes back
exactly as it went in.
"""

from __future__ import annotations

from typing import TypedDict


class _PersonV2(TypedDict, total=False):
    date_of_birth: str


class Person(_PersonV2):
    ref: str
    name: str | None
    age_band: str | None
    sex: str | None
    ethnicity: str | None
    primary_support_reason: str | None


class Consent(TypedDict):
    sought: bool | None
    given: bool | None
    proceeded_without_consent_reason: str | None
    note: str | None


class Capacity(TypedDict):
    lacked_capacity: str | None
    support: str | None
    best_interests_note: str | None


class Advocacy(TypedDict):
    offered: str | None
    started: str | None
    type: str | None


class Negotiated(TypedDict):
    text: str
    reason: str
    note: str | None


class Wording(TypedDict):
    text: str
    category: str
    until: str


class Progress(TypedDict):
    date: str
    status: str
    person_says: str | None
    note: str | None


class _OutcomeV2(TypedDict, total=False):
    added: str
    earlier_wordings: list[Wording]
    progress: list[Progress]


class DesiredOutcome(_OutcomeV2):
    text: str
    category: str
    expressed_by: str | None
    negotiated: Negotiated | None
    achieved: str | None


class Review(TypedDict):
    date: str
    note: str | None


class Meeting(TypedDict):
    date: str
    kind: str | None
    location: str | None
    location_chosen_by_person: bool | None
    attendees: list[str]
    person_prepared: bool | None
    minutes_spent: int | None
    summary: str | None


class Feedback(TypedDict):
    date: str
    given_by: str | None
    felt_listened_to: int | None
    felt_involved: int | None
    feels_safer: int | None
    outcomes_met: int | None
    note: str | None


class EarlierClosure(TypedDict):
    concluded: str
    risk_assessment_outcome: str | None
    risk_outcome: str | None
    outcomes_achieved: str | None
    achieved: list[str | None]
    closure_note: str | None
    reopened: str
    reopen_reason: str


class _CaseV2(TypedDict, total=False):
    reviews: list[Review]
    earlier_closures: list[EarlierClosure]


class Case(_CaseV2):
    case_ref: str
    person: Person
    worker: str | None
    team: str | None
    concern_received: str | None
    enquiry_type: str | None
    enquiry_started: str | None
    risk_types: list[str]
    location_of_risk: str | None
    source_of_risk: str | None
    consent: Consent | None
    capacity: Capacity | None
    advocacy: Advocacy | None
    asked_about_outcomes: str | None
    desired_outcomes: list[DesiredOutcome]
    responses: list[str]
    meetings: list[Meeting]
    feedback: list[Feedback]
    concluded: str | None
    risk_assessment_outcome: str | None
    risk_outcome: str | None
    outcomes_achieved: str | None
    closure_note: str | None
