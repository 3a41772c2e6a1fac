"""The real wizard, driven by keystrokes; assertions on the rows it stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msp_cli import ui
from msp_cli.storage.sqlite.case_store import CASE_TABLES
from tests.conftest import Backend, Run, rows
from tests.helpers import full_case
from tests.keys import CTRL_C, NO, YES, accept, keyboard, pick, text, tick


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # The keystrokes come from a pipe, but the wizard must believe a person is typing.
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: True)


def person_step(ref: str = "P-1", case_ref: str = "C-T-1") -> str:
    return (
        text(case_ref)
        + accept()
        + accept()
        + text(ref)
        + accept()  # no name: least data
        + pick("85-94")
        + pick("Fem")
        + pick("Asian")
        + pick("Memory")
    )


def concern_step(received: str = "2025-06-02", started: str = "2025-06-03") -> str:
    return (
        text(received) + tick("Financial", "Psycholog") + pick("Own") + pick("Known") + pick("Section") + text(started)
    )


CONSENT_GIVEN = YES + YES
CAPACITY_OK = pick("did") + NO  # did not lack capacity; no advocacy offered
ONE_OUTCOME = pick("expressed") + text("I want to feel safe in my own home") + pick("safer") + pick("Person") + NO


def test_full_case(run: Run, backend: Backend) -> None:
    keys = (
        person_step()
        + concern_step()
        + CONSENT_GIVEN
        + CAPACITY_OK
        + ONE_OUTCOME
        + NO  # negotiated outcome is the same
        + tick("Personalised", "Signs")
    )
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert backend.rows(
        "SELECT case_ref, draft_step, concern_received, enquiry_type, enquiry_started,"
        " worker, team, consent_sought, consent_given FROM safeguarding_case",
    ) == [
        ("C-T-1", None, "2025-06-02", "Section 42", "2025-06-03", backend.worker, "North", 1, 1)
    ]  # the login, on a server
    assert backend.rows("SELECT ref, name, age_band, sex, ethnicity, primary_support_reason FROM person") == [
        ("P-1", None, "85-94", "Female", "Asian / Asian British", "Support with Memory and Cognition")
    ]
    assert backend.rows("SELECT risk_type FROM case_risk_type ORDER BY rowid") == [
        ("Psychological Abuse",),
        ("Financial or Material Abuse",),
    ]
    assert backend.rows("SELECT text, category, expressed_by, negotiated_text FROM desired_outcome") == [
        ("I want to feel safe in my own home", "To be and to feel safer", "Person", None)
    ]
    assert backend.rows("SELECT stage, response FROM case_response ORDER BY rowid") == [
        ("planned", "Personalised information and advice"),
        ("planned", "Signs of Safety"),
    ]
    # each step was saved in its own transaction, each with its audit entry
    steps = backend.rows("SELECT changes FROM audit_log WHERE row_key = 'C-T-1' ORDER BY id")
    assert len(steps) == 7
    assert json.loads(steps[-1][0])["draft_step"] == [7, None]


def test_lacking_capacity_with_an_advocate(run: Run, backend: Backend) -> None:
    capacity = (
        pick("Yes")
        + text("Best interests: stay at home with more care")
        + pick("Advocate")
        + YES
        + text("2025-06-03")
        + text("2025-06-09")
        + pick("Care")
    )
    consent = YES + NO + YES + pick("lacks") + accept()
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern_step() + consent + capacity + pick("but") + tick())
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert backend.rows(
        "SELECT lacked_capacity, capacity_support, best_interests_note, advocacy_offered,"
        " advocacy_started, advocacy_type, consent_given, consent_override_reason,"
        " asked_about_outcomes FROM safeguarding_case",
    ) == [
        (
            "Yes, they lacked capacity",
            "Advocate",
            "Best interests: stay at home with more care",
            "2025-06-03",
            "2025-06-09",
            "Care Act advocate",
            0,
            "The person lacks capacity to consent",
            "Yes they were asked but no outcomes were expressed",
        )
    ]


def test_three_outcomes_one_negotiated(run: Run, backend: Backend) -> None:
    outcomes = (
        pick("expressed")
        + text("I want my son to stop taking my pension")
        + pick("control")
        + pick("Person")
        + YES
        + text("But I want to keep seeing him")
        + pick("relation")
        + pick("Person")
        + YES
        + text("We want them taken outside and shot")
        + pick("justice")
        + pick("Repr")
        + NO
    )
    negotiation = NO + NO + YES + text("Police told; the law explained") + pick("law") + text("Family angry")
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern_step() + CONSENT_GIVEN + CAPACITY_OK + outcomes + negotiation + tick())
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    stored = backend.rows(
        "SELECT position, text, category, expressed_by, negotiated_text, negotiated_reason,"
        " negotiated_note FROM desired_outcome ORDER BY position",
    )
    assert stored == [
        (
            1,
            "I want my son to stop taking my pension",
            "To gain or maintain control over the situation",
            "Person",
            None,
            None,
            None,
        ),
        (2, "But I want to keep seeing him", "To maintain key relationships", "Person", None, None, None),
        (
            3,
            "We want them taken outside and shot",
            "To have access to justice or an apology, or to know that disciplinary or other action has been taken",
            "Representative",
            "Police told; the law explained",
            "The law",
            "Family angry",
        ),
    ]


def test_cancelled_wizard_keeps_finished_steps_and_resumes(run: Run, backend: Backend) -> None:
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern_step() + YES + CTRL_C)
        result = run("case", "new")
    assert result.exit_code == 130
    assert "Continue with: msp case resume C-T-1" in result.output
    assert "Traceback" not in result.output
    # steps 1 and 2 are saved; the half-answered consent step left nothing behind
    assert backend.rows("SELECT draft_step, enquiry_type, consent_sought FROM safeguarding_case") == [
        (3, "Section 42", None)
    ]
    listed = run("case", "list", "--status", "draft", "--json")
    assert json.loads(listed.output.splitlines()[0])["draft_step"] == 3
    with keyboard() as pipe:
        pipe.send_text(CONSENT_GIVEN + CAPACITY_OK + ONE_OUTCOME + NO + tick())
        resumed = run("case", "resume", "C-T-1")
    assert resumed.exit_code == 0, resumed.output
    assert backend.rows("SELECT draft_step, consent_sought, asked_about_outcomes FROM safeguarding_case") == [
        (None, 1, "Yes they were asked and outcomes were expressed")
    ]
    again = run("case", "resume", "C-T-1")
    assert again.exit_code == 1 and "already complete" in again.output


def test_end_of_input_is_a_cancel(run: Run, backend: Backend) -> None:
    with keyboard() as pipe:
        pipe.send_text(person_step())
        pipe.close()
        result = run("case", "new")
    assert result.exit_code == 130
    assert backend.rows("SELECT draft_step FROM safeguarding_case") == [(2,)]


def test_invalid_dates_are_refused_and_asked_again(run: Run, backend: Backend) -> None:
    concern = (
        text("2025-13-01")
        + text("01/06/2025")
        + text("2999-01-01")
        + text("2025-06-02")
        + tick("Self")
        + pick("Own")
        + pick("Known")
        + pick("Section")
        + text("2025-06-01")  # before the concern: refused
        + text("2025-06-04")
    )
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern + CONSENT_GIVEN + CAPACITY_OK + pick("No") + tick())
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert backend.rows("SELECT concern_received, enquiry_started FROM safeguarding_case") == [
        ("2025-06-02", "2025-06-04")
    ]


def test_no_enquiry_ends_at_the_decision(run: Run, backend: Backend) -> None:
    concern = text("2025-06-02") + tick("Self") + pick("Own") + pick("Known") + pick("Noenq")
    concern = concern.replace(pick("Noenq"), pick("No")) + text("Signposted to GP and a carers' assessment")
    concern += text("2025-06-03")
    with keyboard() as pipe:
        pipe.send_text(person_step() + concern)
        result = run("case", "new")
    assert result.exit_code == 0, result.output
    assert backend.rows("SELECT enquiry_type, draft_step FROM safeguarding_case") == [("None", None)]
    assert backend.rows("SELECT concluded, note FROM closure") == [
        ("2025-06-03", "Signposted to GP and a carers' assessment")
    ]


def test_returning_person_is_shown_their_earlier_cases(run: Run, backend: Backend, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    run("import", str(write_jsonl([full_case(person={"ref": "P-1", "age_band": "75-84"})])))
    keys = text("C-T-2") + accept() + accept() + text("P-1") + YES + concern_step() + CTRL_C
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "new")
    assert result.exit_code == 130
    assert backend.rows("SELECT count(*), count(DISTINCT person_id) FROM safeguarding_case") == [(2, 1)]
    assert backend.rows("SELECT age_band FROM person") == [("75-84",)]


def test_no_terminal_and_no_answers(run: Run, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("msp_cli.commands.case.interactive", lambda: False)
    result = run("case", "new")
    assert result.exit_code == 2
    assert "--answers FILE" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_answers_file_stores_what_import_would(run: Run, initialised: Path, tmp_path: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    one = tmp_path / "one-case.json"
    one.write_text(json.dumps(full_case(), indent=2), encoding="utf-8")
    assert run("case", "new", "--answers", str(one)).exit_code == 0
    shown = json.loads(run("case", "show", "C-2024-0001", "--json").output)
    assert shown == full_case()
    tables = CASE_TABLES
    via_answers = {t: rows(initialised, f"SELECT * FROM {t}") for t in tables}
    other = tmp_path / "other.db"
    assert run("--db", str(other), "init").exit_code == 0
    assert run("--db", str(other), "import", str(write_jsonl([full_case()]))).exit_code == 0
    assert {t: rows(other, f"SELECT * FROM {t}") for t in tables} == via_answers
    dup = run("case", "new", "--answers", str(one))
    assert dup.exit_code == 1 and "already exists" in dup.output


def test_options_answer_their_questions(run: Run, backend: Backend) -> None:
    keys = (
        text("C-OPT-1") + accept()  # lead worker (the team is given)
        + accept() + pick("65") + pick("Male") + pick("White") + pick("Physical")  # the person's details
        + text("2025-06-03")  # enquiry started; the concern's date, risks, place, source and decision are given
        + CONSENT_GIVEN + CAPACITY_OK + pick("No") + tick()
    )  # fmt: skip
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run(
            "case", "new", "--person-ref", "P-OPT", "--team", "Hospital Team", "--concern-received", "2025-06-02",
            "--risk-type", "Self-Neglect", "--risk-type", "Neglect and Acts of Omission", "--location", "Own Home",
            "--source", "Other - Known to individual", "--enquiry-type", "Section 42",
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    stored = backend.rows(
        "SELECT case_ref, team, concern_received, location_of_risk, enquiry_type FROM safeguarding_case"
    )
    assert stored == [("C-OPT-1", "Hospital Team", "2025-06-02", "Own Home", "Section 42")]
    risks = backend.rows("SELECT risk_type FROM case_risk_type ORDER BY rowid")
    assert risks == [("Self-Neglect",), ("Neglect and Acts of Omission",)]
    assert backend.rows("SELECT ref FROM person") == [("P-OPT",)]


def test_a_bad_option_is_refused_before_any_question(run: Run, backend: Backend) -> None:
    result = run("case", "new", "--location", "Moon", "--concern-received", "2025-02-30")
    assert result.exit_code == 65
    assert "location_of_risk" in result.output and "concern_received" in result.output
    assert backend.rows("SELECT count(*) FROM safeguarding_case") == [(0,)]
