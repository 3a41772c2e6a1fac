"""The case record and its rules (docs/interchange.md): pure functions, no I/O.

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
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast

from msp_cli import rules, vocab
from msp_cli.errors import InvalidRecord
from msp_cli.record import Case, Feedback, Meeting
from msp_cli.record.fields import GROUPS, Field, Kind, feedback_scores, fields_of, keys_of

Record = dict[str, Any]  # an answers object on its way to becoming a record

# the keys of each object, in the format's order (version 1 keys; version 2 ones are optional)
CASE_KEYS = tuple(f.key for f in fields_of("case") if f.version == 1)
PERSON_KEYS = keys_of("person")
OUTCOME_KEYS = keys_of("outcome")
FEEDBACK_SCORES = feedback_scores()
CLOSURE_KEYS = ("risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "closure_note")
MINUTES_MAX = 10_000

REF_MAX = 64
SHORT_TEXT_MAX = 200  # names, workers, teams
LONG_TEXT_MAX = 20_000  # notes and outcomes in the person's words
EARLIEST_DATE = dt.date(1900, 1, 1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# control characters, C0 and C1 (tab and newlines allowed in notes), and lone surrogates, which
# are not text; one-line fields (names, workers, teams, references) also refuse the direction
# overrides that make text display in another order than it is stored
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# invisible in a reference: zero-width characters, joiners, marks of direction, byte-order mark
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_LIST = 100  # labels or items in one list: no case has more


def describe_label_problem(value: object, allowed: Sequence[str], what: str) -> str:
    """Say that the value is not one of ALLOWED, suggesting the closest label when there is one.

    The value itself is never quoted: a wrong field may hold a name or an NHS number. Only a
    short value is matched for a suggestion, and the suggestion is one of the labels.
    """
    short = isinstance(value, str) and len(value) <= 2 * max(len(a) for a in allowed)
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6) if short and isinstance(value, str) else []
    if close:
        return f"is not {what}; did you mean {close[0]!r}?"
    if len(allowed) <= 8:
        return f"is not {what}; use one of: " + ", ".join(repr(a) for a in allowed)
    from msp_cli.labels import name_of

    listed = f"msp labels {name_of(allowed)}" if name_of(allowed) else "docs/vocabularies.md"
    return f"is not {what} (the {len(allowed)} labels: {listed})"


@lru_cache(maxsize=2)
def _dates_valid_on(today: dt.date) -> set[str]:
    """Dates already found valid on TODAY: at most one a day since EARLIEST_DATE, so small and bounded."""
    return set()


class _Checker:
    """Collects problems while normalising one record."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.problems: list[str] = []
        self.good_dates = _dates_valid_on(today)

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(
        self, path: str, value: Any, keys: Sequence[str], known: frozenset[str] | None = None
    ) -> dict[str, Any] | None:
        """VALUE as an object whose keys are all among KEYS (KNOWN: the same as a set, when at hand)."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(path, "must be an object ({...})")
            return None
        if (known or frozenset(keys)).issuperset(value):
            return value
        for key in (k for k in value if k not in keys):
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
        if isinstance(value, str):  # one reference, one way of writing it: P-1 and P-1 + U+200B are one
            value = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
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
        if len(value) > MAX_LIST:
            self.problem(path, f"lists {len(value)} labels; at most {MAX_LIST} are allowed")
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
        problem = self.date_problem(value)
        if problem is not None:
            self.problem(path, problem)
            return None
        return cast(str, value)

    def date_problem(self, value: Any) -> str | None:
        """What is wrong with VALUE as a date, or None (and it is remembered as valid today)."""
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            return "must be a date written YYYY-MM-DD"
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return "is not a real date (check the day and month)"  # no value: it may be a birthday
        if day > self.today:
            return "is in the future; dates record what has happened"
        if day < EARLIEST_DATE:
            return f"is before {EARLIEST_DATE.isoformat()}"
        self.good_dates.add(value)
        return None

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
        if len(value) > MAX_LIST:
            self.problem(path, f"lists {len(value)} items; at most {MAX_LIST} are allowed")
            return []
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]

    def order(self, earlier: tuple[str, str | None], later: tuple[str, str | None]) -> None:
        (first_name, first), (second_name, second) = earlier, later
        if first is not None and second is not None and second < first:
            self.problem(second_name, f"{second} is before {first_name} ({first}); dates keep their order")


def _list(c: _Checker, f: Field, path: str, value: Any, _required: bool) -> list[Any]:
    assert f.sub is not None
    return [o for p, v in c.items(path, value) if (o := _object(c, p, v, f.sub, item=True)) is not None]


def _nested(c: _Checker, f: Field, path: str, value: Any, required: bool) -> Any:
    assert f.sub is not None
    return _object(c, path, value, f.sub, required=required)


_RANGES = {Kind.INT: (0, MINUTES_MAX), Kind.SCORE: (1, 5)}  # the whole numbers allowed: minutes, scores

# kind -> check(checker, field, path, value, required)
_Check = Callable[[_Checker, Field, str, Any, bool], Any]
_CHECKS: dict[Kind, _Check] = {
    Kind.REF: lambda c, f, p, v, r: c.ref(p, v, required=r),
    Kind.LINE: lambda c, f, p, v, r: c.text(p, v, required=r, max_len=SHORT_TEXT_MAX, single_line=True),
    Kind.TEXT: lambda c, f, p, v, r: c.text(p, v, required=r),
    Kind.DATE: lambda c, f, p, v, r: c.date(p, v, required=r),
    Kind.LABEL: lambda c, f, p, v, r: c.label(p, v, f.labels, f.what, required=r),
    Kind.LABELS: lambda c, f, p, v, r: c.labels(p, v, f.labels, f.what),
    Kind.LABEL_SEQ: lambda c, f, p, v, r: [
        None if x is None else c.label(q, x, f.labels, f.what) for q, x in c.items(p, v)
    ],
    Kind.BOOL: lambda c, f, p, v, r: c.boolean(p, v),
    Kind.INT: lambda c, f, p, v, r: c.integer(p, v, *_RANGES[Kind.INT]),
    Kind.SCORE: lambda c, f, p, v, r: c.integer(p, v, *_RANGES[Kind.SCORE]),
    Kind.OBJECT: _nested,
    Kind.LIST: _list,
}


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to check one group's objects, worked out once a group, not once a case: an import
    checks every field of every case."""

    keys: tuple[str, ...]  # in the format's order
    known: frozenset[str]
    steps: tuple[_Step, ...]  # the full check, field by field (see _Step)
    none_if_empty: bool
    # the quick pass (_quick): what a plainly valid value of each key is, and what the full check
    # does with a missing one: refuses it (required), makes it [] (lists) or leaves it out (version 2)
    tests: dict[str, tuple[str, Any]]
    required: tuple[str, ...]
    lists: tuple[str, ...]
    later: tuple[str, ...]


