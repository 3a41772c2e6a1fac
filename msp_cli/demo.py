"""Synthetic cases that look like a real council's, for training and for trying msp out.

Proportions follow the national figures the MSP evaluation cites (2013/14 allegations:
neglect 30%, physical 27%, financial 18%), its Table 9 for what people want, and its
Table 16 for how often outcomes were met (about 7 in 10 fully, a quarter partly). Some
cases are left with the recording gaps `msp audit` looks for. No real person's data: people
have references only, and their words come from demo_phrases.py. The same seed on the same
day gives the same cases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from msp_cli import vocab
from msp_cli.demo_phrases import CLOSURE_NOTES, FEEDBACK_WORDS, NEGOTIATED, NO_ENQUIRY_ACTIONS, PHRASES, SAYS_NOW
from msp_cli.model import Record, suggest_overall_achieved
from msp_cli.reports.period import reporting_year_of

T = TypeVar("T")

# shares of allegations (risk-type mentions); the first three are the national 2013/14 figures
# (neglect 30%, physical 27%, financial 18%). Their weights sit a little above those shares
# because an enquiry with several types cannot name one twice, which flattens the largest.
RISK_WEIGHTS = {
    "Neglect and Acts of Omission": 32, "Physical Abuse": 28.5, "Financial or Material Abuse": 18.5,
    "Psychological Abuse": 13, "Sexual Abuse": 3, "Organisational Abuse": 3, "Self-Neglect": 3,
    "Domestic Abuse": 2, "Discriminatory Abuse": 0.5, "Sexual Exploitation": 0.3, "Modern Slavery": 0.2,
}  # fmt: skip
LOCATION_WEIGHTS = {
    "Own Home": 44,
    "Care Home - Residential": 19,
    "Care Home - Nursing": 9,
    "In the Community": 7,
    "Community Service": 5,
    "Hospital - Acute": 4,
    "Hospital - Mental Health": 2,
    "Hospital - Community": 1,
    "Other": 9,
}
SOURCE_WEIGHTS = {"Service Provider": 30, "Other - Known to individual": 60, "Other - Unknown to individual": 10}
AGE_WEIGHTS = {"18-64": 35, "65-74": 14, "75-84": 22, "85-94": 23, "95+": 5, "Not Known": 1}
SEX_WEIGHTS = {"Female": 60, "Male": 39.5, "Not Known": 0.5}
ETHNICITY_WEIGHTS = {
    "White": 85,
    "Asian / Asian British": 5,
    "Black / African / Caribbean / Black British": 3,
    "Mixed / Multiple": 1.5,
    "Other Ethnic Group": 1,
    "Refused": 0.5,
    "Undeclared / Not Known": 4,
}
SUPPORT_REASON_WEIGHTS = {
    "Physical Support": 47,
    "Mental Health Support": 14,
    "Support with Memory and Cognition": 13,
    "Learning Disability Support": 12,
    "Social Support": 5,
    "No Support Reason": 4,
    "Not Known": 3,
    "Sensory Support": 2,
}
# the evaluation's Table 9 (share of councils naming each among the three most common)
CATEGORY_WEIGHTS = {
    "To be and to feel safer": 45,
    "To maintain key relationships": 23,
    "To gain or maintain control over the situation": 21,
    "To know that this won't happen to anyone else": 21,
    "To have access to justice or an apology, or to know that disciplinary or other action has been taken": 18,
    "To be involved in making decisions": 15,
    "To be able to protect self in the future": 12,
    "To have exercised choice": 8,
    "To know where to get help": 8,
    "Other": 9,
    "To get new friends": 1,
    "To have help to recover": 1,
}
ASKED_WEIGHTS = {
    vocab.ASKED_AND_EXPRESSED: 68,
    "Yes they were asked but no outcomes were expressed": 13,
    "No": 10,
    "Don't Know": 4,
    "Not Recorded": 5,
}
# the evaluation's Table 16: of those who expressed outcomes, about 7 in 10 fully met, a quarter partly
ACHIEVED_WEIGHTS = {vocab.FULLY: 70, vocab.PARTLY: 25, vocab.NOT_ACHIEVED: 5}
RAO_WEIGHTS = dict(zip(vocab.RISK_ASSESSMENT_OUTCOME, (60, 5, 12, 3, 7, 10, 3), strict=True))
RISK_OUTCOME_WEIGHTS = {"Risk reduced": 65, "Risk removed": 25, "Risk remained": 10}
CAPACITY_WEIGHTS = dict(zip(vocab.LACKED_CAPACITY, (25, 65, 5, 5), strict=True))
SUPPORT_WEIGHTS = {"Advocate": 50, "Family or friend": 35, "None": 15}
TEAMS = {
    "North": ("Amira Hussain", "Tom Reilly", "Grace Okafor"),
    "South": ("Priya Shah", "Dan Morgan", "Helen Price"),
    "East": ("Kwame Mensah", "Lucy Chen", "Mark Evans"),
    "Hospital Team": ("Sara Novak", "Ben Adeyemi"),
}
REVIEW_PROGRESS = ("In progress", "In progress", "Partly achieved", "Not started", "Achieved")
GAP_SHARE = 0.05  # cases left with a recording gap for `msp audit` to find
RE_REFERRAL_SHARE = 0.12
FEEDBACK_SHARE = 0.35


@dataclass
class DemoCase:
    record: Record


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, weights: Mapping[str, float], k: int) -> list[str]:
    """K different labels, each drawn by weight (risk types: several may apply)."""
    chosen: list[str] = []
    while len(chosen) < k:
        label = _pick(rng, weights)
        if label not in chosen:
            chosen.append(label)
    return chosen


def _choice(rng: random.Random, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


def window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The current reporting year so far and the two complete years before it."""
    current = reporting_year_of(today)
    start = dt.date.fromisoformat(current.start).replace(year=int(current.start[:4]) - 2)
    return start, today


