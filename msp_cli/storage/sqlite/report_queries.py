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

import calendar
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


def _quote(label: str) -> str:
    return "'" + label.replace("'", "''") + "'"


def _labelled(expr: str, labels: Sequence[str], where: str = "") -> dict[str, str]:
    """For each of LABELS, the condition that counts a row under it: EXPR equals it (and WHERE holds)."""
    return {label: f"{where + ' AND ' if where else ''}{expr} = {_quote(label)}" for label in labels}


def _one_pass(
    conn: sqlite3.Connection, base: str, params: list[Any], tables: dict[str, dict[str, str]]
) -> tuple[int, dict[str, dict[str, int]]]:
    """One pass over BASE: how many rows, and for each table how many meet each of its conditions (by name).

    Conditional sums in one SELECT: the rows are read once, however many figures are counted from them.
    """
    conditions = [c for table in tables.values() for c in table.values()]
    row = conn.execute(f"SELECT COUNT(*), {', '.join(_when(c) for c in conditions)}{base}", params).fetchone()
    values = iter(row[1:])
    return int(row[0]), {name: {key: int(next(values) or 0) for key in table} for name, table in tables.items()}


def _days_between(start: str, end: str) -> str:
    """Whole days from START to END, two ISO dates (the server's translation: storage/postgres/connection.py)."""
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


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
    """The Safeguarding Adults Collection tables (SG1a-d, SG1f, SG2a-e, SG3a, SG4a) for the period.

    Three passes: the Section 42 enquiries concluded (every SG2-SG4 table at once), their types of
    risk, and the cases started in the period (SG1f totals and the SG1a-d people at once).
    """
    base, params = _concluded(scope, rules.IS_SECTION_42)
    with_risks, _ = _concluded(scope, rules.IS_SECTION_42, join=" JOIN case_risk_type rt ON rt.case_id = c.id")
    lacked = condition(rules.LACKED_CAPACITY)
    concluded, counted = _one_pass(
        conn,
        base,
        params,
        {
            "supported": {"yes": f"{lacked} AND c.capacity_support IN ('Advocate', 'Family or friend')"},
            "location_of_risk": _labelled("c.location_of_risk", vocab.LOCATION_OF_RISK),
            "source_of_risk": _labelled("c.source_of_risk", vocab.SOURCE_OF_RISK),
            "risk_assessment_outcome": _labelled("cl.risk_assessment_outcome", vocab.RISK_ASSESSMENT_OUTCOME),
            "risk_outcome": _labelled("cl.risk_outcome", vocab.RISK_OUTCOME, condition(rules.RISK_OUTCOME_REQUIRED)),
            "lacked_capacity": _labelled("COALESCE(c.lacked_capacity, 'Not recorded')", vocab.LACKED_CAPACITY),
            "asked_about_outcomes": _labelled(
                "COALESCE(c.asked_about_outcomes, 'Not Recorded')", vocab.ASKED_ABOUT_OUTCOMES
            ),
            "outcomes_achieved": _labelled("cl.outcomes_achieved", vocab.OUTCOMES_ACHIEVED, EXPRESSED),
            "not_recorded": {
                column: f"{alias}.{column} IS NULL"
                for alias, column in (
                    ("c", "location_of_risk"),
                    ("c", "source_of_risk"),
                    ("cl", "risk_assessment_outcome"),
                )
            },
        },
    )
    totals, people = _started(conn, scope)
    return {
        **totals,
        "concluded_section_42_enquiries": concluded,
        "type_of_risk": _count_by(conn, "rt.risk_type", with_risks, params, vocab.RISK_TYPE),
        "location_of_risk": counted["location_of_risk"],
        "source_of_risk": counted["source_of_risk"],
        "risk_assessment_outcome": counted["risk_assessment_outcome"],
        "risk_outcome": counted["risk_outcome"],
        "lacked_capacity": counted["lacked_capacity"],
        "lacked_capacity_supported": counted["supported"]["yes"],
        "asked_about_outcomes": counted["asked_about_outcomes"],
        "outcomes_achieved": counted["outcomes_achieved"],
        "not_recorded": counted["not_recorded"],
        "individuals": people,
    }