@cache
def _plan(group: str, also_required: frozenset[str] = frozenset()) -> _Plan:
    """GROUP's plan; ALSO_REQUIRED: keys required here beyond those every record needs (a complete case's)."""
    fields = fields_of(group)
    keys = tuple(f.key for f in fields)
    return _Plan(
        keys=keys,
        known=frozenset(keys),
        steps=tuple(
            (f, _CHECKS[f.kind], f.version > 1, f.kind in _LISTS, _fast_pass(f), f.required or f.key in also_required)
            for f in fields
        ),
        none_if_empty=GROUPS[group].none_if_empty,
        tests={f.key: _quick_test(f) for f in fields},
        required=tuple(f.key for f in fields if f.required or f.key in also_required),
        lists=tuple(f.key for f in fields if f.kind in _LISTS),
        later=tuple(f.key for f in fields if f.version > 1),
    )


# a field's check: (field, check of its kind, left out when empty (version 2), empty is [] not None,
# a quick test that a common, plainly valid value passes as it is, required); an absent optional
# value needs no call
_Fast = Callable[["_Checker", Any], bool]
_Step = tuple[Field, "_Check", bool, bool, "_Fast | None", bool]
_LISTS = (Kind.LABELS, Kind.LABEL_SEQ, Kind.LIST)


def _fast_pass(f: Field) -> _Fast | None:
    """A test that VALUE needs no change and breaks no rule of F's kind; False only means "check it fully".

    Each accepts a subset of what the full check accepts unchanged (non-blank, so "required" holds too):
    plain ASCII one-line text has nothing to normalise and no control characters, and a date
    string already found valid today is valid again.
    """
    if f.kind is Kind.LABEL:
        allowed = frozenset(f.labels)
        return lambda c, v: type(v) is str and v in allowed
    if f.kind is Kind.LABELS:
        return _labels_pass(frozenset(f.labels))
    if f.kind is Kind.REF:
        return lambda c, v: (
            type(v) is str and 0 < len(v) <= REF_MAX and v.isascii() and v.isprintable() and v[0] != " " != v[-1]
        )
    if f.kind is Kind.LINE:
        return lambda c, v: (
            type(v) is str and 0 < len(v) <= SHORT_TEXT_MAX and v.isascii() and v.isprintable() and not v.isspace()
        )
    if f.kind is Kind.TEXT:
        return lambda c, v: (
            type(v) is str and 0 < len(v) <= LONG_TEXT_MAX and not v.isspace() and _CONTROL.search(v) is None
        )
    if f.kind is Kind.DATE:
        return lambda c, v: type(v) is str and v in c.good_dates
    if f.kind is Kind.BOOL:
        return lambda c, v: type(v) is bool
    return None