def generate(n: int, seed: int, today: dt.date | None = None) -> Iterator[DemoCase]:
    rng = random.Random(seed)
    today = today or dt.date.today()
    start, end = window(today)
    span = (end - start).days
    # concern dates, oldest first, so re-referrals come after earlier cases
    days = sorted(rng.randrange(span + 1) for _ in range(n))
    people: list[dict[str, Any]] = []
    for i, offset in enumerate(days, start=1):
        received = start + dt.timedelta(days=offset)
        if people and rng.random() < RE_REFERRAL_SHARE:
            person = _choice(rng, people)
        else:
            person = {
                "ref": f"P-{len(people) + 1:06d}",
                "name": None,
                "age_band": _pick(rng, AGE_WEIGHTS),
                "sex": _pick(rng, SEX_WEIGHTS),
                "ethnicity": _pick(rng, ETHNICITY_WEIGHTS),
                "primary_support_reason": _pick(rng, SUPPORT_REASON_WEIGHTS),
            }
            people.append(person)
        yield _case(rng, i, dict(person), received, today)


def _case(rng: random.Random, number: int, person: dict[str, Any], received: dt.date, today: dt.date) -> DemoCase:
    team = _choice(rng, list(TEAMS))
    r: Record = {
        "case_ref": f"C-{received.year}-{number:06d}",
        "person": person,
        "worker": _choice(rng, TEAMS[team]),
        "team": team,
        "concern_received": received.isoformat(),
        "enquiry_type": None,
        "enquiry_started": None,
        "risk_types": _sample(rng, RISK_WEIGHTS, rng.choices((1, 2, 3), weights=(78, 18, 4))[0]),
        "location_of_risk": _pick(rng, LOCATION_WEIGHTS),
        "source_of_risk": _pick(rng, SOURCE_WEIGHTS),
        "consent": None,
        "capacity": None,
        "advocacy": None,
        "asked_about_outcomes": None,
        "desired_outcomes": [],
        "responses": [],
        "meetings": [],
        "feedback": [],
        "concluded": None,
        "risk_assessment_outcome": None,
        "risk_outcome": None,
        "outcomes_achieved": None,
        "closure_note": None,
    }
    decision = rng.random()
    if decision >= 0.40:  # most concerns lead to no enquiry
        r["enquiry_type"] = vocab.NO_ENQUIRY
        decided = received + dt.timedelta(days=rng.randint(0, 5))
        if decided <= today:
            r["concluded"] = decided.isoformat()
            r["closure_note"] = _choice(rng, NO_ENQUIRY_ACTIONS)
        return DemoCase(r)
    r["enquiry_type"] = vocab.SECTION_42 if decision < 0.32 else "Other"
    started = min(received + dt.timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 5, 7, 14))), today)
    r["enquiry_started"] = started.isoformat()
    gap = rng.random() < GAP_SHARE and _choice(rng, ("asked", "support", "best_interests", "closure", "outcomes"))
    _consent_and_capacity(rng, r, started, today, gap)
    _outcomes(rng, r, gap)
    r["responses"] = _sample(rng, {x: 1.0 for x in vocab.RESPONSE[:-1]}, rng.randint(1, 3))
    length = int(rng.lognormvariate(4.0, 0.6))  # days to close: a median of about eight weeks
    concluded = started + dt.timedelta(days=max(7, length))
    r["meetings"] = _meetings(rng, r, started, min(concluded, today))
    _review(rng, r, started, min(concluded, today))
    if concluded <= today:
        _close(rng, r, concluded, gap)
    if rng.random() < FEEDBACK_SHARE:
        given = min(started + dt.timedelta(days=rng.randint(7, max(8, (concluded - started).days + 10))), today)
        if given >= started:
            r["feedback"] = [_feedback(rng, given)]
    return DemoCase(r)


