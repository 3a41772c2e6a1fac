"""`msp case edit`: one recorded fact put right, named by its interchange path. Pure, no I/O.

A path is written as in the interchange format and its problem messages: `location_of_risk`,
`person.sex`, `desired_outcomes[0].category` (list positions count from 0). The value is
text as typed; yes/no, whole numbers and lists of labels are read by the kind of field, and
an empty value clears an optional field. The changed record then goes through
model.validate_case like every other way in.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from msp_cli import vocab
from msp_cli.errors import UsageProblem
from msp_cli.model import (
    ADVOCACY_KEYS,
    CAPACITY_KEYS,
    CASE_KEYS,
    CONSENT_KEYS,
    FEEDBACK_KEYS,
    FEEDBACK_SCORES,
    MEETING_KEYS,
    NEGOTIATED_KEYS,
    OUTCOME_KEYS,
    PERSON_KEYS,
    Record,
)

Path = list[str | int]

# the labels each field takes (list positions written [])
LABELS: dict[str, Sequence[str]] = {
    "person.age_band": vocab.AGE_BAND,
    "person.sex": vocab.SEX,
    "person.ethnicity": vocab.ETHNICITY,
    "person.primary_support_reason": vocab.PRIMARY_SUPPORT_REASON,
    "enquiry_type": vocab.ENQUIRY_TYPE,
    "location_of_risk": vocab.LOCATION_OF_RISK,
    "source_of_risk": vocab.SOURCE_OF_RISK,
    "consent.proceeded_without_consent_reason": vocab.CONSENT_OVERRIDE_REASON,
    "capacity.lacked_capacity": vocab.LACKED_CAPACITY,
    "capacity.support": vocab.CAPACITY_SUPPORT,
    "advocacy.type": vocab.ADVOCACY_TYPE,
    "asked_about_outcomes": vocab.ASKED_ABOUT_OUTCOMES,
    "desired_outcomes[].category": vocab.OUTCOME_CATEGORY,
    "desired_outcomes[].expressed_by": vocab.EXPRESSED_BY,
    "desired_outcomes[].negotiated.reason": vocab.NEGOTIATED_REASON,
    "desired_outcomes[].achieved": vocab.OUTCOMES_ACHIEVED,
    "meetings[].kind": vocab.MEETING_KIND,
    "meetings[].location": vocab.MEETING_LOCATION,
    "feedback[].given_by": vocab.EXPRESSED_BY,
    "risk_assessment_outcome": vocab.RISK_ASSESSMENT_OUTCOME,
    "risk_outcome": vocab.RISK_OUTCOME,
    "outcomes_achieved": vocab.OUTCOMES_ACHIEVED,
}
LABEL_LISTS: dict[str, Sequence[str]] = {
    "risk_types": vocab.RISK_TYPE,
    "responses": vocab.RESPONSE,
    "meetings[].attendees": vocab.ATTENDEE,
}
YES_NO = {"consent.sought", "consent.given", "meetings[].location_chosen_by_person", "meetings[].person_prepared"}
NUMBERS = {"meetings[].minutes_spent", *(f"feedback[].{score}" for score in FEEDBACK_SCORES)}
DATES = {
    "concern_received",
    "enquiry_started",
    "concluded",
    "advocacy.offered",
    "advocacy.started",
    "meetings[].date",
    "feedback[].date",
}
NOT_HERE = {
    "case_ref": "a case reference is how the case is found; it is not corrected here",
    "person.ref": "the person's reference links their cases; it is not corrected here",
}
# the objects inside a case, and the keys each holds
OBJECTS: dict[str, tuple[str, ...]] = {
    "": CASE_KEYS,
    "person": PERSON_KEYS,
    "consent": CONSENT_KEYS,
    "capacity": CAPACITY_KEYS,
    "advocacy": ADVOCACY_KEYS,
    "desired_outcomes[]": OUTCOME_KEYS,
    "desired_outcomes[].negotiated": NEGOTIATED_KEYS,
    "meetings[]": MEETING_KEYS,
    "feedback[]": FEEDBACK_KEYS,
}
LISTS_OF_OBJECTS = {"desired_outcomes", "meetings", "feedback"}
_PART = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


def parse_path(text: str) -> Path:
    """`desired_outcomes[2].category` -> ['desired_outcomes', 2, 'category']; UsageProblem if not a field."""
    path: Path = []
    for part in text.strip().split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise UsageProblem(f"{text!r} is not a field name; write it as in INTERCHANGE.md, e.g. person.sex.")
        path.append(match.group(1))
        if match.group(2) is not None:
            path.append(int(match.group(2)))
    shape = pattern(path)
    if shape in NOT_HERE:
        raise UsageProblem(f"{shape}: {NOT_HERE[shape]}.")
    parent, _, key = shape.rpartition(".")
    if parent in OBJECTS and key in OBJECTS[parent] and not is_whole_object(shape):
        return path
    raise UsageProblem(f"{text!r} is not a field that can be corrected; `msp case edit CASE_REF` lists them.")


def pattern(path: Path) -> str:
    """The path with list positions written [] (`desired_outcomes[].category`)."""
    out = ""
    for step in path:
        out += "[]" if isinstance(step, int) else ("." if out else "") + step
    return out


def is_whole_object(shape: str) -> bool:
    return shape in OBJECTS or shape in LISTS_OF_OBJECTS


def show_path(path: Path) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out


def value_at(record: Record, path: Path) -> Any:
    value: Any = record
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def read_value(path: Path, text: str) -> Any:
    """TEXT as the kind of value the field holds; empty clears it."""
    shape = pattern(path)
    if text == "":
        return [] if shape in LABEL_LISTS else None
    if shape in YES_NO:
        answer = {"yes": True, "true": True, "no": False, "false": False}.get(text.strip().lower())
        if answer is None:
            raise UsageProblem(f"{show_path(path)} is yes or no; give yes, no, or nothing to clear it.")
        return answer
    if shape in NUMBERS:
        if not text.strip().isdigit():
            raise UsageProblem(f"{show_path(path)} is a whole number.")
        return int(text)
    if shape in LABEL_LISTS:
        if text.lstrip().startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise UsageProblem(f"{show_path(path)}: the list is not valid JSON.") from None
        return [label.strip() for label in text.split(";") if label.strip()]
    return text  # kept exactly as typed: it may be the person's own words


def with_value(record: Record, path: Path, value: Any) -> Record:
    """A copy of RECORD with VALUE at PATH (an absent object such as consent is started)."""
    out = copy.deepcopy(record)
    holder: Any = out
    for depth, step in enumerate(path[:-1]):
        nxt = path[depth + 1]
        if isinstance(step, int):
            if step >= len(holder):
                name = show_path(path[:depth])
                raise UsageProblem(f"{name} has {len(holder)} entries, counted from 0; there is no [{step}].")
            holder = holder[step]
            continue
        if holder.get(step) is None:
            holder[step] = [] if isinstance(nxt, int) else {}
        holder = holder[step]
    last = path[-1]
    if isinstance(last, str):
        holder[last] = value
    return out


def leaf_paths(record: Record) -> Iterator[Path]:
    """Every field of RECORD that can be corrected, in the interchange order."""
    yield from _leaves(record, [], "")


def _leaves(obj: dict[str, Any] | None, prefix: Path, shape: str) -> Iterator[Path]:
    for key in OBJECTS[shape]:
        here = [*prefix, key]
        name = f"{shape}.{key}" if shape else key
        if name in NOT_HERE:
            continue
        value = (obj or {}).get(key)
        if name in LISTS_OF_OBJECTS:
            for i, item in enumerate(value or []):
                yield from _leaves(item, [*here, i], name + "[]")
        elif name in OBJECTS:
            yield from _leaves(value, here, name)
        else:
            yield here