def _labels_pass(allowed: frozenset[str]) -> _Fast:
    """Known labels, each once: the list is kept as given (nothing changes a record's lists in place)."""

    def passes(c: _Checker, v: Any) -> bool:
        if type(v) is not list or not 0 < len(v) <= MAX_LIST:
            return False
        try:
            return allowed.issuperset(v) and len(set(v)) == len(v)  # known labels (so text), each once
        except TypeError:  # an item that is a list or an object: no label
            return False

    return passes


def _quick_test(f: Field) -> tuple[str, Any]:
    """(how _quick tests a value of F, with what): the commonest kinds are tested in its own loop."""
    if f.kind is Kind.LABEL:
        return "label", frozenset(f.labels)
    if f.kind is Kind.DATE:
        return "date", None
    if f.kind in (Kind.OBJECT, Kind.LIST):
        assert f.sub is not None
        return ("object" if f.kind is Kind.OBJECT else "list"), _plan(f.sub)
    if f.kind is Kind.LABEL_SEQ:
        return "sequence", frozenset(f.labels)
    if f.kind in _RANGES:
        return "whole", _RANGES[f.kind]
    if f.kind is Kind.LABELS:
        return "labels", _fast_pass(f)
    return "passes", _fast_pass(f)


_UNSURE: Any = object()  # what _quick gives when an object needs the full check


def _quick(c: _Checker, raw: dict[str, Any], plan: _Plan) -> Any:
    """RAW as the full check would give it, when each value is plainly valid; _UNSURE otherwise.

    Most records in an import are valid, so this gives up at the first doubt, records no
    problem, and leaves the words of every problem to the full check that follows.
    """
    if not plan.known.issuperset(raw):
        return _UNSURE
    out = dict.fromkeys(plan.keys)  # the format's order, whatever the input's
    tests = plan.tests
    for key, value in raw.items():
        if value is None:
            continue
        how, what = tests[key]
        if how == "label":
            if type(value) is not str or value not in what:
                return _UNSURE
        elif how == "date":
            if type(value) is not str or (value not in c.good_dates and c.date_problem(value) is not None):
                return _UNSURE
        elif how == "passes":
            if not what(c, value):
                return _UNSURE
        elif how == "object":
            if type(value) is not dict or (value := _quick(c, value, what)) is _UNSURE:
                return _UNSURE
        elif how == "list":
            value = _quick_list(c, value, what)
            if value is _UNSURE:
                return _UNSURE
        elif how == "labels":
            if type(value) is not list or (value and not what(c, value)):
                return _UNSURE
            value = value or []
        elif how == "whole":
            if type(value) is not int or not what[0] <= value <= what[1]:
                return _UNSURE
        elif not _labels_or_nulls(value, what):
            return _UNSURE
        else:
            value = list(value)  # made anew, as the full check makes it: a later rule fills it out
        out[key] = value
    for key in plan.required:
        if out[key] is None:
            return _UNSURE
    for key in plan.lists:
        if out[key] is None:
            out[key] = []
    for key in plan.later:
        if out[key] is None or out[key] == []:
            del out[key]
    if plan.none_if_empty and all(v is None for v in out.values()):
        return None
    return out


def _labels_or_nulls(value: Any, allowed: frozenset[str]) -> bool:
    """A list of at most MAX_LIST labels or nulls (a LABEL_SEQ's plainly valid value)."""
    if type(value) is not list or len(value) > MAX_LIST:
        return False
    return all(x is None or (type(x) is str and x in allowed) for x in value)


def _quick_list(c: _Checker, value: Any, plan: _Plan) -> Any:
    """A list of objects of PLAN's group, as _quick gives each; _UNSURE at the first doubt."""
    if type(value) is not list or len(value) > MAX_LIST:
        return _UNSURE
    out = []
    for item in value:
        if type(item) is not dict:
            return _UNSURE
        checked = _quick(c, item, plan)
        if checked is _UNSURE:
            return _UNSURE
        if checked is not None:
            out.append(checked)
    return out