def _consent_and_capacity(rng: random.Random, r: Record, started: dt.date, today: dt.date, gap: Any) -> None:
    lacked = _pick(rng, CAPACITY_WEIGHTS)
    sought = rng.random() < 0.85 and lacked != vocab.LACKED_CAPACITY_YES
    given = rng.random() < 0.7 if sought else None
    reason = None
    if not given:
        reason = (
            "The person lacks capacity to consent"
            if lacked == vocab.LACKED_CAPACITY_YES
            else _choice(
                rng,
                (
                    "Risk to other adults",
                    "A crime has been or may be committed",
                    "Coercion or undue influence",
                    "Public interest",
                ),
            )
        )
    r["consent"] = {"sought": sought, "given": given, "proceeded_without_consent_reason": reason, "note": None}
    support = note = None
    if lacked == vocab.LACKED_CAPACITY_YES:
        support = None if gap == "support" else _pick(rng, SUPPORT_WEIGHTS)
        note = (
            None if gap == "best_interests" else "Best-interests decision made with the person and those close to them"
        )
    r["capacity"] = {"lacked_capacity": lacked, "support": support, "best_interests_note": note}
    if support == "Advocate" or (lacked != vocab.LACKED_CAPACITY_YES and rng.random() < 0.08):
        offered = started + dt.timedelta(days=rng.randint(0, 3))
        begun = offered + dt.timedelta(days=rng.randint(2, 25))
        if offered <= today:
            r["advocacy"] = {
                "offered": offered.isoformat(),
                "started": begun.isoformat() if begun <= today else None,
                "type": _choice(rng, ("Care Act advocate", "Care Act advocate", "IMCA", "Other advocate")),
            }


def _outcomes(rng: random.Random, r: Record, gap: Any) -> None:
    asked = None if gap == "asked" else _pick(rng, ASKED_WEIGHTS)
    r["asked_about_outcomes"] = asked
    if asked != vocab.ASKED_AND_EXPRESSED or gap == "outcomes":
        return
    for _ in range(rng.choices((1, 2, 3), weights=(55, 33, 12))[0]):
        category = _pick(rng, CATEGORY_WEIGHTS)
        outcome: dict[str, Any] = {
            "text": _choice(rng, PHRASES[category]),
            "category": category,
            "expressed_by": "Person" if rng.random() < 0.8 else "Representative",
            "negotiated": None,
            "achieved": None,
        }
        if rng.random() < 0.2 or category.startswith("To have access to justice"):
            reason = _choice(rng, list(NEGOTIATED))
            outcome["negotiated"] = {"text": _choice(rng, NEGOTIATED[reason]), "reason": reason, "note": None}
        r["desired_outcomes"].append(outcome)


