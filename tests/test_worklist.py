"""msp audit: each rule has a case that triggers it and one that does not."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.conftest import Backend, Run
from tests.helpers import full_case, open_case

TODAY = dt.date.today()
RECENT = (TODAY - dt.timedelta(days=10)).isoformat()
LONG_AGO = (TODAY - dt.timedelta(days=60)).isoformat()


def closed(ref: str, **fields: Any) -> dict[str, Any]:
    """A recently closed, fully recorded case (it triggers nothing)."""
    case = full_case(
        case_ref=ref,
        person={"ref": f"P-{ref}"},
        concern_received=LONG_AGO,
        enquiry_started=LONG_AGO,
        concluded=RECENT,
        meetings=[],
        feedback=[{**full_case()["feedback"][0], "date": RECENT}],
        advocacy=None,
        worker="Ann",
    )
    case.update(fields)
    return case


def opened(ref: str, **fields: Any) -> dict[str, Any]:
    case = open_case(
        case_ref=ref,
        person={"ref": f"P-{ref}"},
        concern_received=RECENT,
        enquiry_started=RECENT,
        meetings=[],
        feedback=[],
        advocacy=None,
        worker="Ann",
    )
    case.update(fields)
    return case


NOT_EXPRESSED = {"asked_about_outcomes": "No", "desired_outcomes": [], "outcomes_achieved": None}

TRIGGERS = {
    "no-desired-outcomes": opened("T1", desired_outcomes=[]),
    "asked-missing": opened("T2", asked_about_outcomes=None, desired_outcomes=[]),
    "capacity-no-support": opened(
        "T3", capacity={"lacked_capacity": "Yes, they lacked capacity", "best_interests_note": "BI"}
    ),
    "no-best-interests": opened("T4", capacity={"lacked_capacity": "Yes, they lacked capacity", "support": "Advocate"}),
    "open-no-review": opened("T5", concern_received=LONG_AGO, enquiry_started=LONG_AGO),
    "closed-without-achieved": closed("T6", outcomes_achieved=None),
    "risk-outcome-missing": closed("T7", risk_outcome=None),
    "no-feedback": closed("T8", feedback=[]),
}


def run_audit(run: Run) -> dict[str, Any]:
    result = run("audit", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_each_rule_triggers_on_its_case_only(run: Run, backend: Backend, write_jsonl: Any) -> None:
    clean = [closed("OK1"), opened("OK2")]
    assert run("import", str(write_jsonl([*TRIGGERS.values(), *clean]))).exit_code == 0
    report = run_audit(run)
    by_rule: dict[str, set[str]] = {}
    for f in report["findings"]:
        by_rule.setdefault(f["rule"], set()).add(f["case_ref"])
    for rule, case in TRIGGERS.items():
        assert case["case_ref"] in by_rule.get(rule, set()), rule
    flagged = {ref for refs in by_rule.values() for ref in refs}
    assert "OK1" not in flagged and "OK2" not in flagged
    assert report["summary"]["no-feedback"] == len(by_rule["no-feedback"])
    assert all(f["fix"] for f in report["findings"])


def test_old_closed_cases_are_out_of_scope(run: Run, backend: Backend, write_jsonl: Any) -> None:
    ages_ago = (TODAY - dt.timedelta(days=200)).isoformat()
    old = closed("OLD", feedback=[], concluded=ages_ago, concern_received=ages_ago, enquiry_started=ages_ago)
    assert run("import", str(write_jsonl([old]))).exit_code == 0
    assert run_audit(run)["findings"] == []
    wide = json.loads(run("audit", "--json", "--days", "365").output)
    assert [f["rule"] for f in wide["findings"]] == ["no-feedback"]


def test_other_overused_by_a_worker(run: Run, backend: Backend, write_jsonl: Any) -> None:
    def outcomes(n_other: int, n_safe: int) -> list[dict[str, Any]]:
        base = {"expressed_by": "Person", "negotiated": None, "achieved": None}
        return [{**base, "text": "x", "category": "Other"}] * n_other + [
            {**base, "text": "y", "category": "To be and to feel safer"}
        ] * n_safe

    cases = [
        opened("W1", worker="Bea", desired_outcomes=outcomes(2, 2)),  # 2 of 4: over a quarter
        opened("W2", worker="Cal", desired_outcomes=outcomes(1, 3)),  # 1 of 4: a quarter, not over
    ]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    found = [f for f in run_audit(run)["findings"] if f["rule"] == "other-overused"]
    assert [f["worker"] for f in found] == ["Bea"]
    text = run("audit").output
    assert "Bea" in text and "Findings by rule" in text


def test_a_long_worklist_shows_the_first_few_of_each_worker_and_where_the_rest_are(
    run: Run, backend: Backend, write_jsonl: Any
) -> None:
    from msp_cli.commands.worklist import FIRST_FEW

    many = FIRST_FEW + 3
    cases = [closed(f"N{i:02d}", feedback=[], worker="Dee [b]Lane[/b]") for i in range(many)]
    cases.append(closed("M01", feedback=[], worker="Eve"))
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    refs = [f"N{i:02d}" for i in range(many)]
    assert [f["case_ref"] for f in run_audit(run)["findings"]] == ["M01", *refs]  # JSON: every finding

    text = run("audit").output
    assert all(ref in text for ref in refs[:FIRST_FEW]) and not any(ref in text for ref in refs[FIRST_FEW:])
    assert "Dee [b]Lane[/b]: 13 to put right" in text  # the name as recorded, not read as markup
    assert "and 3 more (no-feedback 3)" in text and "--worker 'Dee [b]Lane[/b]' --all" in " ".join(text.split())
    assert "M01" in text and "Eve: 1 to put right" in text  # a short list is drawn whole

    every = run("audit", "--worker", "Dee [b]Lane[/b]", "--all").output
    assert all(ref in every for ref in refs) and "more (" not in every
