"""Every rule of INTERCHANGE.md, as the model applies it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from msp_cli.errors import InvalidRecord
from msp_cli.model import CASE_KEYS, suggest_overall_achieved, validate_case
from tests.helpers import full_case, minimal_case, open_case

TODAY = dt.date(2026, 11, 27)


def problems(case: Any, **kw: Any) -> list[str]:
    with pytest.raises(InvalidRecord) as err:
        validate_case(case, today=TODAY, **kw)
    return err.value.problems


def test_the_documented_example_is_valid_and_keeps_its_shape() -> None:
    record = validate_case(full_case(), today=TODAY)
    assert tuple(record) == CASE_KEYS
    assert record["desired_outcomes"][0]["text"] == full_case()["desired_outcomes"][0]["text"]


def test_minimal_and_open_cases_are_valid() -> None:
    validate_case(minimal_case(), today=TODAY)
    validate_case(open_case(), today=TODAY)


@pytest.mark.parametrize("missing", ["case_ref", "person", "concern_received", "enquiry_type"])
def test_required_fields(missing: str) -> None:
    case = full_case()
    del case[missing]
    assert any(p.startswith(missing) for p in problems(case))


def test_person_ref_required() -> None:
    assert any(p.startswith("person.ref") for p in problems(full_case(person={"name": "x"})))


def test_unknown_fields_are_errors_not_ignored() -> None:
    found = problems(full_case(favourite_colour="blue"))
    assert any("unknown field 'favourite_colour'" in p for p in found)
    case = full_case()
    case["person"]["nhs_number"] = "123"
    assert any("person" in p and "nhs_number" in p for p in problems(case))


def test_no_enquiry_has_no_enquiry_fields() -> None:
    found = problems(full_case(enquiry_type="None"))
    for key in ("enquiry_started", "risk_assessment_outcome", "risk_outcome"):
        assert any(p.startswith(key) for p in found), key


def test_risk_types_at_least_one_and_each_once() -> None:
    assert any("at least 1" in p for p in problems(full_case(risk_types=[])))
    twice = problems(full_case(risk_types=["Self-Neglect", "Self-Neglect"]))
    assert any("listed twice" in p for p in twice)


def test_capacity_support_only_where_capacity_lacked() -> None:
    case = full_case(capacity={"lacked_capacity": "No, they did not lack capacity", "support": "Advocate"})
    assert any(p.startswith("capacity.support") for p in problems(case))
    validate_case(full_case(capacity={"lacked_capacity": "Yes, they lacked capacity", "support": None}), today=TODAY)


def test_outcomes_achieved_only_where_expressed_and_concluded() -> None:
    case = full_case(asked_about_outcomes="No", desired_outcomes=[])
    assert any(p.startswith("outcomes_achieved") for p in problems(case))
    case = open_case(outcomes_achieved="Fully Achieved")
    assert any(p.startswith("outcomes_achieved") for p in problems(case))


def test_risk_outcome_only_where_risk_identified_and_action_taken() -> None:
    case = full_case(risk_assessment_outcome="No risk identified and no action taken")
    assert any(p.startswith("risk_outcome") for p in problems(case))


def test_feedback_scores_run_one_to_five() -> None:
    for bad in (0, 6, 2.5, "5", True):
        fb = full_case()["feedback"][0] | {"feels_safer": bad}
        assert any("feels_safer" in p for p in problems(full_case(feedback=[fb]))), bad


def test_open_case_has_no_closure_fields() -> None:
    case = open_case()
    case["closure_note"] = "closed really"
    case["desired_outcomes"][0]["achieved"] = "Fully Achieved"
    found = problems(case)
    assert any(p.startswith("closure_note") for p in found)
    assert any(p.startswith("desired_outcomes[0].achieved") for p in found)


def test_dates_keep_their_order_and_none_in_the_future() -> None:
    found = problems(full_case(enquiry_started="2024-05-01"))
    assert any("enquiry_started" in p and "before" in p for p in found)
    found = problems(full_case(concluded="2024-05-02"))
    assert any(p.startswith("concluded") for p in found)
    found = problems(full_case(concluded="2026-11-28"))
    assert any("in the future" in p for p in found)


@pytest.mark.parametrize("bad", ["2024-13-01", "2024-02-30", "02/05/2024", "20240502", 20240502, ""])
def test_dates_are_real_iso_dates(bad: Any) -> None:
    assert any(p.startswith("concern_received") for p in problems(full_case(concern_received=bad)))


def test_desired_outcomes_need_asked_and_expressed() -> None:
    found = problems(full_case(asked_about_outcomes="No", outcomes_achieved=None))
    assert any(p.startswith("desired_outcomes") for p in found)


def test_wrong_types_are_named() -> None:
    found = problems(full_case(risk_types="Self-Neglect", consent=[1], worker=5))
    assert any(p.startswith("risk_types") for p in found)
    assert any(p.startswith("consent") for p in found)
    assert any(p.startswith("worker") for p in found)


def test_all_problems_are_reported_not_just_the_first() -> None:
    found = problems(full_case(sex="x", location_of_risk="Moon", concern_received="yesterday"))
    assert len(found) >= 2


def test_misspelt_label_gets_a_suggestion() -> None:
    found = problems(full_case(location_of_risk="Own home"))
    assert any("did you mean 'Own Home'" in p for p in found)


def test_own_words_are_kept_verbatim() -> None:
    words = "  We want them taken outside and shot.  \n(said twice)  "
    outcome = full_case()["desired_outcomes"][0] | {"text": words}
    record = validate_case(full_case(desired_outcomes=[outcome]), today=TODAY)
    assert record["desired_outcomes"][0]["text"] == words


def test_error_messages_do_not_repeat_free_text() -> None:
    secret = "Mrs Secret lives at 1 Private Road"
    outcome = full_case()["desired_outcomes"][0] | {"text": secret, "category": "bad"}
    found = problems(full_case(desired_outcomes=[outcome], closure_note=123))
    assert not any("Private Road" in p for p in found)


def test_draft_relaxes_required_not_allowed() -> None:
    validate_case({"case_ref": "C-1", "person": {"ref": "P-1"}}, today=TODAY, draft=True)
    assert problems({"case_ref": "C-1", "person": {"ref": "P-1"}, "sex": "x"}, draft=True)


@pytest.mark.parametrize(
    ("achieved", "expected"),
    [
        (["Fully Achieved", "Fully Achieved"], "Fully Achieved"),
        (["Fully Achieved", "Not Achieved"], "Partially Achieved"),
        (["Partially Achieved"], "Partially Achieved"),
        (["Not Achieved", "Not Achieved"], "Not Achieved"),
        ([], None),
    ],
)
def test_suggested_overall_outcome(achieved: list[str], expected: str | None) -> None:
    assert suggest_overall_achieved(achieved) == expected


def test_quick_passes_accept_only_what_the_full_check_accepts_unchanged() -> None:
    """Plain values take a shortcut; each value below must still get the full check's answer."""
    assert validate_case(full_case())["concern_received"] == "2024-05-02"  # now a date known valid
    # a date found valid is valid again; the order rule still sees it
    assert any("enquiry_started" in p and "before" in p for p in problems(full_case(enquiry_started="2024-05-01")))
    odd = full_case(case_ref="C-2024\u200b-0001", worker="Zoë Worker", person={"ref": "P-1 ", "name": "N"})
    found = problems(odd)
    assert any(p.startswith("person.ref") and "spaces" in p for p in found)
    assert not any(p.startswith("worker") or p.startswith("case_ref") for p in found)
    record = validate_case(full_case(case_ref="C-2024\u200b-0001", worker="Zo\u0065\u0308"))
    assert record["case_ref"] == "C-2024-0001"  # the invisible character is dropped, not passed through
    assert record["worker"] == "Zo\u0065\u0308"  # free text is kept as written
    assert any(p.startswith("worker") for p in problems(full_case(worker="Ann\tWorker")))
    assert any(p.startswith("consent.given") for p in problems(full_case(consent={"sought": True, "given": 1})))
