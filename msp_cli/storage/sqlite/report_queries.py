"""The SQL of every report: questions to plain numbers, nothing drawn here.

Counting rules (the national return's, and the evaluation's Table 16):
- SG1 counts concerns received, and enquiries started, in the period (SG1a-d counting people,
  each once per column);
- SG2 to SG4 count Section 42 enquiries concluded in the period, each type of risk at most
  once per enquiry (the primary key of case_risk_type makes that so);
- the sector outcome measures count enquiries, Section 42 and other, concluded in the period;
  a concern that led to no enquiry is not an enquiry.
A case is concluded when it has a current closure (closure.reopened_on IS NULL).
Standard SQL where SQLite allows: CASE rather than SQLite's boolean sums. Queries are built
from fixed fragments and vocabulary labels only; every value from the user is a parameter.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from msp_cli import rules, vocab
from msp_cli.record.fields import Kind, fields_of
from msp_cli.rules import Rule
from msp_cli.storage.interface import Scope
from msp_cli.storage.sqlite.rules_sql import condition

NOT_RECORDED = "Not recorded"
SMALL_GROUP = 10  # groups smaller than this are flagged as too small to compare


def filters(scope: Scope, alias: str = "c") -> tuple[str, list[Any]]:
    """The team, worker and source conditions of SCOPE, as ` AND ...` with their parameters."""
    sql, params = "", []
    if scope.source is not None:  # cases imported from this extract (its file name)
        sql += f" AND EXISTS (SELECT 1 FROM case_source s WHERE s.case_id = {alias}.id AND s.file_name = ?)"
        params.append(scope.source)
    if scope.team is not None:
        sql += f" AND {alias}.team = ?"
        params.append(scope.team)
    if scope.worker is not None:
        sql += f" AND {alias}.worker = ?"
        params.append(scope.worker)
    return sql, params


def _when(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _concluded(scope: Scope, kind: Rule = rules.IS_ENQUIRY, *, join: str = "") -> tuple[str, list[Any]]:
    """FROM ... WHERE for cases of KIND (enquiries, by default) concluded in the period (aliases c, cl).

    JOIN (more tables) goes between the two parts; a caller may add ` AND ...` conditions after.
    """
    extra, params = filters(scope)
    sql = (
        f" FROM safeguarding_case c JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL{join}"
        f" WHERE cl.concluded BETWEEN ? AND ? AND {condition(kind)}{extra}"
    )
    return sql, [scope.period.start, scope.period.end, *params]


EXPRESSED = condition(rules.OUTCOMES_EXPRESSED)


def _achieved(label: str) -> str:
    return f"{EXPRESSED} AND cl.outcomes_achieved = '{label}'"


OUTCOME_COLUMNS = (
    "COUNT(*), "
    f"{_when(EXPRESSED)}, {_when(_achieved(vocab.FULLY))}, {_when(_achieved(vocab.PARTLY))}, "
    f"{_when(_achieved(vocab.NOT_ACHIEVED))}, {_when(EXPRESSED + ' AND cl.outcomes_achieved IS NULL')}"
)
OUTCOME_KEYS = (
    "concluded",
    "asked_and_expressed",
    "fully_achieved",
    "partially_achieved",
    "not_achieved",
    "not_recorded",
)


def outcomes(conn: sqlite3.Connection, scope: Scope) -> dict[str, int]:
    """The sector outcome measures (Table 16): counts over enquiries concluded in the period."""
    base, params = _concluded(scope)
    row = conn.execute(f"SELECT {OUTCOME_COLUMNS}{base}", params).fetchone()
    return {key: int(value or 0) for key, value in zip(OUTCOME_KEYS, row, strict=True)}


def _count_by(
    conn: sqlite3.Connection,
    expr: str,
    base: str,
    params: list[Any],
    labels: Sequence[str],
    where: str = "",
) -> dict[str, int]:
    """Counts of EXPR over BASE, with every label present (zero where none)."""
    query = f"SELECT {expr} AS label, COUNT(*){base}{where} GROUP BY {expr}"
    found = dict(conn.execute(query, params).fetchall())
    return {label: int(found.get(label, 0)) for label in labels}


def sac(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    """The Safeguarding Adults Collection tables (SG1a-d, SG1f, SG2a-e, SG3a, SG4a) for the period."""
    extra, fparams = filters(scope)
    p = scope.period
    received = _when("c.concern_received BETWEEN ? AND ?")
    s42_started = _when(f"{condition(rules.IS_SECTION_42)} AND c.enquiry_started BETWEEN ? AND ?")
    other_started = _when(f"{condition(rules.IS_OTHER_ENQUIRY)} AND c.enquiry_started BETWEEN ? AND ?")
    row = conn.execute(
        f"SELECT {received}, {s42_started}, {other_started} FROM safeguarding_case c WHERE 1 = 1{extra}",
        [p.start, p.end, p.start, p.end, p.start, p.end, *fparams],
    ).fetchone()
    base, params = _concluded(scope, rules.IS_SECTION_42)
    with_risks, _ = _concluded(scope, rules.IS_SECTION_42, join=" JOIN case_risk_type rt ON rt.case_id = c.id")
    concluded = int(conn.execute(f"SELECT COUNT(*){base}", params).fetchone()[0])
    lacked = condition(rules.LACKED_CAPACITY)
    return {
        "concerns": int(row[0] or 0),
        "section_42_enquiries": int(row[1] or 0),
        "other_enquiries": int(row[2] or 0),
        "concluded_section_42_enquiries": concluded,
        "type_of_risk": _count_by(conn, "rt.risk_type", with_risks, params, vocab.RISK_TYPE),
        "location_of_risk": _count_by(conn, "c.location_of_risk", base, params, vocab.LOCATION_OF_RISK),
        "source_of_risk": _count_by(conn, "c.source_of_risk", base, params, vocab.SOURCE_OF_RISK),
        "risk_assessment_outcome": _count_by(
            conn, "cl.risk_assessment_outcome", base, params, vocab.RISK_ASSESSMENT_OUTCOME
        ),
        "risk_outcome": _count_by(
            conn,
            "cl.risk_outcome",
            base,
            params,
            vocab.RISK_OUTCOME,
            where=f" AND {condition(rules.RISK_OUTCOME_REQUIRED)}",
        ),
        "lacked_capacity": _count_by(
            conn, "COALESCE(c.lacked_capacity, 'Not recorded')", base, params, vocab.LACKED_CAPACITY
        ),
        "lacked_capacity_supported": int(
            conn.execute(
                f"SELECT COUNT(*){base} AND {lacked} AND c.capacity_support IN ('Advocate', 'Family or friend')",
                params,
            ).fetchone()[0]
        ),
        "asked_about_outcomes": _count_by(
            conn, "COALESCE(c.asked_about_outcomes, 'Not Recorded')", base, params, vocab.ASKED_ABOUT_OUTCOMES
        ),
        "outcomes_achieved": _count_by(
            conn, "cl.outcomes_achieved", base, params, vocab.OUTCOMES_ACHIEVED, where=f" AND {EXPRESSED}"
        ),
        "not_recorded": {
            "location_of_risk": _missing(conn, "c.location_of_risk", base, params),
            "source_of_risk": _missing(conn, "c.source_of_risk", base, params),
            "risk_assessment_outcome": _missing(conn, "cl.risk_assessment_outcome", base, params),
        },
        "individuals": individuals(conn, scope),
    }


def _missing(conn: sqlite3.Connection, column: str, base: str, params: list[Any]) -> int:
    return int(conn.execute(f"SELECT COUNT(*){base} AND {column} IS NULL", params).fetchone()[0])


# --- SG1a-SG1d: individuals -----------------------------------------------------------------

# column of the SG1 tables -> which cases put a person in it (started in the period: two ? for the dates)
SG1_COLUMNS = {
    "Safeguarding Concerns": "c.concern_received BETWEEN ? AND ?",
    "Section 42 Enquiries": f"{condition(rules.IS_SECTION_42)} AND c.enquiry_started BETWEEN ? AND ?",
    "Other Enquiries": f"{condition(rules.IS_OTHER_ENQUIRY)} AND c.enquiry_started BETWEEN ? AND ?",
}
# Whole years from the date of birth to the last day of the period (the first ? is that day);
# the birthday counts on its day. A date of birth that would make an adult at risk under 18
# cannot be right, so the recorded band is used instead.
_AGE = (
    "(CAST(strftime('%Y', ?) AS INTEGER) - CAST(strftime('%Y', p.date_of_birth) AS INTEGER)"
    " - CASE WHEN strftime('%m-%d', ?) < strftime('%m-%d', p.date_of_birth) THEN 1 ELSE 0 END)"
)
_AGE_BAND = (
    f"COALESCE(CASE WHEN {_AGE} >= 95 THEN '95+' WHEN {_AGE} >= 85 THEN '85-94' WHEN {_AGE} >= 75 THEN '75-84'"
    f" WHEN {_AGE} >= 65 THEN '65-74' WHEN {_AGE} >= 18 THEN '18-64' END, p.age_band, 'Not Known')"
)
# SG1 table -> (grouping expression, its labels); a person with nothing recorded is Not Known
SG1_TABLES: dict[str, tuple[str, Sequence[str]]] = {
    "age_band": (_AGE_BAND, vocab.AGE_BAND),
    "sex": ("COALESCE(p.sex, 'Not Known')", vocab.SEX),
    "ethnicity": ("COALESCE(p.ethnicity, 'Undeclared / Not Known')", vocab.ETHNICITY),
    "primary_support_reason": ("COALESCE(p.primary_support_reason, 'Not Known')", vocab.PRIMARY_SUPPORT_REASON),
}


def individuals(conn: sqlite3.Connection, scope: Scope) -> dict[str, dict[str, dict[str, int]]]:
    """SG1a-SG1d: adults at risk in concerns raised, and in enquiries started, in the period.

    Each person counts once per column of each table, however many cases they had.
    """
    extra, fparams = filters(scope)
    end = scope.period.end
    out: dict[str, dict[str, dict[str, int]]] = {}
    for table, (expr, labels) in SG1_TABLES.items():
        expr_params = [end, end] * 5 if table == "age_band" else []
        out[table] = {}
        for column, started in SG1_COLUMNS.items():
            query = (
                f"SELECT {expr}, COUNT(DISTINCT p.id) FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
                f" WHERE {started}{extra} GROUP BY 1"
            )
            found = dict(conn.execute(query, [*expr_params, scope.period.start, end, *fparams]).fetchall())
            out[table][column] = {label: int(found.get(label, 0)) for label in labels}
    return out


# --- breakdowns ---------------------------------------------------------------------------

# --by value -> (heading, joins, grouping expression, labels in order or None for free text)
DIMENSIONS: dict[str, tuple[str, str, str, Sequence[str] | None]] = {
    "risk-type": ("Type of risk", " JOIN case_risk_type g ON g.case_id = c.id", "g.risk_type", vocab.RISK_TYPE),
    "location": ("Location of risk", "", "c.location_of_risk", vocab.LOCATION_OF_RISK),
    "source": ("Source of risk", "", "c.source_of_risk", vocab.SOURCE_OF_RISK),
    "age-band": ("Age band", " JOIN person p ON p.id = c.person_id", "p.age_band", vocab.AGE_BAND),
    "sex": ("Sex", " JOIN person p ON p.id = c.person_id", "p.sex", vocab.SEX),
    "ethnicity": ("Ethnicity", " JOIN person p ON p.id = c.person_id", "p.ethnicity", vocab.ETHNICITY),
    "support-reason": (
        "Primary support reason",
        " JOIN person p ON p.id = c.person_id",
        "p.primary_support_reason",
        vocab.PRIMARY_SUPPORT_REASON,
    ),
    "team": ("Team", "", "c.team", None),
    "worker": ("Worker", "", "c.worker", None),
    "response": (
        "Response used",
        " JOIN case_response g ON g.case_id = c.id AND g.stage = 'used'",
        "g.response",
        vocab.RESPONSE,
    ),
}


def breakdown(conn: sqlite3.Connection, scope: Scope, by: str) -> list[dict[str, Any]]:
    """The outcome measures for each group of a dimension (the evaluation's 'which groups')."""
    _heading, join, expr, labels = DIMENSIONS[by]
    base, params = _concluded(scope, join=join)
    grouped = f"COALESCE({expr}, '{NOT_RECORDED}')"
    query = f"SELECT {grouped}, {OUTCOME_COLUMNS}{base} GROUP BY {grouped}"
    found = {row[0]: dict(zip(OUTCOME_KEYS, row[1:], strict=True)) for row in conn.execute(query, params)}
    order = list(labels) if labels is not None else sorted(found, key=lambda k: (-found[k]["concluded"], k))
    if NOT_RECORDED in found and NOT_RECORDED not in order:
        order.append(NOT_RECORDED)
    empty = dict.fromkeys(OUTCOME_KEYS, 0)
    return [
        {
            "group": label,
            **{k: int(v or 0) for k, v in found.get(label, empty).items()},
            "small": found.get(label, empty)["concluded"] < SMALL_GROUP,
        }
        for label in order
    ]


# --- desired outcomes (Table 9) -------------------------------------------------------------


def desired(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    """Desired outcome categories of enquiries concluded in the period: negotiated, why, achieved."""
    joins = (
        " JOIN desired_outcome d ON d.case_id = c.id"
        " LEFT JOIN closure_outcome co ON co.closure_id = cl.id AND co.outcome_id = d.id"
    )
    base, params = _concluded(scope, join=joins)
    counts = ", ".join(
        [_when("d.negotiated_text IS NOT NULL")] + [_when(f"co.achieved = '{a}'") for a in vocab.OUTCOMES_ACHIEVED]
    )
    query = f"SELECT d.category, COUNT(*), {counts}{base} GROUP BY d.category"
    found = {row[0]: row[1:] for row in conn.execute(query, params)}
    reasons_query = (
        f"SELECT d.category, d.negotiated_reason, COUNT(*){base}"
        " AND d.negotiated_text IS NOT NULL GROUP BY d.category, d.negotiated_reason"
    )
    reasons: dict[str, dict[str, int]] = {}
    for category, reason, count in conn.execute(reasons_query, params):
        reasons.setdefault(category, {})[reason or NOT_RECORDED] = int(count)
    rows = []
    for category in vocab.OUTCOME_CATEGORY:
        total, negotiated, fully, partly, not_ = (int(v or 0) for v in found.get(category, (0, 0, 0, 0, 0)))
        rows.append(
            {
                "category": category,
                "outcomes": total,
                "negotiated": negotiated,
                "negotiated_reasons": reasons.get(category, {}),
                "fully_achieved": fully,
                "partially_achieved": partly,
                "not_achieved": not_,
            }
        )
    return {"categories": rows, "outcomes": sum(r["outcomes"] for r in rows)}


# --- capacity, time, feedback ---------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the median is 0.5); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _days(pairs: Sequence[tuple[str | None, str | None]]) -> list[int]:
    return [
        (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days for a, b in pairs if a is not None and b is not None
    ]


def _spread(days: list[int]) -> dict[str, Any]:
    return {"cases": len(days), "median": percentile(days, 0.5), "p90": percentile(days, 0.9)}


def capacity(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    base, params = _concluded(scope)
    lacked = condition(rules.LACKED_CAPACITY)
    lacked_sql = f" AND {lacked}"
    row = conn.execute(f"SELECT COUNT(*), {_when(lacked)}{base}", params).fetchone()
    support = _count_by(
        conn,
        f"COALESCE(c.capacity_support, '{NOT_RECORDED}')",
        base,
        params,
        (*vocab.CAPACITY_SUPPORT, NOT_RECORDED),
        where=lacked_sql,
    )
    notes = conn.execute(
        f"SELECT COUNT(*){base}{lacked_sql} AND c.best_interests_note IS NOT NULL"
        " AND TRIM(c.best_interests_note) <> ''",
        params,
    ).fetchone()[0]
    pairs = conn.execute(f"SELECT c.advocacy_offered, c.advocacy_started{base}", params).fetchall()
    return {
        "concluded": int(row[0] or 0),
        "lacked_capacity": int(row[1] or 0),
        "support": support,
        "best_interests_notes": int(notes or 0),
        "advocacy_offered_to_started_days": _spread(_days(pairs)),
        "advocacy_offered_not_started": sum(1 for a, b in pairs if a is not None and b is None),
    }


def time(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    base, params = _concluded(scope)
    dates = conn.execute(
        f"SELECT c.id, c.concern_received, c.enquiry_started, cl.concluded{base}",
        params,
    ).fetchall()
    with_meetings, _ = _concluded(scope, join=" JOIN meeting m ON m.case_id = c.id")
    meetings = conn.execute(
        "SELECT m.case_id, m.held_on, m.minutes_spent, m.person_prepared,"
        " CASE WHEN EXISTS (SELECT 1 FROM meeting_attendee a WHERE a.meeting_id = m.id AND a.attendee = 'Person')"
        " THEN 1 ELSE 0 END,"
        " (SELECT MIN(r.reviewed_on) FROM outcome_review_session r WHERE r.case_id = m.case_id)"
        f"{with_meetings}",
        params,
    ).fetchall()
    early = [m[2] for m in meetings if m[2] is not None and (m[5] is None or m[1] < m[5])]
    later = [m[2] for m in meetings if m[2] is not None and m[5] is not None and m[1] >= m[5]]
    extra, fparams = filters(scope)
    referrals = conn.execute(
        "SELECT COUNT(DISTINCT c.person_id),"
        " COUNT(DISTINCT CASE WHEN EXISTS ("
        "   SELECT 1 FROM safeguarding_case e JOIN closure ecl ON ecl.case_id = e.id AND ecl.reopened_on IS NULL"
        "   WHERE e.person_id = c.person_id AND e.id <> c.id AND ecl.concluded <= c.concern_received"
        "   AND ecl.concluded >= date(c.concern_received, '-365 days')) THEN c.person_id END)"
        f" FROM safeguarding_case c WHERE c.concern_received BETWEEN ? AND ?{extra}",
        [scope.period.start, scope.period.end, *fparams],
    ).fetchone()
    cases = len(dates)
    return {
        "concluded": cases,
        "concern_to_enquiry_days": _spread(_days([(d[1], d[2]) for d in dates])),
        "concern_to_closure_days": _spread(_days([(d[1], d[3]) for d in dates])),
        "meetings": len(meetings),
        "meetings_per_case": round(len(meetings) / cases, 2) if cases else None,
        "meetings_person_attended": sum(m[4] for m in meetings),
        "meetings_person_prepared": sum(1 for m in meetings if m[3] == 1),
        "minutes_early": sum(early),
        "minutes_later": sum(later),
        "people_with_concerns": int(referrals[0] or 0),
        "people_re_referred_within_12_months": int(referrals[1] or 0),
    }


FEEDBACK_QUESTIONS = tuple(f.column for f in fields_of("feedback") if f.kind is Kind.SCORE)


def feedback(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    """Feedback given in the period: who answered, and each question's answers 1 to 5."""
    extra, fparams = filters(scope)
    base = f" FROM feedback f JOIN safeguarding_case c ON c.id = f.case_id WHERE f.given_on BETWEEN ? AND ?{extra}"
    params = [scope.period.start, scope.period.end, *fparams]
    given_by = _count_by(
        conn, f"COALESCE(f.given_by, '{NOT_RECORDED}')", base, params, (*vocab.EXPRESSED_BY, NOT_RECORDED)
    )
    questions = {}
    for q in FEEDBACK_QUESTIONS:
        counts = dict(conn.execute(f"SELECT f.{q}, COUNT(*){base} AND f.{q} IS NOT NULL GROUP BY f.{q}", params))
        scores = {str(s): int(counts.get(s, 0)) for s in range(1, 6)}
        answered = sum(scores.values())
        mean = sum(int(s) * n for s, n in scores.items()) / answered if answered else None
        questions[q] = {"answered": answered, "scores": scores, "mean": round(mean, 2) if mean is not None else None}
    return {"responses": sum(given_by.values()), "given_by": given_by, "questions": questions}


# --- people's own words (the Board report's --with-quotes) ----------------------------------


def consented_words(conn: sqlite3.Connection, scope: Scope, limit: int) -> list[dict[str, Any]]:
    """Desired outcomes in the person's own words, from enquiries concluded in the period where the
    person consented to the enquiry; one a kind of outcome first, then more, LIMIT in all.

    Only the words, their kind and whether they were achieved leave here, with the person's name
    (to be blanked out of the words by the caller): never a reference.
    """
    joins = (
        " JOIN person p ON p.id = c.person_id JOIN desired_outcome d ON d.case_id = c.id"
        " LEFT JOIN closure_outcome co ON co.closure_id = cl.id AND co.outcome_id = d.id"
    )
    base, params = _concluded(scope, join=joins)
    query = (
        "SELECT d.text, d.category, co.achieved, p.name"
        f"{base} AND c.consent_given = 1 AND d.expressed_by = 'Person'"
        " ORDER BY cl.concluded, c.id, d.position"
    )
    rows = [
        dict(zip(("text", "category", "achieved", "name"), row, strict=True)) for row in conn.execute(query, params)
    ]
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        first.setdefault(r["category"], r)
    rest = [r for r in rows if first[r["category"]] is not r]
    return [*first.values(), *rest][:limit]
