"""The case record and its rules (INTERCHANGE.md): pure functions, no I/O.

Every way data comes in (the wizard, `--answers FILE`, `msp import`) ends in
`validate_case`, so there is one set of rules for what a valid case is. A validated record
is a plain dict in the interchange shape, keys in the documented order, so it can be
stored, compared and written back out unchanged.

Problems are collected, not raised one at a time, so the user sees everything that is
wrong in one go. Each names the field and says what is allowed; none repeats free text
from the record, which may be personal.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from typing import Any

from msp_cli import vocab
from msp_cli.errors import InvalidRecord

Record = dict[str, Any]

CASE_KEYS = (
    "case_ref",
    "person",
    "worker",
    "team",
    "concern_received",
    "enquiry_type",
    "enquiry_started",
    "risk_types",
    "location_of_risk",
    "source_of_risk",
    "consent",
    "capacity",
    "advocacy",
    "asked_about_outcomes",
    "desired_outcomes",
    "responses",
    "meetings",
    "feedback",
    "concluded",
    "risk_assessment_outcome",
    "risk_outcome",
    "outcomes_achieved",
    "closure_note",
)
PERSON_KEYS = ("ref", "name", "age_band", "sex", "ethnicity", "primary_support_reason")
CONSENT_KEYS = ("sought", "given", "proceeded_without_consent_reason", "note")
CAPACITY_KEYS = ("lacked_capacity", "support", "best_interests_note")
ADVOCACY_KEYS = ("offered", "started", "type")
OUTCOME_KEYS = ("text", "category", "expressed_by", "negotiated", "achieved")
NEGOTIATED_KEYS = ("text", "reason", "note")
MEETING_KEYS = (
    "date",
    "kind",
    "location",
    "location_chosen_by_person",
    "attendees",
    "person_prepared",
    "minutes_spent",
    "summary",
)
FEEDBACK_KEYS = (
    "date",
    "given_by",
    "felt_listened_to",
    "felt_involved",
    "feels_safer",
    "outcomes_met",
    "note",
)
FEEDBACK_SCORES = ("felt_listened_to", "felt_involved", "feels_safer", "outcomes_met")
CLOSURE_KEYS = ("risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "closure_note")

REF_MAX = 64
SHORT_TEXT_MAX = 200  # names, workers, teams
LONG_TEXT_MAX = 20_000  # notes and outcomes in the person's words
EARLIEST_DATE = dt.date(1900, 1, 1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# control characters (tab and newlines allowed in notes), and lone surrogates, which are not text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def describe_label_problem(value: object, allowed: Sequence[str], what: str) -> str:
    """Say that VALUE is not one of ALLOWED, suggesting the closest label when there is one."""
    shown = repr(value) if isinstance(value, str) and len(value) <= 80 else "the value given"
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6) if isinstance(value, str) else []
    if close:
        return f"{shown} is not {what}; did you mean {close[0]!r}?"
    if len(allowed) <= 8:
        return f"{shown} is not {what}; use one of: " + ", ".join(repr(a) for a in allowed)
    return f"{shown} is not {what} (see VOCABULARY.md for the {len(allowed)} labels)"


class _Checker:
    """Collects problems while normalising one record."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(self, path: str, value: Any, keys: Sequence[str]) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(path, "must be an object ({...})")
            return None
        unknown = [k for k in value if k not in keys]
        for key in unknown:
            shown = repr(key) if len(str(key)) <= 40 else "a field"
            self.problem(path, f"unknown field {shown}; allowed: {', '.join(keys)}")
        return value

    def text(
        self,
        path: str,
        value: Any,
        *,
        required: bool = False,
        max_len: int = LONG_TEXT_MAX,
        single_line: bool = False,
    ) -> str | None:
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        if not isinstance(value, str):
            self.problem(path, "must be text")
            return None
        if required and not value.strip():
            self.problem(path, "must not be empty")
            return None
        if len(value) > max_len:
            self.problem(path, f"is {len(value)} characters long; at most {max_len} are allowed")
            return None
        bad = (_CONTROL_OR_NEWLINE if single_line else _CONTROL).search(value)
        if bad is None:
            return value
        if "\ud800" <= bad.group() <= "\udfff":
            self.problem(path, "holds characters that are not valid Unicode text")
        elif single_line:
            self.problem(path, "must be one line without control characters")
        else:
            self.problem(path, "holds control characters; remove them")
        return None

    def ref(self, path: str, value: Any, *, required: bool = True) -> str | None:
        ref = self.text(path, value, required=required, max_len=REF_MAX, single_line=True)
        if ref is not None and ref != ref.strip():
            self.problem(path, "must not start or end with spaces")
            return None
        return ref

    def label(self, path: str, value: Any, allowed: Sequence[str], what: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problem(path, describe_label_problem(value, allowed, what))
            return None
        return value

    def labels(self, path: str, value: Any, allowed: Sequence[str], what: str, *, at_least: int = 0) -> list[str]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(path, "must be a list ([...])")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            label = self.label(f"{path}[{i}]", item, allowed, what, required=True)
            if label is None:
                continue
            if label in out:
                self.problem(f"{path}[{i}]", f"{label!r} is listed twice; list each once")
                continue
            out.append(label)
        if len(value) < at_least:
            self.problem(path, f"needs at least {at_least} label{'s' if at_least > 1 else ''}")
        return out

    def date(self, path: str, value: Any, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.problem(path, "is required (a date, YYYY-MM-DD)")
            return None
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            self.problem(path, "must be a date written YYYY-MM-DD")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.problem(path, f"{value} is not a real date")
            return None
        if day > self.today:
            self.problem(path, f"{value} is in the future; dates record what has happened")
            return None
        if day < EARLIEST_DATE:
            self.problem(path, f"{value} is before {EARLIEST_DATE.isoformat()}")
            return None
        return value

    def boolean(self, path: str, value: Any) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        self.problem(path, "must be true, false or null")
        return None

    def integer(self, path: str, value: Any, low: int, high: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(path, f"must be a whole number from {low} to {high}")
            return None
        return value

    def items(self, path: str, value: Any) -> list[tuple[str, Any]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, "must be a list ([...])")
            return []
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]

    def order(self, earlier: tuple[str, str | None], later: tuple[str, str | None]) -> None:
        (first_name, first), (second_name, second) = earlier, later
        if first is not None and second is not None and second < first:
            self.problem(second_name, f"{second} is before {first_name} ({first}); dates keep their order")


def _person(c: _Checker, value: Any) -> dict[str, Any] | None:
    raw = c.obj("person", value, PERSON_KEYS)
    if raw is None:
        if value is None:
            c.problem("person", "is required (an object with at least 'ref')")
        return None
    return {
        "ref": c.ref("person.ref", raw.get("ref")),
        "name": c.text("person.name", raw.get("name"), max_len=SHORT_TEXT_MAX, single_line=True),
        "age_band": c.label("person.age_band", raw.get("age_band"), vocab.AGE_BAND, "an age band"),
        "sex": c.label("person.sex", raw.get("sex"), vocab.SEX, "a SAC sex label"),
        "ethnicity": c.label("person.ethnicity", raw.get("ethnicity"), vocab.ETHNICITY, "a SAC ethnicity label"),
        "primary_support_reason": c.label(
            "person.primary_support_reason",
            raw.get("primary_support_reason"),
            vocab.PRIMARY_SUPPORT_REASON,
            "a primary support reason",
        ),
    }


def _consent(c: _Checker, value: Any) -> dict[str, Any] | None:
    raw = c.obj("consent", value, CONSENT_KEYS)
    if raw is None:
        return None
    out = {
        "sought": c.boolean("consent.sought", raw.get("sought")),
        "given": c.boolean("consent.given", raw.get("given")),
        "proceeded_without_consent_reason": c.label(
            "consent.proceeded_without_consent_reason",
            raw.get("proceeded_without_consent_reason"),
            vocab.CONSENT_OVERRIDE_REASON,
            "a reason to proceed without consent",
        ),
        "note": c.text("consent.note", raw.get("note")),
    }
    if out["given"] is True and out["proceeded_without_consent_reason"] is not None:
        c.problem(
            "consent.proceeded_without_consent_reason",
            "is only for an enquiry that went ahead without consent, but consent.given is true",
        )
    if out["sought"] is False and out["given"] is True:
        c.problem("consent.given", "cannot be true when consent.sought is false")
    return None if all(v is None for v in out.values()) else out


def _capacity(c: _Checker, value: Any) -> dict[str, Any] | None:
    raw = c.obj("capacity", value, CAPACITY_KEYS)
    if raw is None:
        return None
    out = {
        "lacked_capacity": c.label(
            "capacity.lacked_capacity",
            raw.get("lacked_capacity"),
            vocab.LACKED_CAPACITY,
            "an SG3a answer",
        ),
        "support": c.label("capacity.support", raw.get("support"), vocab.CAPACITY_SUPPORT, "a kind of support"),
        "best_interests_note": c.text("capacity.best_interests_note", raw.get("best_interests_note")),
    }
    lacked = out["lacked_capacity"] == vocab.LACKED_CAPACITY_YES
    for key in ("support", "best_interests_note"):
        if out[key] is not None and not lacked and raw.get("lacked_capacity") in vocab.LACKED_CAPACITY:
            c.problem(f"capacity.{key}", f"is only recorded where lacked_capacity is {vocab.LACKED_CAPACITY_YES!r}")
    return None if all(v is None for v in out.values()) else out


def _advocacy(c: _Checker, value: Any) -> dict[str, Any] | None:
    raw = c.obj("advocacy", value, ADVOCACY_KEYS)
    if raw is None:
        return None
    out = {
        "offered": c.date("advocacy.offered", raw.get("offered")),
        "started": c.date("advocacy.started", raw.get("started")),
        "type": c.label("advocacy.type", raw.get("type"), vocab.ADVOCACY_TYPE, "an advocacy type"),
    }
    c.order(("advocacy.offered", out["offered"]), ("advocacy.started", out["started"]))
    return None if all(v is None for v in out.values()) else out


def _desired_outcome(c: _Checker, path: str, value: Any) -> dict[str, Any] | None:
    raw = c.obj(path, value, OUTCOME_KEYS)
    if raw is None:
        if value is None:
            c.problem(path, "must be an object, not null")
        return None
    negotiated = None
    neg_raw = c.obj(f"{path}.negotiated", raw.get("negotiated"), NEGOTIATED_KEYS)
    if neg_raw is not None:
        negotiated = {
            "text": c.text(f"{path}.negotiated.text", neg_raw.get("text"), required=True),
            "reason": c.label(
                f"{path}.negotiated.reason",
                neg_raw.get("reason"),
                vocab.NEGOTIATED_REASON,
                "a reason a negotiated outcome differs",
                required=True,
            ),
            "note": c.text(f"{path}.negotiated.note", neg_raw.get("note")),
        }
    return {
        # The person's own words are kept exactly as given: never trimmed or shortened.
        "text": c.text(f"{path}.text", raw.get("text"), required=True),
        "category": c.label(
            f"{path}.category",
            raw.get("category"),
            vocab.OUTCOME_CATEGORY,
            "a desired outcome category",
            required=True,
        ),
        "expressed_by": c.label(
            f"{path}.expressed_by", raw.get("expressed_by"), vocab.EXPRESSED_BY, "Person or Representative"
        ),
        "negotiated": negotiated,
        "achieved": c.label(f"{path}.achieved", raw.get("achieved"), vocab.OUTCOMES_ACHIEVED, "an achievement label"),
    }


def _meeting(c: _Checker, path: str, value: Any) -> dict[str, Any] | None:
    raw = c.obj(path, value, MEETING_KEYS)
    if raw is None:
        if value is None:
            c.problem(path, "must be an object, not null")
        return None
    return {
        "date": c.date(f"{path}.date", raw.get("date"), required=True),
        "kind": c.label(f"{path}.kind", raw.get("kind"), vocab.MEETING_KIND, "a meeting kind"),
        "location": c.label(f"{path}.location", raw.get("location"), vocab.MEETING_LOCATION, "a meeting place"),
        "location_chosen_by_person": c.boolean(
            f"{path}.location_chosen_by_person", raw.get("location_chosen_by_person")
        ),
        "attendees": c.labels(f"{path}.attendees", raw.get("attendees"), vocab.ATTENDEE, "an attendee label"),
        "person_prepared": c.boolean(f"{path}.person_prepared", raw.get("person_prepared")),
        "minutes_spent": c.integer(f"{path}.minutes_spent", raw.get("minutes_spent"), 0, 10_000),
        "summary": c.text(f"{path}.summary", raw.get("summary")),
    }


def _feedback(c: _Checker, path: str, value: Any) -> dict[str, Any] | None:
    raw = c.obj(path, value, FEEDBACK_KEYS)
    if raw is None:
        if value is None:
            c.problem(path, "must be an object, not null")
        return None
    out: dict[str, Any] = {
        "date": c.date(f"{path}.date", raw.get("date"), required=True),
        "given_by": c.label(f"{path}.given_by", raw.get("given_by"), vocab.EXPRESSED_BY, "Person or Representative"),
    }
    for score in FEEDBACK_SCORES:
        out[score] = c.integer(f"{path}.{score}", raw.get(score), 1, 5)
    out["note"] = c.text(f"{path}.note", raw.get("note"))
    return out


def validate_meeting(obj: Any, *, today: dt.date | None = None) -> Record:
    """One meeting object, as `msp meeting add --answers` takes it."""
    c = _Checker(today or dt.date.today())
    out = _meeting(c, "meeting", obj)
    if c.problems or out is None:
        raise InvalidRecord(c.problems or ["meeting: must be an object"])
    return out


def validate_feedback(obj: Any, *, today: dt.date | None = None) -> Record:
    """One feedback object, as `msp feedback add --answers` takes it."""
    c = _Checker(today or dt.date.today())
    out = _feedback(c, "feedback", obj)
    if c.problems or out is None:
        raise InvalidRecord(c.problems or ["feedback: must be an object"])
    return out


def validate_case(obj: Any, *, today: dt.date | None = None, draft: bool = False) -> Record:
    """Check one interchange object and return it normalised; raise InvalidRecord otherwise.

    `draft` relaxes what is required (not what is allowed) for a case the wizard has
    saved part of: only case_ref and person.ref must be there.
    """
    c = _Checker(today or dt.date.today())
    raw = c.obj("case", obj, CASE_KEYS)
    if raw is None:
        raise InvalidRecord(["the case must be a JSON object ({...})"])
    complete = not draft
    r: Record = {key: None for key in CASE_KEYS}
    r["case_ref"] = c.ref("case_ref", raw.get("case_ref"))
    r["person"] = _person(c, raw.get("person"))
    r["worker"] = c.text("worker", raw.get("worker"), max_len=SHORT_TEXT_MAX, single_line=True)
    r["team"] = c.text("team", raw.get("team"), max_len=SHORT_TEXT_MAX, single_line=True)
    r["concern_received"] = c.date("concern_received", raw.get("concern_received"), required=complete)
    r["enquiry_type"] = c.label(
        "enquiry_type",
        raw.get("enquiry_type"),
        vocab.ENQUIRY_TYPE,
        "an enquiry type",
        required=complete,
    )
    enquiry = r["enquiry_type"] in (vocab.SECTION_42, "Other")
    r["enquiry_started"] = c.date("enquiry_started", raw.get("enquiry_started"), required=complete and enquiry)
    r["risk_types"] = c.labels(
        "risk_types",
        raw.get("risk_types"),
        vocab.RISK_TYPE,
        "a type of risk",
        at_least=0 if draft else 1,
    )
    r["location_of_risk"] = c.label(
        "location_of_risk", raw.get("location_of_risk"), vocab.LOCATION_OF_RISK, "a location of risk"
    )
    r["source_of_risk"] = c.label("source_of_risk", raw.get("source_of_risk"), vocab.SOURCE_OF_RISK, "a source of risk")
    r["consent"] = _consent(c, raw.get("consent"))
    r["capacity"] = _capacity(c, raw.get("capacity"))
    r["advocacy"] = _advocacy(c, raw.get("advocacy"))
    r["asked_about_outcomes"] = c.label(
        "asked_about_outcomes",
        raw.get("asked_about_outcomes"),
        vocab.ASKED_ABOUT_OUTCOMES,
        "an SG4a answer",
    )
    r["desired_outcomes"] = [
        o
        for p, v in c.items("desired_outcomes", raw.get("desired_outcomes"))
        if (o := _desired_outcome(c, p, v)) is not None
    ]
    r["responses"] = c.labels("responses", raw.get("responses"), vocab.RESPONSE, "a toolkit response")
    r["meetings"] = [m for p, v in c.items("meetings", raw.get("meetings")) if (m := _meeting(c, p, v)) is not None]
    r["feedback"] = [f for p, v in c.items("feedback", raw.get("feedback")) if (f := _feedback(c, p, v)) is not None]
    r["concluded"] = c.date("concluded", raw.get("concluded"))
    r["risk_assessment_outcome"] = c.label(
        "risk_assessment_outcome",
        raw.get("risk_assessment_outcome"),
        vocab.RISK_ASSESSMENT_OUTCOME,
        "an SG2c risk assessment outcome",
    )
    r["risk_outcome"] = c.label("risk_outcome", raw.get("risk_outcome"), vocab.RISK_OUTCOME, "an SG2e risk outcome")
    r["outcomes_achieved"] = c.label(
        "outcomes_achieved",
        raw.get("outcomes_achieved"),
        vocab.OUTCOMES_ACHIEVED,
        "an SG4a achievement label",
    )
    r["closure_note"] = c.text("closure_note", raw.get("closure_note"))
    _cross_field_rules(c, raw, r)
    if c.problems:
        raise InvalidRecord(c.problems)
    return r


def _cross_field_rules(c: _Checker, raw: dict[str, Any], r: Record) -> None:
    """The rules that tie fields together; each is checked only where its fields are valid."""
    if r["enquiry_type"] == vocab.NO_ENQUIRY:
        for key in ("enquiry_started", "risk_assessment_outcome", "risk_outcome"):
            if raw.get(key) is not None:
                c.problem(key, "must be null when enquiry_type is 'None' (no enquiry was made)")
    if r["risk_outcome"] is not None and r["risk_assessment_outcome"] not in (
        None,
        vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN,
    ):
        c.problem(
            "risk_outcome",
            f"is only recorded where risk_assessment_outcome is {vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN!r}",
        )
    elif r["risk_outcome"] is not None and r["risk_assessment_outcome"] is None:
        c.problem("risk_outcome", "needs risk_assessment_outcome to be recorded too")
    expressed = r["asked_about_outcomes"] == vocab.ASKED_AND_EXPRESSED
    if (
        r["desired_outcomes"]
        and not expressed
        and raw.get("asked_about_outcomes")
        in (
            None,
            *vocab.ASKED_ABOUT_OUTCOMES,
        )
    ):
        c.problem(
            "desired_outcomes",
            f"are given, so asked_about_outcomes must be {vocab.ASKED_AND_EXPRESSED!r}",
        )
    if r["concluded"] is None:
        closing = [k for k in CLOSURE_KEYS if raw.get(k) is not None]
        closing += [
            f"desired_outcomes[{i}].achieved" for i, o in enumerate(r["desired_outcomes"]) if o["achieved"] is not None
        ]
        for key in closing:
            c.problem(key, "is a closure field, but the case is open (concluded is null)")
    elif r["outcomes_achieved"] is not None and not expressed and r["asked_about_outcomes"] is not None:
        c.problem(
            "outcomes_achieved",
            f"is only recorded where asked_about_outcomes is {vocab.ASKED_AND_EXPRESSED!r}",
        )
    c.order(("concern_received", r["concern_received"]), ("enquiry_started", r["enquiry_started"]))
    c.order(("enquiry_started", r["enquiry_started"]), ("concluded", r["concluded"]))
    c.order(("concern_received", r["concern_received"]), ("concluded", r["concluded"]))
    for i, meeting in enumerate(r["meetings"]):
        c.order(("concern_received", r["concern_received"]), (f"meetings[{i}].date", meeting["date"]))
    for i, fb in enumerate(r["feedback"]):
        c.order(("concern_received", r["concern_received"]), (f"feedback[{i}].date", fb["date"]))
    _contradictions(c, r)


def _contradictions(c: _Checker, r: Record) -> None:
    """Answers of different steps that cannot both be true (the worklist lists stored ones too)."""
    problem = capacity_contradiction(r["consent"], r["capacity"])
    if problem:
        c.problem("capacity.lacked_capacity", problem)
    problem = achieved_contradiction(r["outcomes_achieved"], [o["achieved"] for o in r["desired_outcomes"]])
    if problem:
        c.problem("outcomes_achieved", problem)


def capacity_contradiction(consent: dict[str, Any] | None, capacity: dict[str, Any] | None) -> str | None:
    """Why the capacity answer contradicts the reason for going ahead without consent, or None."""
    reason = (consent or {}).get("proceeded_without_consent_reason")
    lacked = (capacity or {}).get("lacked_capacity")
    if reason == vocab.CONSENT_LACKS_CAPACITY and lacked == vocab.LACKED_CAPACITY_NO:
        return (
            f"is {lacked!r}, but the enquiry went ahead without consent because {reason.lower()!r}:"
            " correct one of the two"
        )
    return None


def achieved_contradiction(overall: str | None, achieved: Sequence[str | None]) -> str | None:
    """Why the overall SG4a answer contradicts every outcome's own answer, or None."""
    known = [a for a in achieved if a is not None]
    if not known or overall is None:
        return None
    for said, every in ((vocab.FULLY, vocab.NOT_ACHIEVED), (vocab.NOT_ACHIEVED, vocab.FULLY)):
        if overall == said and all(a == every for a in known):
            return f"is {said!r}, but every desired outcome is {every!r}: correct one or the other"
    return None


def suggest_overall_achieved(achieved: Sequence[str | None]) -> str | None:
    """The SG4a overall answer that the per-outcome answers point to (the worker confirms it).

    All fully achieved -> Fully; none achieved at all -> Not; anything between -> Partially.
    """
    known = [a for a in achieved if a is not None]
    if not known:
        return None
    if all(a == vocab.FULLY for a in known):
        return vocab.FULLY
    if all(a == vocab.NOT_ACHIEVED for a in known):
        return vocab.NOT_ACHIEVED
    return vocab.PARTLY


def ref_problem(value: str) -> str | None:
    """Why VALUE cannot be a case or person reference, or None (the prompts' check)."""
    checker = _Checker(dt.date.today())
    checker.ref("reference", value)
    return checker.problems[0].removeprefix("reference: ") if checker.problems else None


def is_iso_date(value: str) -> bool:
    """True for a real date written YYYY-MM-DD (the only form msp reads or writes)."""
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- later in the enquiry: reviews and closure ---------------------------------------------

REVIEW_KEYS = ("date", "note", "outcomes", "new_outcomes")
REVIEW_OUTCOME_KEYS = ("progress", "person_says", "note", "text", "category")
CLOSE_KEYS = (
    "concluded",
    "risk_assessment_outcome",
    "risk_outcome",
    "outcomes_achieved",
    "desired_outcomes",
    "responses",
    "closure_note",
)


def validate_review(obj: Any, record: Record, *, today: dt.date | None = None) -> Record:
    """A review of a case's desired outcomes: one entry per outcome, in order, and any new ones.

    {"date", "note", "outcomes": [{"progress", "person_says", "note", "text", "category"}],
     "new_outcomes": [desired outcome objects]}; "text"/"category" only when the wording changed.
    """
    c = _Checker(today or dt.date.today())
    raw = c.obj("review", obj, REVIEW_KEYS)
    if raw is None:
        raise InvalidRecord(["the review must be a JSON object ({...})"])
    out: Record = {
        "date": c.date("date", raw.get("date"), required=True),
        "note": c.text("note", raw.get("note")),
        "outcomes": [],
        "new_outcomes": [],
    }
    existing = record["desired_outcomes"]
    items = c.items("outcomes", raw.get("outcomes"))
    if len(items) > len(existing):
        c.problem(
            "outcomes", f"lists {len(items)} outcomes but the case has {len(existing)}; add new ones in new_outcomes"
        )
    for path, item in items[: len(existing)]:
        entry = c.obj(path, item, REVIEW_OUTCOME_KEYS)
        if entry is None:
            c.problem(path, "must be an object")
            continue
        out["outcomes"].append(
            {
                "progress": c.label(
                    f"{path}.progress", entry.get("progress"), vocab.OUTCOME_PROGRESS, "a progress label", required=True
                ),
                "person_says": c.text(f"{path}.person_says", entry.get("person_says")),
                "note": c.text(f"{path}.note", entry.get("note")),
                "text": c.text(f"{path}.text", entry.get("text")),
                "category": c.label(
                    f"{path}.category", entry.get("category"), vocab.OUTCOME_CATEGORY, "a desired outcome category"
                ),
            }
        )
    for path, item in c.items("new_outcomes", raw.get("new_outcomes")):
        outcome = _desired_outcome(c, path, item)
        if outcome is not None:
            if outcome["achieved"] is not None:
                c.problem(f"{path}.achieved", "is recorded when the case is closed, not at a review")
            out["new_outcomes"].append(outcome)
    if not out["outcomes"] and not out["new_outcomes"]:
        c.problem("outcomes", "the review records nothing: give each outcome's progress, or a new outcome")
    c.order(("concern_received", record["concern_received"]), ("date", out["date"]))
    if c.problems:
        raise InvalidRecord(c.problems)
    return out


def closure_answers(obj: Any) -> Record:
    """The closure fields of `msp case close --answers`, shape-checked (rules come with the case)."""
    c = _Checker(dt.date.today())
    raw = c.obj("answers", obj, CLOSE_KEYS)
    if raw is None:
        raise InvalidRecord(["the answers must be a JSON object ({...})"])
    achieved: list[str | None] = []
    for path, item in c.items("desired_outcomes", raw.get("desired_outcomes")):
        entry = c.obj(path, item, ("achieved",))
        achieved.append(entry.get("achieved") if entry else None)
    if c.problems:
        raise InvalidRecord(c.problems)
    out = {key: raw.get(key) for key in CLOSE_KEYS if key != "desired_outcomes"}
    out["achieved"] = achieved
    return out


def missing_for_closure(record: Record) -> list[str]:
    """What a case still needs before it can be closed, in words a worker understands."""
    missing = []
    enquiry = record["enquiry_type"] in (vocab.SECTION_42, "Other")
    if record["concluded"] is None:
        missing.append("the date the enquiry concluded (concluded)")
    if enquiry:
        if record["asked_about_outcomes"] is None:
            missing.append('"asked about outcomes" (SG4a): was the person asked what they want?')
        if (record["capacity"] or {}).get("lacked_capacity") is None:
            missing.append('"lacked capacity" (SG3a) for the decisions about this enquiry')
        if record["risk_assessment_outcome"] is None:
            missing.append("the risk assessment outcome (SG2c)")
        elif record["risk_assessment_outcome"] == vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN and not record["risk_outcome"]:
            missing.append("the risk outcome (SG2e), needed where risk was identified and action taken")
    if record["asked_about_outcomes"] == vocab.ASKED_AND_EXPRESSED:
        if not record["desired_outcomes"]:
            missing.append("the desired outcomes: outcomes were expressed but none is recorded (msp case review)")
        for i, outcome in enumerate(record["desired_outcomes"], start=1):
            if outcome["achieved"] is None:
                missing.append(f"whether desired outcome {i} was achieved")
        if record["outcomes_achieved"] is None:
            suggestion = suggest_overall_achieved([o["achieved"] for o in record["desired_outcomes"]])
            hint = f" (suggested: {suggestion})" if suggestion else ""
            missing.append(f"whether the outcomes were achieved overall (outcomes_achieved){hint}")
    return missing
