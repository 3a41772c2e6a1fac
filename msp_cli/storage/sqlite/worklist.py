"""`msp audit`: the case-audit worklist. Which cases' recording falls short, and how to put it right.

Looks at open cases and those closed in the last DAYS days. Each rule is one query that
returns (worker, case_ref); the worklist groups the findings by worker, for supervision.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from msp_cli import rules
from msp_cli.storage.sqlite.rules_sql import condition

# Fixes are templates: {msp} becomes `msp` with the global options in force and {ref} the case, quoted,
# so that a fix pasted from the worklist runs on the same file
EDIT = "{msp} case show {ref} --json > case.json, correct it, then {msp} import --update case.json"


@dataclass(frozen=True)
class Rule:
    key: str
    finding: str
    fix: str
    where: str  # a condition on c (case), cl (current closure, may be NULL), in scope


ENQUIRY = condition(rules.IS_ENQUIRY)
EXPRESSED = condition(rules.OUTCOMES_EXPRESSED)
LACKED = condition(rules.LACKED_CAPACITY)
OPEN_DAYS = 28

RULES = (
    Rule(
        "no-desired-outcomes",
        "Outcomes were expressed, but none is recorded",
        "Record them in the person's words: {msp} case review {ref} (add a new outcome)",
        condition(rules.NEEDS_OUTCOMES),
    ),
    Rule(
        "asked-missing",
        '"Asked about outcomes" (SG4a) is not answered',
        "Ask the person what they want, then record it: " + EDIT,
        condition(rules.NEEDS_ASKED),
    ),
    Rule(
        "capacity-no-support",
        "The person lacked capacity and no support is recorded",
        "Arrange an advocate or a family member or friend, and record who: " + EDIT,
        condition(rules.NEEDS_SUPPORT),
    ),
    Rule(
        "no-best-interests",
        "The person lacked capacity and there is no best-interests note",
        "Record the best-interests decision: " + EDIT,
        f"{LACKED} AND (c.best_interests_note IS NULL OR TRIM(c.best_interests_note) = '')",
    ),
    Rule(
        "open-no-review",
        f"Open more than {OPEN_DAYS} days with no review of the outcomes",
        "Review the outcomes with the person: {msp} case review {ref}",
        f"{ENQUIRY} AND cl.id IS NULL AND COALESCE(c.enquiry_started, c.concern_received) < :review_due"
        " AND NOT EXISTS (SELECT 1 FROM outcome_review_session r WHERE r.case_id = c.id)",
    ),
    Rule(
        "closed-without-achieved",
        "Closed without recording whether the outcomes were achieved",
        'Reopen and close again with the answers: {msp} case reopen {ref} --reason "record outcomes"',
        f"cl.id IS NOT NULL AND {EXPRESSED} AND (cl.outcomes_achieved IS NULL OR EXISTS (SELECT 1 FROM"
        " desired_outcome d WHERE d.case_id = c.id AND NOT EXISTS (SELECT 1 FROM closure_outcome co"
        " WHERE co.closure_id = cl.id AND co.outcome_id = d.id)))",
    ),
    Rule(
        "risk-outcome-missing",
        "Risk was identified and action taken, but the risk outcome (SG2e) is missing",
        'Reopen and close again with the risk outcome: {msp} case reopen {ref} --reason "record risk outcome"',
        condition(rules.NEEDS_RISK_OUTCOME),
    ),
    Rule(
        "no-feedback",
        "Closed with no feedback gathered from the person or their representative",
        "Ask how it went, while it is fresh: {msp} feedback add {ref}",
        f"{ENQUIRY} AND cl.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.case_id = c.id)",
    ),
)

OTHER_RULE = Rule(
    "other-overused",
    "'Other' is used for more than a quarter of this worker's desired outcomes",
    "Use the categories that fit, keeping the person's words beside them: {msp} case review CASE",
    "",
)
OTHER_SHARE = 0.25
OTHER_MIN_OUTCOMES = 4  # fewer outcomes than this say nothing about a worker's habits


CURRENT_CLOSURE = " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
# open cases, and those closed recently; unfinished wizard drafts are not cases yet
IN_SCOPE = (
    " WHERE c.draft_step IS NULL AND (cl.id IS NULL OR cl.concluded >= :closed_since)"
    " AND (:worker IS NULL OR c.worker = :worker) AND (:team IS NULL OR c.team = :team)"
)


def findings(
    conn: sqlite3.Connection,
    *,
    today: dt.date,
    days: int,
    worker: str | None = None,
    team: str | None = None,
) -> list[dict[str, str | None]]:
    params = {
        "closed_since": (today - dt.timedelta(days=days)).isoformat(),
        "review_due": (today - dt.timedelta(days=OPEN_DAYS)).isoformat(),
        "worker": worker,
        "team": team,
    }
    out: list[dict[str, str | None]] = []
    for rule in RULES:
        query = (
            f"SELECT c.worker, c.case_ref FROM safeguarding_case c{CURRENT_CLOSURE}{IN_SCOPE}"
            f" AND {rule.where} ORDER BY c.case_ref"
        )
        for who, ref in conn.execute(query, params):
            out.append(
                {
                    "worker": who,
                    "case_ref": ref,
                    "rule": rule.key,
                    "finding": rule.finding,
                    "fix": rule.fix,  # a template: the command line fills in {msp} and {ref} (commands/worklist.py)
                }
            )
    other = (
        "SELECT c.worker, COUNT(*), SUM(CASE WHEN d.category = 'Other' THEN 1 ELSE 0 END)"
        f" FROM safeguarding_case c JOIN desired_outcome d ON d.case_id = c.id{CURRENT_CLOSURE}{IN_SCOPE}"
        " GROUP BY c.worker"
    )
    for who, total, others in conn.execute(other, params):
        if total >= OTHER_MIN_OUTCOMES and others / total > OTHER_SHARE:
            out.append(
                {
                    "worker": who,
                    "case_ref": None,
                    "rule": OTHER_RULE.key,
                    "finding": f"{OTHER_RULE.finding} ({others} of {total})",
                    "fix": OTHER_RULE.fix,
                }
            )
    return out


def summary(found: list[dict[str, str | None]]) -> dict[str, int]:
    counts = {rule.key: 0 for rule in (*RULES, OTHER_RULE)}
    for f in found:
        counts[str(f["rule"])] += 1
    return counts
