"""No answer nobody chose: Enter alone records nothing, filters pick the exact match, Ctrl-B goes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from msp_cli import ui
from tests.conftest import Run, rows
from tests.keys import BACK, CTRL_C, ENTER, NO, YES, accept, keyboard, pick, text, tick
from tests.test_wizard import CAPACITY_OK, CONSENT_GIVEN, ONE_OUTCOME, concern_step, person_step


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: True)


def new_case(run: Run, keys: str) -> None:
    """`msp case new` typed with KEYS, to the end."""
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "new")
    assert result.exit_code == 0, result.output


def first_enter(answer: str) -> str:
    """Enter alone (which must be refused), then the real answer."""
    return ENTER + answer


def test_enter_alone_records_no_fact(run: Run, initialised: Path) -> None:
    e = first_enter
    keys = (
        text("C-T-1") + accept() + accept()  # case reference, lead worker and team: the recorded defaults
        + e(text("P-1")) + accept()
        + e(pick("85-94")) + e(pick("Fem")) + e(pick("Asian")) + e(pick("Memory"))
        + e(text("2025-06-02")) + e(tick("Financial")) + e(pick("Own")) + e(pick("Known")) + e(pick("Section"))
        + e(text("2025-06-03"))
        + e(YES) + e(YES)  # consent sought, given
        + e(pick("did")) + e(NO)  # capacity; advocacy offered?
        + e(pick("expressed")) + e(text("I want to feel safe")) + e(pick("safer")) + e(pick("Person")) + NO
        + e(NO)  # negotiated differs?
        + tick()
    )  # fmt: skip
    new_case(run, keys)
    assert rows(
        initialised,
        "SELECT consent_sought, consent_given, lacked_capacity, advocacy_offered, location_of_risk,"
        " source_of_risk, asked_about_outcomes FROM safeguarding_case",
    ) == [
        (
            1,
            1,
            "No, they did not lack capacity",
            None,
            "Own Home",
            "Other - Known to individual",
            "Yes they were asked and outcomes were expressed",
        )
    ]
    assert rows(initialised, "SELECT age_band, sex, ethnicity FROM person") == [
        ("85-94", "Female", "Asian / Asian British")
    ]
    assert rows(initialised, "SELECT category, expressed_by, negotiated_text FROM desired_outcome") == [
        ("To be and to feel safer", "Person", None)
    ]


def test_pressing_enter_through_the_wizard_saves_nothing(run: Run, initialised: Path) -> None:
    with keyboard() as pipe:
        pipe.send_text(ENTER * 40 + CTRL_C)
        result = run("case", "new")
    assert result.exit_code == 130
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    assert rows(initialised, "SELECT count(*) FROM person") == [(0,)]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Other", "Other"), ("other", "Other"), ("law", "The law"), ("Risk", "Risk to other adults")],
)
def test_an_exact_match_wins_the_filter(run: Run, initialised: Path, typed: str, stored: str) -> None:
    negotiation = YES + text("Police told") + pick(typed) + accept()
    with keyboard() as pipe:
        pipe.send_text(
            person_step() + concern_step() + CONSENT_GIVEN + CAPACITY_OK + ONE_OUTCOME + negotiation + tick()
        )
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert rows(initialised, "SELECT negotiated_reason FROM desired_outcome") == [(stored,)]


def test_a_filter_matching_nothing_chooses_nothing(run: Run, initialised: Path) -> None:
    # "zzz" matches no location: Enter is refused, and Backspace then a real match is needed
    location = "zzz" + ENTER + "\x7f" * 3 + pick("Own")
    concern = text("2025-06-02") + tick("Self") + location + pick("Known") + pick("Section") + text("2025-06-03")
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern + CTRL_C)
        result = run("case", "new")
    assert result.exit_code == 130
    assert rows(initialised, "SELECT location_of_risk, draft_step FROM safeguarding_case") == [("Own Home", 3)]


def test_back_from_step_5_to_step_4_changes_capacity(run: Run, initialised: Path) -> None:
    lacked = pick("Yes") + text("Stay at home") + pick("Family") + NO
    keys = (
        person_step()
        + concern_step()
        + CONSENT_GIVEN
        + CAPACITY_OK  # step 4 saved: did not lack capacity
        + BACK  # at step 5's first question: back to step 4
        + lacked
        + ONE_OUTCOME
        + NO
        + tick()
    )
    new_case(run, keys)
    # step 4 was saved, then saved again with the changed answer: both in the audit trail
    assert len(rows(initialised, "SELECT id FROM audit_log WHERE changes LIKE '%lacked_capacity%'")) == 2
    assert rows(
        initialised, "SELECT lacked_capacity, capacity_support, best_interests_note, draft_step FROM safeguarding_case"
    ) == [("Yes, they lacked capacity", "Family or friend", "Stay at home", None)]
    assert rows(initialised, "SELECT text FROM desired_outcome") == [("I want to feel safe in my own home",)]


def test_back_within_a_step_starts_it_again(run: Run, initialised: Path) -> None:
    # in step 5, after the first outcome's words: back to the start of step 5, not to step 4
    step5_started = pick("expressed") + text("words typed wrong") + BACK
    keys = person_step() + concern_step() + CONSENT_GIVEN + CAPACITY_OK + step5_started + ONE_OUTCOME + NO + tick()
    new_case(run, keys)
    assert rows(initialised, "SELECT text FROM desired_outcome") == [("I want to feel safe in my own home",)]
    assert rows(initialised, "SELECT lacked_capacity FROM safeguarding_case") == [("No, they did not lack capacity",)]


def test_enter_alone_records_nothing_in_feedback_and_meetings(
    run: Run,
    initialised: Path,
    write_jsonl,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from tests.helpers import open_case

    monkeypatch.setattr("msp_cli.commands.progress.interactive", lambda: True)
    case = open_case(case_ref="C-1", concern_received="2025-05-01", enquiry_started="2025-05-02")
    assert run("import", str(write_jsonl([{**case, "meetings": [], "feedback": []}]))).exit_code == 0
    e = first_enter
    feedback = e(text("2025-06-01")) + e(pick("Repr")) + e(pick("4")) + e(pick("Not answered")) + e(pick("2"))
    feedback += e(pick("1")) + accept()
    with keyboard() as pipe:
        pipe.send_text(feedback)
        result = run("feedback", "add", "C-1")
    assert result.exit_code == 0, result.output
    assert rows(
        initialised,
        "SELECT given_on, given_by, felt_listened_to, felt_involved, feels_safer, outcomes_met FROM feedback",
    ) == [("2025-06-01", "Representative", 4, None, 2, 1)]
    meeting = e(text("2025-06-02")) + e(pick("Strategy meeting")) + e(pick("Person's home")) + e(YES)
    meeting += tick("Person") + e(NO) + accept() + accept()
    with keyboard() as pipe:
        pipe.send_text(meeting)
        result = run("meeting", "add", "C-1")
    assert result.exit_code == 0, result.output
    assert rows(
        initialised, "SELECT held_on, kind, location, location_chosen_by_person, person_prepared FROM meeting"
    ) == [("2025-06-02", "Strategy meeting", "Person's home", 1, 0)]


def test_going_back_shows_what_is_recorded_and_enter_keeps_it(run: Run, initialised: Path) -> None:
    keys = (
        person_step()
        + concern_step()
        + CONSENT_GIVEN
        + CAPACITY_OK
        + BACK  # step 5's first question: back to step 4
        + BACK  # step 4's first question: back to step 3
        + ENTER  # consent sought: the recorded "yes" is kept
        + ENTER  # consent given: the recorded "yes" is kept
        + ENTER  # lacked capacity: the recorded answer is kept
        + NO  # advocacy offered: "no" was recorded as no advocacy, so it is asked again
        + ONE_OUTCOME
        + NO
        + tick()
    )
    new_case(run, keys)
    assert rows(
        initialised, "SELECT consent_sought, consent_given, lacked_capacity, draft_step FROM safeguarding_case"
    ) == [(1, 1, "No, they did not lack capacity", None)]
