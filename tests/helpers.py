"""Test data: a complete case in the interchange format, and small variations of it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any


def full_case(**overrides: Any) -> dict[str, Any]:
    """The INTERCHANGE.md example, a concluded Section 42 enquiry with every part filled."""
    case: dict[str, Any] = {
        "case_ref": "C-2024-0001",
        "person": {
            "ref": "P-000123",
            "name": "Edna Example",
            "age_band": "75-84",
            "sex": "Female",
            "ethnicity": "White",
            "primary_support_reason": "Support with Memory and Cognition",
        },
        "worker": "Ann Worker",
        "team": "North",
        "concern_received": "2024-05-02",
        "enquiry_type": "Section 42",
        "enquiry_started": "2024-05-03",
        "risk_types": ["Financial or Material Abuse", "Psychological Abuse"],
        "location_of_risk": "Own Home",
        "source_of_risk": "Other - Known to individual",
        "consent": {
            "sought": True,
            "given": False,
            "proceeded_without_consent_reason": "The person lacks capacity to consent",
            "note": "Consent note",
        },
        "capacity": {
            "lacked_capacity": "Yes, they lacked capacity",
            "support": "Advocate",
            "best_interests_note": "Best interests note",
        },
        "advocacy": {"offered": "2024-05-03", "started": "2024-05-10", "type": "Care Act advocate"},
        "asked_about_outcomes": "Yes they were asked and outcomes were expressed",
        "desired_outcomes": [
            {
                "text": "I want my son to stop taking my pension, but I want to keep seeing him",
                "category": "To maintain key relationships",
                "expressed_by": "Person",
                "negotiated": {"text": "Safety plan agreed", "reason": "Risk to other adults", "note": "n"},
                "achieved": "Partially Achieved",
            }
        ],
        "responses": ["Family and networks, including group conferences"],
        "meetings": [
            {
                "date": "2024-05-20",
                "kind": "Strategy meeting",
                "location": "Person's home",
                "location_chosen_by_person": True,
                "attendees": ["Person", "Advocate", "Police"],
                "person_prepared": True,
                "minutes_spent": 90,
                "summary": "Summary",
            }
        ],
        "feedback": [
            {
                "date": "2024-06-25",
                "given_by": "Person",
                "felt_listened_to": 5,
                "felt_involved": 4,
                "feels_safer": 4,
                "outcomes_met": 4,
                "note": "Thanks",
            }
        ],
        "concluded": "2024-07-01",
        "risk_assessment_outcome": "Risk identified and action taken",
        "risk_outcome": "Risk reduced",
        "outcomes_achieved": "Partially Achieved",
        "closure_note": "Closed after the family meeting",
    }
    case = copy.deepcopy(case)
    case.update(overrides)
    return case


def open_case(**overrides: Any) -> dict[str, Any]:
    """The same case while the enquiry is still going on: no closure fields."""
    case = full_case(**overrides)
    for key in ("concluded", "risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "closure_note"):
        case[key] = overrides.get(key)
    for outcome in case["desired_outcomes"]:
        outcome["achieved"] = None
    return case


def minimal_case(case_ref: str = "C-MIN-1", person_ref: str = "P-MIN-1", **overrides: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "case_ref": case_ref,
        "person": {"ref": person_ref},
        "concern_received": "2024-05-02",
        "enquiry_type": "None",
        "risk_types": ["Neglect and Acts of Omission"],
    }
    case.update(overrides)
    return case


def demo_database(path: Path, cases: int, seed: int) -> Path:
    """A demonstration database of CASES cases at PATH, made as a user makes one (msp demo)."""
    from typer.testing import CliRunner

    from msp_cli.cli import app

    result = CliRunner().invoke(app, ["--db", str(path), "demo", "--cases", str(cases), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return path
