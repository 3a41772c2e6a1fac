"""A small dataset whose report figures were worked out by hand (see test_reports.py).

Period 2024-25 (2024-04-01 to 2025-03-31). Cases:
  A  S42, P1, concluded 2024-08-01, two risk types, lacked capacity (advocate), 2 outcomes (fully, partly)
  B  S42, P2, concluded 2024-09-30, neglect in a care home, 1 outcome fully achieved
  C  Other enquiry, P3, concluded 2024-10-01, 1 outcome not achieved (in outcomes, not in SAC SG2-4)
  D  S42, P1 again (re-referred 3 months after A closed), concluded 2025-04-01: the day after the period
  E  S42, P4, open, outcomes expressed but not yet judged
  F  no enquiry, P5, concern only
  G  S42, P6, concluded 2024-05-01, not asked about outcomes, capacity unknown, two risk types
"""

from __future__ import annotations

from typing import Any

EXPRESSED = "Yes they were asked and outcomes were expressed"


def _case(ref: str, person: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case_ref": ref,
        "person": {
            "ref": person,
            "age_band": "65-74",
            "sex": "Female",
            "ethnicity": "White",
            "primary_support_reason": "Physical Support",
        },
        "team": "North",
        "worker": "Ann",
        "enquiry_type": "Section 42",
        "location_of_risk": "Own Home",
        "source_of_risk": "Other - Known to individual",
    }
    base.update(fields)
    return base


def _outcome(
    text: str, category: str, achieved: str | None, negotiated: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "text": text,
        "category": category,
        "expressed_by": "Person",
        "negotiated": negotiated,
        "achieved": achieved,
    }


CASES = [
    _case(
        "A",
        "P1",
        concern_received="2024-05-01",
        enquiry_started="2024-05-02",
        concluded="2024-08-01",
        risk_types=["Financial or Material Abuse", "Psychological Abuse"],
        capacity={"lacked_capacity": "Yes, they lacked capacity", "support": "Advocate", "best_interests_note": "BI"},
        advocacy={"offered": "2024-05-02", "started": "2024-05-12", "type": "Care Act advocate"},
        asked_about_outcomes=EXPRESSED,
        desired_outcomes=[
            _outcome(
                "I want my money back",
                "To have help to recover",
                "Fully Achieved",
                {"text": "Repayment plan", "reason": "The law", "note": None},
            ),
            _outcome("I want to feel safe", "To be and to feel safer", "Partially Achieved"),
        ],
        meetings=[
            {
                "date": "2024-05-10",
                "kind": "Strategy meeting",
                "location": "Person's home",
                "location_chosen_by_person": True,
                "attendees": ["Person", "Advocate"],
                "person_prepared": True,
                "minutes_spent": 60,
                "summary": None,
            },
            {
                "date": "2024-06-10",
                "kind": "Case conference",
                "location": "Council office",
                "location_chosen_by_person": False,
                "attendees": ["Police"],
                "person_prepared": False,
                "minutes_spent": 30,
                "summary": None,
            },
        ],
        feedback=[
            {
                "date": "2024-07-20",
                "given_by": "Person",
                "felt_listened_to": 5,
                "felt_involved": 4,
                "feels_safer": 4,
                "outcomes_met": 3,
                "note": None,
            }
        ],
        risk_assessment_outcome="Risk identified and action taken",
        risk_outcome="Risk reduced",
        outcomes_achieved="Partially Achieved",
    ),
    _case(
        "B",
        "P2",
        concern_received="2024-06-01",
        enquiry_started="2024-06-01",
        concluded="2024-09-30",
        risk_types=["Neglect and Acts of Omission"],
        location_of_risk="Care Home - Residential",
        source_of_risk="Service Provider",
        capacity={"lacked_capacity": "No, they did not lack capacity"},
        asked_about_outcomes=EXPRESSED,
        desired_outcomes=[_outcome("I want the carers to come on time", "To be and to feel safer", "Fully Achieved")],
        risk_assessment_outcome="No risk identified and no action taken",
        outcomes_achieved="Fully Achieved",
        feedback=[
            {
                "date": "2024-10-05",
                "given_by": "Representative",
                "felt_listened_to": 3,
                "felt_involved": None,
                "feels_safer": 5,
                "outcomes_met": 5,
                "note": None,
            }
        ],
    ),
    _case(
        "C",
        "P3",
        enquiry_type="Other",
        concern_received="2024-07-01",
        enquiry_started="2024-07-02",
        concluded="2024-10-01",
        risk_types=["Self-Neglect"],
        asked_about_outcomes=EXPRESSED,
        desired_outcomes=[_outcome("Leave me be", "To gain or maintain control over the situation", "Not Achieved")],
        risk_assessment_outcome="Risk identified and action taken",
        risk_outcome="Risk removed",
        outcomes_achieved="Not Achieved",
    ),
    _case(
        "D",
        "P1",
        concern_received="2024-11-01",
        enquiry_started="2024-11-02",
        concluded="2025-04-01",
        risk_types=["Physical Abuse"],
        asked_about_outcomes="No",
        risk_assessment_outcome="Risk identified and no action taken",
    ),
    _case(
        "E",
        "P4",
        concern_received="2025-01-10",
        enquiry_started="2025-01-11",
        risk_types=["Domestic Abuse"],
        asked_about_outcomes=EXPRESSED,
        desired_outcomes=[_outcome("I want to stay with him but be safe", "To maintain key relationships", None)],
    ),
    _case(
        "F",
        "P5",
        enquiry_type="None",
        concern_received="2024-12-01",
        concluded="2024-12-02",
        risk_types=["Self-Neglect"],
        closure_note="Advice given",
    ),
    _case(
        "G",
        "P6",
        concern_received="2024-04-15",
        enquiry_started="2024-04-16",
        concluded="2024-05-01",
        risk_types=["Physical Abuse", "Domestic Abuse"],
        location_of_risk="In the Community",
        source_of_risk="Other - Unknown to individual",
        capacity={"lacked_capacity": "Don't know"},
        asked_about_outcomes="No",
        risk_assessment_outcome="Risk identified and no action taken",
    ),
]


