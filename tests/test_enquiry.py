"""Through the enquiry to closure: reviews, meetings, feedback, closing and reopening."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from msp_cli import ui
from tests.conftest import Backend, Run
from tests.helpers import open_case
from tests.keys import ENTER, NO, YES, accept, keyboard, pick, text, tick


@pytest.fixture
def case(run: Run, backend: Backend, write_jsonl: Any) -> Backend:
    """An open Section 42 enquiry with two desired outcomes (one negotiated)."""
    c = open_case(case_ref="C-1", concern_received="2025-05-01", enquiry_started="2025-05-02", meetings=[], feedback=[])
    c["desired_outcomes"].append(
        {
            "text": "I want to feel safe at night",
            "category": "To be and to feel safer",
            "expressed_by": "Person",
            "negotiated": None,
            "achieved": None,
        }
    )
    assert run("import", str(write_jsonl([c]))).exit_code == 0
    return backend


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.progress.interactive", lambda: True)


def history(run: Run, case_ref: str) -> list[dict[str, Any]]:
    result = run("history", case_ref, "--json")
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def test_review_changes_wording_and_keeps_the_old(run: Run, case: Backend, terminal: None) -> None:
    keys = (
        text("2025-06-01")
        + pick("progress")
        + text("He has paid some back")
        + NO
        + accept()
        + "achieved"
        + ENTER  # the exact match wins: 'Achieved', not 'Partly achieved'
        + accept()
        + YES
        + text("I want to feel safe at night and in the day")
        + pick("safer")
        + accept()
        + NO  # no new outcome
        + text("Good progress")
    )
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "review", "C-1")
    assert result.exit_code == 0, result.output
    assert case.rows("SELECT position, text FROM desired_outcome ORDER BY position") == [
        (1, "I want my son to stop taking my pension, but I want to keep seeing him"),
        (2, "I want to feel safe at night and in the day"),
    ]
    assert case.rows("SELECT text, replaced_on FROM desired_outcome_wording") == [
        ("I want to feel safe at night", "2025-06-01")
    ]
    assert case.rows("SELECT progress, person_says FROM outcome_review ORDER BY outcome_id") == [
        ("In progress", "He has paid some back"),
        ("Achieved", None),
    ]
    entry = [h for h in history(run, "C-1") if h["action"] == "case.review"][0]
    assert entry["changes"]["desired_outcomes[1].text"] == [
        "I want to feel safe at night",
        "I want to feel safe at night and in the day",
    ]
    shown = run("case", "show", "C-1").output
    assert "reworded; it was" in shown and "Outcomes reviewed" in shown


def test_review_from_answers_adds_an_outcome(run: Run, case: Backend, tmp_path: Path) -> None:
    answers = tmp_path / "review.json"
    answers.write_text(
        json.dumps(
            {
                "date": "2025-06-02",
                "outcomes": [{"progress": "Not started"}, {"progress": "In progress"}],
                "new_outcomes": [
                    {
                        "text": "I want to see my grandchildren",
                        "category": "To maintain key relationships",
                        "expressed_by": "Person",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    result = run("case", "review", "C-1", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert case.rows("SELECT position, text FROM desired_outcome WHERE position = 3") == [
        (3, "I want to see my grandchildren")
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"date": "2025-06-02", "outcomes": [{"progress": "Done"}]}), encoding="utf-8")
    refused = run("case", "review", "C-1", "--answers", str(bad))
    assert refused.exit_code == 65 and "outcomes[0].progress" in refused.output
    assert case.rows("SELECT count(*) FROM outcome_review_session") == [(1,)]


def test_meeting_with_person_and_advocate_at_home(run: Run, case: Backend) -> None:
    result = run(
        "meeting",
        "add",
        "C-1",
        "--date",
        "2025-05-20",
        "--kind",
        "Strategy meeting",
        "--location",
        "Person's home",
        "--chosen",
        "--attendee",
        "Person",
        "--attendee",
        "Advocate",
        "--prepared",
        "--minutes",
        "75",
    )
    assert result.exit_code == 0, result.output
    assert case.rows(
        "SELECT held_on, kind, location, location_chosen_by_person, person_prepared, minutes_spent FROM meeting"
    ) == [("2025-05-20", "Strategy meeting", "Person's home", 1, 1, 75)]
    assert case.rows("SELECT attendee FROM meeting_attendee ORDER BY rowid") == [("Person",), ("Advocate",)]
    assert [h["action"] for h in history(run, "C-1")][-1] == "meeting.add"


def test_meeting_keystrokes(run: Run, case: Backend, terminal: None) -> None:
    keys = text("2025-05-21") + pick("Family") + pick("Community") + YES + tick("Family", "Police") + NO + text("30")
    with keyboard() as pipe:
        pipe.send_text(keys + accept())
        result = run("meeting", "add", "C-1")
    assert result.exit_code == 0, result.output
    assert case.rows(
        "SELECT kind, location, location_chosen_by_person, person_prepared, minutes_spent FROM meeting"
    ) == [("Family group conference", "Community venue", 1, 0, 30)]


def test_meeting_without_terminal_lists_what_is_missing(run: Run, case: Backend) -> None:
    result = run("meeting", "add", "C-1", "--date", "2025-05-20")
    assert result.exit_code == 1
    assert "kind, location, attendees" in result.output
    assert case.rows("SELECT count(*) FROM meeting") == [(0,)]


def close_args(*extra: str) -> list[str]:
    return [
        "case",
        "close",
        "C-1",
        "--concluded",
        "2025-07-01",
        "--risk-assessment-outcome",
        "Risk identified and action taken",
        "--risk-outcome",
        "Risk reduced",
        *extra,
    ]


def test_feedback_after_closure_warns(run: Run, case: Backend) -> None:
    during = run("feedback", "add", "C-1", "--date", "2025-06-01", "--given-by", "Person", "--listened", "5")
    assert during.exit_code == 0 and "old wounds" not in during.output
    closed = run(
        *close_args(
            "--achieved", "Fully Achieved", "--achieved", "Fully Achieved", "--outcomes-achieved", "Fully Achieved"
        )
    )
    assert closed.exit_code == 0, closed.output
    late = run("feedback", "add", "C-1", "--date", "2025-08-01", "--given-by", "Representative", "--safer", "2")
    assert late.exit_code == 0
    assert "31 days after the case closed" in late.output and "old wounds" in late.output
    assert case.rows("SELECT given_on, given_by, felt_listened_to, feels_safer FROM feedback ORDER BY position") == [
        ("2025-06-01", "Person", 5, None),
        ("2025-08-01", "Representative", None, 2),
    ]


def test_closing_with_missing_fields_is_refused_and_lists_them(run: Run, case: Backend) -> None:
    result = run("case", "close", "C-1", "--concluded", "2025-07-01")
    assert result.exit_code == 65
    for words in (
        "risk assessment outcome (SG2c)",
        "whether desired outcome 1 was achieved",
        "whether desired outcome 2 was achieved",
        "outcomes_achieved",
    ):
        assert words in result.output
    assert case.rows("SELECT count(*) FROM closure") == [(0,)]


def test_asked_about_outcomes_missing_blocks_closure(run: Run, initialised: Path, write_jsonl: Any) -> None:
    c = open_case(case_ref="C-2", asked_about_outcomes=None, desired_outcomes=[], meetings=[], feedback=[])
    run("import", str(write_jsonl([c])))
    result = run(
        "case",
        "close",
        "C-2",
        "--concluded",
        "2024-07-01",
        "--risk-assessment-outcome",
        "No risk identified and no action taken",
    )
    assert result.exit_code == 65 and '"asked about outcomes" (SG4a)' in result.output


@pytest.mark.parametrize(
    ("achieved", "suggested"),
    [
        (["Fully", "Fully"], "Fully Achieved"),
        (["Fully", "Not"], "Partially Achieved"),
        (["Not", "Not"], "Not Achieved"),
    ],
)
def test_closing_suggests_the_overall_outcome(
    run: Run, case: Backend, terminal: None, achieved: list[str], suggested: str
) -> None:
    keys = (
        text("2025-07-01")
        + pick(achieved[0])
        + pick(achieved[1])
        + ENTER  # accept the suggested overall answer
        + pick("Risk")  # the first SG2c label: Risk identified and action taken
        + pick("reduced")
        + ENTER
        + accept()
    )
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("case", "close", "C-1")
    assert result.exit_code == 0, result.output
    assert case.rows("SELECT outcomes_achieved FROM closure") == [(suggested,)]
    assert case.rows("SELECT achieved FROM closure_outcome ORDER BY outcome_id") == [
        (f"{a} Achieved",) for a in achieved
    ]


def test_reopen_then_close_again_keeps_both_closures(run: Run, case: Backend) -> None:
    first = close_args(
        "--achieved", "Partially Achieved", "--achieved", "Not Achieved", "--outcomes-achieved", "Partially Achieved"
    )
    assert run(*first).exit_code == 0
    reopened = run("case", "reopen", "C-1", "--reason", "The police found new evidence")
    assert reopened.exit_code == 0, reopened.output
    assert json.loads(run("case", "show", "C-1", "--json").output)["concluded"] is None
    today = dt.date.today().isoformat()
    second = [
        "case",
        "close",
        "C-1",
        "--concluded",
        today,
        "--risk-assessment-outcome",
        "Risk identified and action taken",
        "--risk-outcome",
        "Risk removed",
        "--achieved",
        "Fully Achieved",
        "--achieved",
        "Fully Achieved",
        "--outcomes-achieved",
        "Fully Achieved",
    ]
    before_reopening = [*second[:4], "2025-08-01", *second[5:]]
    assert run(*before_reopening).exit_code == 65  # a closure never comes before the reopening it follows
    assert run(*second).exit_code == 0
    closures = case.rows("SELECT concluded, outcomes_achieved, reopen_reason FROM closure ORDER BY id")
    assert closures == [
        ("2025-07-01", "Partially Achieved", "The police found new evidence"),
        (today, "Fully Achieved", None),
    ]
    actions = [h["action"] for h in history(run, "C-1")]
    assert actions[-3:] == ["case.close", "case.reopen", "case.close"]
    reopen_entry = [h for h in history(run, "C-1") if h["action"] == "case.reopen"][0]
    assert reopen_entry["changes"]["reopen_reason"] == [None, "The police found new evidence"]
    assert reopen_entry["changes"]["outcomes_achieved"] == ["Partially Achieved", None]
    assert run("case", "reopen", "C-1", "--reason", "").exit_code == 1


def test_risk_outcome_only_where_risk_identified_and_action_taken(run: Run, case: Backend) -> None:
    result = run(
        "case",
        "close",
        "C-1",
        "--concluded",
        "2025-07-01",
        "--risk-assessment-outcome",
        "Risk identified and no action taken",
        "--risk-outcome",
        "Risk reduced",
        "--achieved",
        "Fully Achieved",
        "--achieved",
        "Fully Achieved",
        "--outcomes-achieved",
        "Fully Achieved",
    )
    assert result.exit_code == 65 and "risk_outcome: is only recorded where" in result.output
    assert case.rows("SELECT count(*) FROM closure") == [(0,)]
    missing = run(
        *close_args()[:7],
        "--achieved",
        "Fully Achieved",
        "--achieved",
        "Fully Achieved",
        "--outcomes-achieved",
        "Fully Achieved",
    )
    assert missing.exit_code == 65 and "risk outcome (SG2e)" in missing.output


def test_close_from_answers_file(run: Run, case: Backend, tmp_path: Path) -> None:
    answers = tmp_path / "close.json"
    answers.write_text(
        json.dumps(
            {
                "concluded": "2025-07-01",
                "risk_assessment_outcome": "No risk identified and no action taken",
                "risk_outcome": None,
                "outcomes_achieved": "Not Achieved",
                "desired_outcomes": [{"achieved": "Not Achieved"}, {"achieved": "Not Achieved"}],
                "responses": ["Signs of Safety"],
                "closure_note": "Closed by agreement",
            }
        ),
        encoding="utf-8",
    )
    result = run("case", "close", "C-1", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    shown = json.loads(run("case", "show", "C-1", "--json").output)
    assert shown["responses"] == ["Signs of Safety"]
    assert [o["achieved"] for o in shown["desired_outcomes"]] == ["Not Achieved", "Not Achieved"]
    assert case.rows("SELECT stage, response FROM case_response ORDER BY stage") == [
        ("planned", "Family and networks, including group conferences"),
        ("used", "Signs of Safety"),
    ]
