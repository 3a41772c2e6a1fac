"""`msp case edit`: one recorded fact put right, named by its interchange path. Pure, but for
asking the worklist what a closed case may take.

A path is written as in the interchange format and its problem messages: `location_of_risk`,
`person.sex`, `desired_outcomes[0].category` (list positions count from 0). The value is
text as typed; yes/no, whole numbers and lists of labels are read by the kind of field, and
an empty value clears an optional field. The changed record then goes through
model.validate_case like every other way in.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Iterator
from typing import Any

from msp_cli.errors import UsageProblem
from msp_cli.record.fields import Field, Kind, fields_of
from msp_cli.record.fields import field as field_named

Path = list[str | int]

NOT_HERE = {
    "case_ref": "a case reference is how the case is found; it is not corrected here",
    "person.ref": "the person's reference links their cases; it is not corrected here",
}
# the history of a case only grows (reviews, earlier wordings and closures, when an outcome was added)
HISTORY = {"reviews", "earlier_closures", "desired_outcomes[].added", "desired_outcomes[].earlier_wordings",
           "desired_outcomes[].progress"}  # fmt: skip


def correctable(f: Field) -> bool:
    return f.kind not in (Kind.OBJECT, Kind.LIST) and f.path not in NOT_HERE and f.path not in HISTORY


_PART = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


def parse_path(text: str) -> Path:
    """`desired_outcomes[2].category` -> ['desired_outcomes', 2, 'category']; UsageProblem if not a field."""
    path: Path = []
    for part in text.strip().split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise UsageProblem(f"{text!r} is not a field name; write it as in docs/interchange.md, e.g. person.sex.")
        path.append(match.group(1))
        if match.group(2) is not None:
            path.append(int(match.group(2)))
    shape = pattern(path)
    if shape in NOT_HERE:
        raise UsageProblem(f"{shape}: {NOT_HERE[shape]}.")
    with contextlib.suppress(KeyError):  # not a field at all: the refusal below says so
        if correctable(field_named(shape)):
            return path
    raise UsageProblem(f"{text!r} is not a field that can be corrected; `msp case edit CASE_REF` lists them.")


def pattern(path: Path) -> str:
    """The path with list positions written [] (`desired_outcomes[].category`)."""
    out = ""
    for step in path:
        out += "[]" if isinstance(step, int) else ("." if out else "") + step
    return out


def show_path(path: Path) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out


def value_at(record: Any, path: Path) -> Any:
    value: Any = record
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def read_value(path: Path, text: str) -> Any:
    """TEXT as the kind of value the field holds; empty clears it."""
    kind = field_named(pattern(path)).kind
    if text == "":
        return [] if kind is Kind.LABELS else None
    if kind is Kind.BOOL:
        answer = {"yes": True, "true": True, "no": False, "false": False}.get(text.strip().lower())
        if answer is None:
            raise UsageProblem(f"{show_path(path)} is yes or no; give yes, no, or nothing to clear it.")
        return answer
    if kind in (Kind.INT, Kind.SCORE):
        if not text.strip().isdigit():
            raise UsageProblem(f"{show_path(path)} is a whole number.")
        return int(text)
    if kind is Kind.LABELS:
        if text.lstrip().startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise UsageProblem(f"{show_path(path)}: the list is not valid JSON.") from None
        return [label.strip() for label in text.split(";") if label.strip()]
    return text  # kept exactly as typed: it may be the person's own words


def with_value(record: Any, path: Path, value: Any) -> Any:
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


def leaf_paths(record: Any) -> Iterator[Path]:
    """Every field of RECORD that can be corrected, in the interchange order."""
    yield from _leaves(record, [], "case")


def _leaves(obj: dict[str, Any] | None, prefix: Path, group: str) -> Iterator[Path]:
    for f in fields_of(group):
        here: Path = [*prefix, f.key]
        value = (obj or {}).get(f.key)
        if f.kind is Kind.LIST and f.path not in HISTORY and f.sub is not None:
            for i, item in enumerate(value or []):
                yield from _leaves(item, [*here, i], f.sub)
        elif f.kind is Kind.OBJECT and f.sub is not None:
            yield from _leaves(value, here, f.sub)
        elif correctable(f):
            yield here


# What `msp case edit` may correct on a closed case: the fields the worklist's findings name
CORRECTABLE_WHEN_CLOSED: dict[str, tuple[str, ...]] = {
    "asked-missing": ("asked_about_outcomes",),
    "capacity-no-support": ("capacity.support",),
    "no-best-interests": ("capacity.best_interests_note",),
    "consent-capacity-contradiction": (
        "capacity.lacked_capacity",
        "capacity.support",
        "capacity.best_interests_note",
        "consent.proceeded_without_consent_reason",
    ),
    "closed-without-achieved": ("outcomes_achieved", "desired_outcomes[].achieved"),
    "achieved-contradiction": ("outcomes_achieved", "desired_outcomes[].achieved"),
    "closed-before-reopening": ("concluded",),
    "risk-outcome-missing": ("risk_outcome",),
}


def correctable_when_closed(store: Any, case_ref: str) -> set[str]:
    """The fields of closed case CASE_REF that its worklist findings name (list positions written [])."""
    import datetime as dt

    found = store.worklist(today=dt.date.today(), days=100_000, worker=None, team=None, case_ref=case_ref)
    return {field for f in found for field in CORRECTABLE_WHEN_CLOSED.get(str(f["rule"]), ())}