# --- SG1a-SG1d: individuals -----------------------------------------------------------------

# column of the SG1 tables -> which cases put a person in it (started in the period: two ? for the dates)
SG1_COLUMNS = {
    "Safeguarding Concerns": "c.concern_received BETWEEN ? AND ?",
    "Section 42 Enquiries": f"{condition(rules.IS_SECTION_42)} AND c.enquiry_started BETWEEN ? AND ?",
    "Other Enquiries": f"{condition(rules.IS_OTHER_ENQUIRY)} AND c.enquiry_started BETWEEN ? AND ?",
}
# Age on the last day of the period, in bands: a person is N or older that day when born on or before
# N years earlier (the birthday counts on its day), so each band is one comparison of dates, with
# no date arithmetic a row. A date of birth that would make an adult at risk under 18 cannot be
# right, so the recorded band is used instead.
AGE_FROM = ((95, "95+"), (85, "85-94"), (75, "75-84"), (65, "65-74"), (18, "18-64"))
_AGE_BAND = (
    "COALESCE(CASE "
    + " ".join(f"WHEN p.date_of_birth <= ? THEN '{band}'" for _years, band in AGE_FROM)
    + " END, p.age_band, 'Not Known')"
)


def born_by(day: str, years: int) -> str:
    """The last date of birth of someone YEARS old on DAY (ISO dates); born 29 February, a year later
    in a year without one is 1 March, as whole years count it."""
    year, month_day = int(day[:4]) - years, day[5:]
    if month_day == "02-29" and not calendar.isleap(year):
        month_day = "02-28"
    return f"{year:04d}-{month_day}"


# SG1 table -> (grouping expression, its labels); a person with nothing recorded is Not Known
SG1_TABLES: dict[str, tuple[str, Sequence[str]]] = {
    "age_band": (_AGE_BAND, vocab.AGE_BAND),
    "sex": ("COALESCE(p.sex, 'Not Known')", vocab.SEX),
    "ethnicity": ("COALESCE(p.ethnicity, 'Undeclared / Not Known')", vocab.ETHNICITY),
    "primary_support_reason": ("COALESCE(p.primary_support_reason, 'Not Known')", vocab.PRIMARY_SUPPORT_REASON),
}


# SG1f total -> its SG1 column
SG1_TOTALS = {
    "concerns": "Safeguarding Concerns",
    "section_42_enquiries": "Section 42 Enquiries",
    "other_enquiries": "Other Enquiries",
}