def _meetings(rng: random.Random, r: Record, started: dt.date, until: dt.date) -> list[dict[str, Any]]:
    meetings = []
    for _ in range(rng.choices((0, 1, 2, 3), weights=(30, 40, 22, 8))[0]):
        held = started + dt.timedelta(days=rng.randint(0, max(0, (until - started).days)))
        attended = rng.random() < 0.65
        attendees = (["Person"] if attended else []) + _sample(
            rng,
            {
                "Family or carer": 4,
                "Advocate": 2,
                "Council adult social care": 6,
                "Police": 2,
                "Care providers": 3,
                "Primary care": 1,
                "Housing providers": 1,
            },
            rng.randint(1, 3),
        )
        meetings.append(
            {
                "date": held.isoformat(),
                "kind": _choice(
                    rng,
                    (
                        "Strategy discussion",
                        "Strategy meeting",
                        "Case conference",
                        "Review meeting",
                        "Family group conference",
                    ),
                ),
                "location": _choice(
                    rng,
                    (
                        "Person's home",
                        "Person's home",
                        "Phone or video",
                        "Council office",
                        "Care home",
                        "Community venue",
                    ),
                ),
                "location_chosen_by_person": attended and rng.random() < 0.7,
                "attendees": attendees,
                "person_prepared": attended and rng.random() < 0.75,
                "minutes_spent": rng.choice((30, 45, 60, 60, 90, 120)),
                "summary": None,
            }
        )
    return sorted(meetings, key=lambda m: m["date"])


def _review(rng: random.Random, r: Record, started: dt.date, until: dt.date) -> None:
    """One review of every outcome, part way through, for half the cases with outcomes."""
    if not r["desired_outcomes"] or rng.random() < 0.5 or (until - started).days < 14:
        return
    reviewed = (started + dt.timedelta(days=rng.randint(7, (until - started).days))).isoformat()
    r["reviews"] = [{"date": reviewed, "note": None}]
    for outcome in r["desired_outcomes"]:
        status = _choice(rng, REVIEW_PROGRESS)
        says = _choice(rng, SAYS_NOW) if rng.random() < 0.6 else None
        outcome["progress"] = [{"date": reviewed, "status": status, "person_says": says, "note": None}]


def _close(rng: random.Random, r: Record, concluded: dt.date, gap: Any) -> None:
    r["concluded"] = concluded.isoformat()
    r["risk_assessment_outcome"] = _pick(rng, RAO_WEIGHTS)
    if r["risk_assessment_outcome"] == vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN:
        r["risk_outcome"] = _pick(rng, RISK_OUTCOME_WEIGHTS)
    r["closure_note"] = _choice(rng, CLOSURE_NOTES) if rng.random() < 0.5 else None
    if r["asked_about_outcomes"] != vocab.ASKED_AND_EXPRESSED or gap == "closure":
        return
    overall = _pick(rng, ACHIEVED_WEIGHTS)
    outcomes = r["desired_outcomes"]
    for i, outcome in enumerate(outcomes):
        if overall == vocab.PARTLY and len(outcomes) > 1:
            outcome["achieved"] = vocab.FULLY if i == 0 else _choice(rng, (vocab.PARTLY, vocab.NOT_ACHIEVED))
        else:
            outcome["achieved"] = overall
    r["outcomes_achieved"] = suggest_overall_achieved([o["achieved"] for o in outcomes]) or overall


def _feedback(rng: random.Random, given: dt.date) -> dict[str, Any]:
    def score() -> int | None:
        return None if rng.random() < 0.05 else rng.choices((1, 2, 3, 4, 5), weights=(4, 6, 15, 35, 40))[0]

    return {
        "date": given.isoformat(),
        "given_by": "Person" if rng.random() < 0.75 else "Representative",
        "felt_listened_to": score(),
        "felt_involved": score(),
        "feels_safer": score(),
        "outcomes_met": score(),
        "note": _choice(rng, FEEDBACK_WORDS) if rng.random() < 0.4 else None,
    }