# SG1a-SG1d: people, counted by hand. Period 2024-25 (last day 2025-03-31).
#   P10 DOB 1950-01-01 (75: 75-84, though the recorded band says 65-74); three Section 42 enquiries
#   P11 DOB 1940-02-15 (85th birthday 2025-02-15, inside the period: 85-94); an Other enquiry
#   P12 no date of birth, recorded band 95+, nothing else recorded; a concern only
#   P13 DOB 1990-03-31 (35: 18-64); a concern that became a Section 42 enquiry
#   P14 band 65-74; a Section 42 enquiry started before the period and concluded in it: not in SG1
#   P15 DOB 1960-03-31 (65 on the last day: 65-74); a concern in the period, enquiry started after it
def _person(
    ref: str, born: str | None, age_band: str, sex: str | None, ethnicity: str | None, reason: str | None
) -> Any:
    fields = {"date_of_birth": born, "age_band": age_band, "sex": sex, "ethnicity": ethnicity}
    fields["primary_support_reason"] = reason
    return {"ref": ref, **{k: v for k, v in fields.items() if v is not None}}


P10 = _person("P10", "1950-01-01", "65-74", "Male", "Asian / Asian British", "Mental Health Support")
P11 = _person("P11", "1940-02-15", "75-84", "Female", "White", "Physical Support")
P12 = _person("P12", None, "95+", None, None, None)
BLACK = "Black / African / Caribbean / Black British"
P13 = _person("P13", "1990-03-31", "18-64", "Female", BLACK, "Learning Disability Support")
P14 = _person("P14", None, "65-74", "Male", "White", "Physical Support")
P15 = _person("P15", "1960-03-31", "65-74", "Male", "White", "Sensory Support")


def _sg1_case(ref: str, person: dict[str, Any], received: str, kind: str, started: str | None, **more: Any) -> Any:
    case = {"case_ref": ref, "person": person, "team": "North", "concern_received": received, "enquiry_type": kind}
    case.update(risk_types=["Neglect and Acts of Omission"], enquiry_started=started, **more)
    return case


SG1_CASES = [
    _sg1_case("S1", P10, "2024-05-01", "Section 42", "2024-05-01"),
    _sg1_case("S2", P10, "2024-08-01", "Section 42", "2024-08-02"),
    _sg1_case("S3", P10, "2024-12-01", "Section 42", "2024-12-03"),
    _sg1_case("S4", P11, "2024-06-01", "Other", "2024-06-02"),
    _sg1_case("S5", P12, "2024-09-01", "None", None),
    _sg1_case("S6", P13, "2024-10-01", "Section 42", "2024-10-05"),
    _sg1_case(
        "S7",
        P14,
        "2024-02-01",
        "Section 42",
        "2024-02-10",
        concluded="2024-06-01",
        asked_about_outcomes="No",
        risk_assessment_outcome="No risk identified and no action taken",
    ),
    _sg1_case("S8", P15, "2025-03-20", "Section 42", "2025-04-02"),
]