def _started(conn: sqlite3.Connection, scope: Scope) -> tuple[dict[str, int], dict[str, dict[str, dict[str, int]]]]:
    """SG1f (cases) and SG1a-SG1d (adults at risk) for concerns raised, and enquiries started, in the period.

    One pass: the inner query gives each person their cases in each column; the outer counts cases,
    and people with at least one, by the four tables' groups at once (few groups: Python adds them up).
    """
    extra, fparams = filters(scope)
    start, end = scope.period.start, scope.period.end
    columns = list(SG1_COLUMNS.values())
    per_person = ", ".join(f"{_when(started)} AS n{i}" for i, started in enumerate(columns))
    groups = ", ".join(expr for expr, _labels in SG1_TABLES.values())
    sums = ", ".join(f"SUM(p.n{i}), {_when(f'p.n{i} > 0')}" for i in range(len(columns)))
    # cases started in the period in none of the columns (an enquiry of no kind) count nowhere
    query = (
        f"SELECT {groups}, {sums} FROM (SELECT p.date_of_birth, p.age_band, p.sex, p.ethnicity,"
        f" p.primary_support_reason, {per_person} FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
        f" WHERE (c.concern_received BETWEEN ? AND ? OR c.enquiry_started BETWEEN ? AND ?){extra}"
        f" GROUP BY p.id) p GROUP BY {', '.join(str(i + 1) for i in range(len(SG1_TABLES)))}"
    )
    dates = [start, end] * len(columns)
    cases = dict.fromkeys(SG1_TOTALS, 0)
    found: dict[str, dict[str, dict[str, int]]] = {t: {c: {} for c in SG1_COLUMNS} for t in SG1_TABLES}
    born = [born_by(end, years) for years, _band in AGE_FROM]
    for row in conn.execute(query, [*born, *dates, start, end, start, end, *fparams]):
        keys, counts = row[: len(SG1_TABLES)], row[len(SG1_TABLES) :]
        for i, (total, column) in enumerate(SG1_TOTALS.items()):
            cases[total] += int(counts[2 * i] or 0)
            for table, key in zip(SG1_TABLES, keys, strict=True):
                found[table][column][key] = found[table][column].get(key, 0) + int(counts[2 * i + 1] or 0)
    people = {
        table: {column: {label: found[table][column].get(label, 0) for label in labels} for column in SG1_COLUMNS}
        for table, (_expr, labels) in SG1_TABLES.items()
    }
    return cases, people


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
    # one pass, by kind and reason: the kind's figures are the sums over its reasons; in SQLite's order
    # (no reason first) on both backends, as the reasons are listed in it
    query = (
        f"SELECT d.category, d.negotiated_reason, COUNT(*), {counts}{base} GROUP BY d.category, d.negotiated_reason"
        " ORDER BY d.category, CASE WHEN d.negotiated_reason IS NULL THEN 0 ELSE 1 END, d.negotiated_reason"
    )
    found: dict[str, list[int]] = {}
    reasons: dict[str, dict[str, int]] = {}
    for category, reason, *figures in conn.execute(query, params):
        sums = found.setdefault(category, [0] * len(figures))
        for i, n in enumerate(figures):
            sums[i] += int(n or 0)
        if figures[1]:  # negotiated: why
            reasons.setdefault(category, {})[reason or NOT_RECORDED] = int(figures[1])
    rows = []
    for category in vocab.OUTCOME_CATEGORY:
        total, negotiated, fully, partly, not_ = found.get(category, [0, 0, 0, 0, 0])
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


def percentile(counts: Sequence[tuple[int, int]], fraction: float) -> int | None:
    """Nearest-rank percentile (the median is 0.5) of values given as (value, how many); None for none."""
    total = sum(n for _value, n in counts)
    if not total:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value, n in sorted(counts):
        seen += n
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the rank is at most the total")


def _spread(counts: Sequence[tuple[int, int]]) -> dict[str, Any]:
    return {
        "cases": sum(n for _days, n in counts),
        "median": percentile(counts, 0.5),
        "p90": percentile(counts, 0.9),
    }


def _histogram(conn: sqlite3.Connection, start: str, end: str, base: str, params: list[Any]) -> list[tuple[int, int]]:
    """(days from START to END, how many rows) over BASE, where both dates are recorded."""
    days = _days_between(start, end)
    query = f"SELECT {days}, COUNT(*){base} AND {start} IS NOT NULL AND {end} IS NOT NULL GROUP BY {days}"
    return [(int(d), int(n)) for d, n in conn.execute(query, params)]


