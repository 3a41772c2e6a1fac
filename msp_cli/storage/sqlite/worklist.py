"""`msp audit`: the case-audit worklist. Which cases' recording falls short, and how to put it right.

Looks at open cases and those closed in the last DAYS days. Each rule is an SQL condition; one
pass over the cases in scope answers every rule at once (a column each), and returns only the
cases with a finding. The worklist groups the findings by worker, for supervision.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from msp_cli import rules, vocab
from msp_cli.storage.sqlite.rules_sql import condition

# Fixes are templates: {msp} becomes `msp` with the global options in force and {ref} the case, quoted,
# so that a fix pasted from the worklist runs on the same file


def edit(field: str) -> str:
    """The correction of FIELD, as the worklist shows it (it works on closed cases too)."""
    return f'{{msp}} case edit {{ref}} --set {field}="..." --reason "..."'


@dataclass(frozen=True)
class Rule:
    key: str
    finding: str
    fix: str
    where: str  # a condition on c (case), cl (current closure, may be NULL), in scope
    fix_closed: str | None = None  # the fix where the case is closed, if it differs


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
        fix_closed="Reopen it, then record them in the person's words: {msp} case reopen {ref} --reason \"record"
        ' the desired outcomes", then {msp} case review {ref}',
    ),
    Rule(
        "asked-missing",
        '"Asked about outcomes" (SG4a) is not answered',
        "Ask the person what they want, then record it: " + edit("asked_about_outcomes"),
        condition(rules.NEEDS_ASKED),
    ),
    Rule(
        "capacity-no-support",
        "The person lacked capacity and no support is recorded",
        "Arrange an advocate or a family member or friend, and record who: " + edit("capacity.support"),
        condition(rules.NEEDS_SUPPORT),
    ),
    Rule(
        "no-best-interests",
        "The person lacked capacity and there is no best-interests note",
        "Record the best-interests decision: " + edit("capacity.best_interests_note"),
        f"{LACKED} AND (c.best_interests_note IS NULL OR TRIM(c.best_interests_note) = '')",
    ),
    Rule(
        "consent-capacity-contradiction",
        f"Went ahead without consent because {vocab.CONSENT_LACKS_CAPACITY.lower()}, yet recorded as not"
        " lacking capacity",
        "Correct whichever is wrong: " + edit("capacity.lacked_capacity"),
        condition(rules.CAPACITY_CONTRADICTS_CONSENT),
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
        "Record them: " + edit("desired_outcomes[0].achieved") + " (each outcome, counting from 0), and"
        " outcomes_achieved",
        f"cl.id IS NOT NULL AND {EXPRESSED} AND (cl.outcomes_achieved IS NULL OR EXISTS (SELECT 1 FROM"
        " desired_outcome d WHERE d.case_id = c.id AND NOT EXISTS (SELECT 1 FROM closure_outcome co"
        " WHERE co.closure_id = cl.id AND co.outcome_id = d.id)))",
    ),
    Rule(
        "achieved-contradiction",
        "Outcomes achieved overall (SG4a) contradicts every desired outcome's own answer",
        "Correct whichever is wrong: " + edit("outcomes_achieved"),
        "cl.id IS NOT NULL AND EXISTS (SELECT 1 FROM closure_outcome co WHERE co.closure_id = cl.id) AND ("
        + " OR ".join(
            f"(cl.outcomes_achieved = '{said}' AND NOT EXISTS (SELECT 1 FROM closure_outcome co"
            f" WHERE co.closure_id = cl.id AND co.achieved <> '{every}'))"
            for said, every in ((vocab.FULLY, vocab.NOT_ACHIEVED), (vocab.NOT_ACHIEVED, vocab.FULLY))
        )
        + ")",
    ),
    Rule(
        "closed-before-reopening",
        "Closed again with a date before it was reopened (it counts in a year already reported)",
        "Correct the date the enquiry concluded: " + edit("concluded"),
        "cl.id IS NOT NULL AND cl.concluded < (SELECT MAX(e.reopened_on) FROM closure e WHERE e.case_id = c.id)",
    ),
    Rule(
        "risk-outcome-missing",
        "Risk was identified and action taken, but the risk outcome (SG2e) is missing",
        "Record it: " + edit("risk_outcome"),
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
    "Use the categories that fit, keeping the person's words beside them:"
    ' {msp} case edit CASE --set desired_outcomes[0].category="..." --reason "..."',
    "",
)
OTHER_SHARE = 0.25
OTHER_MIN_OUTCOMES = 4  # fewer outcomes than this say nothing about a worker's habits


CURRENT_CLOSURE = " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
# open cases, and those closed recently; unfinished wizard drafts are not cases yet
IN_SCOPE = (
    " WHERE c.draft_step IS NULL AND (cl.id IS NULL OR cl.concluded >= :closed_since)"
    " AND (:worker IS NULL OR c.worker = :worker) AND (:team IS NULL OR c.team = :team)"
    " AND (:case_ref IS NULL OR c.case_ref = :case_ref)"
    " AND (:source IS NULL OR EXISTS (SELECT 1 FROM case_source s WHERE s.case_id = c.id AND s.file_name = :source))"
)


def findings(
    conn: sqlite3.Connection,
    *,
    today: dt.date,
    days: int,
    worker: str | None = None,
    team: str | None = None,
    case_ref: str | None = None,
    source: str | None = None,
) -> list[dict[str, str | None]]:
    params = {
        "case_ref": case_ref,
        "closed_since": (today - dt.timedelta(days=days)).isoformat(),
        "review_due": (today - dt.timedelta(days=OPEN_DAYS)).isoformat(),
        "worker": worker,
        "team": team,
        "source": source,
    }
    # one column a rule, 1 where it holds; the outer WHERE keeps the cases with at least one finding.
    # DISTINCT changes no rows (each case is one) but keeps SQLite from flattening the subquery,
    # which would copy every rule into the WHERE and so test it twice
    flags = ", ".join(f"CASE WHEN {rule.where} THEN 1 ELSE 0 END AS r{i}" for i, rule in enumerate(RULES))
    query = (
        "SELECT * FROM (SELECT DISTINCT c.worker, c.case_ref, CASE WHEN cl.id IS NULL THEN 0 ELSE 1 END AS closed,"
        f" {flags} FROM safeguarding_case c{CURRENT_CLOSURE}{IN_SCOPE}) f"
        f" WHERE {' + '.join(f'f.r{i}' for i in range(len(RULES)))} > 0 ORDER BY f.case_ref"
    )
    flagged = conn.execute(query, params).fetchall()
    out: list[dict[str, str | None]] = []
    for i, rule in enumerate(RULES):  # rule by rule, each in case order
        for who, ref, closed, *holds in flagged:
            if holds[i]:
                out.append(
                    {
                        "worker": who,
                        "case_ref": ref,
                        "rule": rule.key,
                        "finding": rule.finding,
                        "fix": rule.fix_closed
                        if closed and rule.fix_closed
                        else rule.fix,  # a template: the command line fills in {msp} and {ref} (commands/worklist.py)
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