def _object(
    c: _Checker,
    path: str,
    value: Any,
    group: str,
    *,
    required: bool = False,
    item: bool = False,
    also_required: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """Check one object of the format field by field; version 2 fields are left out when empty."""
    plan = _plan(group, also_required)
    if type(value) is dict:
        quick = _quick(c, value, plan)
        if quick is not _UNSURE:
            return cast("dict[str, Any] | None", quick)
    raw = c.obj(path or "case", value, plan.keys, plan.known)
    if raw is None:
        if value is None and item:
            c.problem(path, "must be an object, not null")
        elif value is None and required:
            c.problem(path, "is required (an object with at least 'ref')")
        return None
    out: dict[str, Any] = {}
    get = raw.get
    for f, check, optional, listed, fast, needed in plan.steps:
        key = f.key
        given = get(key)
        if given is None and not needed:
            if not optional:
                out[key] = [] if listed else None
            continue
        if fast is not None and fast(c, given):
            out[key] = given
            continue
        checked = check(c, f, f"{path}.{key}" if path else key, given, needed)
        if optional and (checked is None or checked == []):
            continue
        out[key] = checked
    if plan.none_if_empty and all(v is None for v in out.values()):
        return None
    return out


def _consent_rules(c: _Checker, consent: dict[str, Any] | None) -> None:
    if consent is None:
        return
    if consent["given"] is True and consent["proceeded_without_consent_reason"] is not None:
        c.problem(
            "consent.proceeded_without_consent_reason",
            "is only for an enquiry that went ahead without consent, but consent.given is true",
        )
    if consent["sought"] is False and consent["given"] is True:
        c.problem("consent.given", "cannot be true when consent.sought is false")


def _capacity_rules(c: _Checker, raw: Any, capacity: dict[str, Any] | None) -> None:
    if capacity is None or not isinstance(raw, dict):
        return
    lacked = capacity["lacked_capacity"] == vocab.LACKED_CAPACITY_YES
    for key in ("support", "best_interests_note"):
        if capacity[key] is not None and not lacked and raw.get("lacked_capacity") in vocab.LACKED_CAPACITY:
            c.problem(f"capacity.{key}", f"is only recorded where lacked_capacity is {vocab.LACKED_CAPACITY_YES!r}")


def validate_meeting(obj: Any, *, today: dt.date | None = None) -> Meeting:
    """One meeting object, as `msp meeting add --answers` takes it."""
    c = _Checker(today or dt.date.today())
    out = _object(c, "meeting", obj, "meeting", item=True)
    if c.problems or out is None:
        raise InvalidRecord(c.problems or ["meeting: must be an object"])
    return cast(Meeting, out)


def validate_feedback(obj: Any, *, today: dt.date | None = None) -> Feedback:
    """One feedback object, as `msp feedback add --answers` takes it."""
    c = _Checker(today or dt.date.today())
    out = _object(c, "feedback", obj, "feedback", item=True)
    if c.problems or out is None:
        raise InvalidRecord(c.problems or ["feedback: must be an object"])
    return cast(Feedback, out)


# the case's keys required beyond case_ref and person.ref: a draft's, a complete case's, and one with an enquiry
_DRAFT_NEEDS = frozenset({"person"})
_CASE_NEEDS = _DRAFT_NEEDS | {"concern_received", "enquiry_type"}
_ENQUIRY_NEEDS = _CASE_NEEDS | {"enquiry_started"}


def validate_case(obj: Any, *, today: dt.date | None = None, draft: bool = False) -> Case:
    """Check one interchange object and return it normalised; raise InvalidRecord otherwise.

    `draft` relaxes what is required (not what is allowed) for a case the wizard has
    saved part of: only case_ref and person.ref must be there.
    """
    c = _Checker(today or dt.date.today())
    if not isinstance(obj, dict):
        raise InvalidRecord(["the case must be a JSON object ({...})"])
    complete = not draft
    if not complete:
        needs = _DRAFT_NEEDS
    else:
        needs = _ENQUIRY_NEEDS if obj.get("enquiry_type") in rules.ENQUIRY_TYPES else _CASE_NEEDS
    r = _object(c, "", obj, "case", also_required=needs)
    if r is None:
        raise InvalidRecord(c.problems or ["the case must be a JSON object ({...})"])
    raw_risks = obj.get("risk_types")
    if complete and (raw_risks is None or (isinstance(raw_risks, list) and not raw_risks)):
        c.problem("risk_types", "needs at least 1 label")
    _consent_rules(c, r["consent"])
    _capacity_rules(c, obj.get("capacity"), r["capacity"])
    advocacy = r["advocacy"] or {}
    c.order(("advocacy.offered", advocacy.get("offered")), ("advocacy.started", advocacy.get("started")))
    _cross_field_rules(c, obj, r)
    _history_rules(c, r)
    if c.problems:
        raise InvalidRecord(c.problems)
    return cast(Case, r)


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
    if rules.CAPACITY_CONTRADICTS_CONSENT.holds(cast(Case, {"consent": consent, "capacity": capacity})):
        return (
            f"is {vocab.LACKED_CAPACITY_NO!r}, but the enquiry went ahead without consent because"
            f" {vocab.CONSENT_LACKS_CAPACITY.lower()!r}: correct one of the two"
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


def _adult_on(born: str, day: str) -> bool:
    birth, on = dt.date.fromisoformat(born), dt.date.fromisoformat(day)
    return (on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))) >= 18