def capacity(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    base, params = _concluded(scope)
    lacked = condition(rules.LACKED_CAPACITY)
    concluded, counted = _one_pass(
        conn,
        base,
        params,
        {
            "totals": {
                "lacked": lacked,
                "notes": f"{lacked} AND c.best_interests_note IS NOT NULL AND TRIM(c.best_interests_note) <> ''",
                "not_started": "c.advocacy_offered IS NOT NULL AND c.advocacy_started IS NULL",
            },
            "support": _labelled(
                f"COALESCE(c.capacity_support, '{NOT_RECORDED}')", (*vocab.CAPACITY_SUPPORT, NOT_RECORDED), lacked
            ),
        },
    )
    totals = counted["totals"]
    return {
        "concluded": concluded,
        "lacked_capacity": totals["lacked"],
        "support": counted["support"],
        "best_interests_notes": totals["notes"],
        "advocacy_offered_to_started_days": _spread(
            _histogram(conn, "c.advocacy_offered", "c.advocacy_started", base, params)
        ),
        "advocacy_offered_not_started": totals["not_started"],
    }


def time(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    base, params = _concluded(scope)
    # one pass: (days to enquiry, days to closure) pairs with how many cases had each; NULL where not recorded
    to_enquiry = _days_between("c.concern_received", "c.enquiry_started")
    to_closure = _days_between("c.concern_received", "cl.concluded")
    pairs = conn.execute(f"SELECT {to_enquiry}, {to_closure}, COUNT(*){base} GROUP BY 1, 2", params).fetchall()
    enquiry: dict[int, int] = {}
    closure: dict[int, int] = {}
    for days_to_enquiry, days_to_closure, n in pairs:
        if days_to_enquiry is not None:
            enquiry[int(days_to_enquiry)] = enquiry.get(int(days_to_enquiry), 0) + int(n)
        if days_to_closure is not None:
            closure[int(days_to_closure)] = closure.get(int(days_to_closure), 0) + int(n)
    cases = sum(int(n) for *_days, n in pairs)
    with_meetings, _ = _concluded(scope, join=" JOIN meeting m ON m.case_id = c.id")
    # a meeting is later if held on or after the first review of the outcomes, early if before it or
    # there was none; grouped by that (two rows), so each meeting's subqueries run once
    meetings = conn.execute(
        "SELECT CASE WHEN m.held_on >= (SELECT MIN(r.reviewed_on) FROM outcome_review_session r"
        " WHERE r.case_id = m.case_id) THEN 1 ELSE 0 END, COUNT(*),"
        " SUM(CASE WHEN EXISTS (SELECT 1 FROM meeting_attendee a WHERE a.meeting_id = m.id AND a.attendee = 'Person')"
        " THEN 1 ELSE 0 END), SUM(CASE WHEN m.person_prepared = 1 THEN 1 ELSE 0 END), SUM(m.minutes_spent)"
        f"{with_meetings} GROUP BY 1",
        params,
    ).fetchall()
    by_time = {int(later): [int(v or 0) for v in figures] for later, *figures in meetings}
    early, later = by_time.get(0, [0, 0, 0, 0]), by_time.get(1, [0, 0, 0, 0])
    held = early[0] + later[0]
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
    return {
        "concluded": cases,
        "concern_to_enquiry_days": _spread(list(enquiry.items())),
        "concern_to_closure_days": _spread(list(closure.items())),
        "meetings": held,
        "meetings_per_case": round(held / cases, 2) if cases else None,
        "meetings_person_attended": early[1] + later[1],
        "meetings_person_prepared": early[2] + later[2],
        "minutes_early": early[3],
        "minutes_later": later[3],
        "people_with_concerns": int(referrals[0] or 0),
        "people_re_referred_within_12_months": int(referrals[1] or 0),
    }


FEEDBACK_QUESTIONS = tuple(f.column for f in fields_of("feedback") if f.kind is Kind.SCORE and f.column is not None)
SCORES = range(1, 6)


def feedback(conn: sqlite3.Connection, scope: Scope) -> dict[str, Any]:
    """Feedback given in the period: who answered, and each question's answers 1 to 5 (one pass)."""
    extra, fparams = filters(scope)
    base = f" FROM feedback f JOIN safeguarding_case c ON c.id = f.case_id WHERE f.given_on BETWEEN ? AND ?{extra}"
    params = [scope.period.start, scope.period.end, *fparams]
    tables = {"given_by": _labelled(f"COALESCE(f.given_by, '{NOT_RECORDED}')", (*vocab.EXPRESSED_BY, NOT_RECORDED))}
    tables |= {q: {str(s): f"f.{q} = {s}" for s in SCORES} for q in FEEDBACK_QUESTIONS}
    _responses, counted = _one_pass(conn, base, params, tables)
    given_by = counted["given_by"]
    questions = {}
    for q in FEEDBACK_QUESTIONS:
        scores = counted[q]
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