def _history_rules(c: _Checker, r: dict[str, Any]) -> None:
    """Version 2: date of birth, reviews and earlier closures agree with the rest of the case."""
    person = r["person"] or {}
    born, received = person.get("date_of_birth"), r["concern_received"]
    if born and received and born <= received and not _adult_on(born, received):
        c.problem("person.date_of_birth", "makes the person under 18 on the concern date; adults only (18+)")
    c.order(("person.date_of_birth", born), ("concern_received", received))
    review_dates = {review["date"] for review in r.get("reviews", [])}
    for i, review in enumerate(r.get("reviews", [])):
        c.order(("concern_received", received), (f"reviews[{i}].date", review["date"]))
    for i, outcome in enumerate(r["desired_outcomes"]):
        for j, step in enumerate(outcome.get("progress", [])):
            if step["date"] not in review_dates:
                c.problem(f"desired_outcomes[{i}].progress[{j}].date", "is not the date of any of the case's reviews")
        c.order(("concern_received", received), (f"desired_outcomes[{i}].added", outcome.get("added")))
    since: tuple[str, str | None] = ("concern_received", received)
    for i, closure in enumerate(r.get("earlier_closures", [])):
        c.order(since, (f"earlier_closures[{i}].concluded", closure["concluded"]))
        c.order(
            (f"earlier_closures[{i}].concluded", closure["concluded"]),
            (f"earlier_closures[{i}].reopened", closure["reopened"]),
        )
        if len(closure["achieved"]) > len(r["desired_outcomes"]):
            c.problem(f"earlier_closures[{i}].achieved", "has more answers than the case has desired outcomes")
        # one answer for each outcome, null where it had none (an outcome added after that closure)
        closure["achieved"] += [None] * (len(r["desired_outcomes"]) - len(closure["achieved"]))
        since = (f"earlier_closures[{i}].reopened", closure["reopened"])
    if r.get("earlier_closures"):
        c.order(since, ("concluded", r["concluded"]))


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
        outcome = _object(c, path, item, "outcome", item=True)
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


# what closing needs, in words a worker understands; the worklist finds the same on closed cases
CLOSURE_NEEDS = (
    (rules.NEEDS_ASKED, '"asked about outcomes" (SG4a): was the person asked what they want?'),
    (rules.NEEDS_CAPACITY, '"lacked capacity" (SG3a) for the decisions about this enquiry'),
    (rules.NEEDS_RISK_ASSESSMENT, "the risk assessment outcome (SG2c)"),
    (rules.NEEDS_RISK_OUTCOME, "the risk outcome (SG2e), needed where risk was identified and action taken"),
    (rules.NEEDS_OUTCOMES, "the desired outcomes: outcomes were expressed but none is recorded (msp case review)"),
)


def missing_for_closure(record: Case) -> list[str]:
    """What a case still needs before it can be closed, in words a worker understands."""
    missing = [] if rules.IS_CONCLUDED.holds(record) else ["the date the enquiry concluded (concluded)"]
    missing += [words for rule, words in CLOSURE_NEEDS if rule.holds(record)]
    if rules.OUTCOMES_EXPRESSED.holds(record):
        for i, outcome in enumerate(record["desired_outcomes"], start=1):
            if outcome["achieved"] is None:
                missing.append(f"whether desired outcome {i} was achieved")
        if rules.NEEDS_ACHIEVED.holds(record):
            suggestion = suggest_overall_achieved([o["achieved"] for o in record["desired_outcomes"]])
            hint = f" (suggested: {suggestion})" if suggestion else ""
            missing.append(f"whether the outcomes were achieved overall (outcomes_achieved){hint}")
    return missing
