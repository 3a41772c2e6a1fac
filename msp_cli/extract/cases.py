"""Rows of an extract to interchange objects (plain dicts), ready for model.validate_case.

A case may take one row, or several with the same case reference (one row per desired
outcome or per type of risk): its single-valued fields must agree across its rows (an empty
cell agrees with anything), list fields collect each label once, and each row that has any
desired-outcome cell gives one desired outcome (the same outcome on two rows counts once).
What a cell cannot be read as is a problem of its case, named with its column and row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from msp_cli.extract import values
from msp_cli.extract.fields import OUTCOME_PREFIX
from msp_cli.extract.mapping import Column, Mapping
from msp_cli.extract.table import Row
from msp_cli.interchange import Candidate


@dataclass
class Plan:
    """How each mapped column is read: its index in the row, and a converter from cell to value."""

    found: list[tuple[int, Column, Callable[[Any], Any]]]
    missing: list[Column]
    ref_index: int | None
    unused: list[str]  # headings of the extract that feed no field


@dataclass
class LabelTally:
    """For one label field: each distinct value found, how many times, and the label it became."""

    counts: Counter[str] = field(default_factory=Counter)
    national: dict[str, str | None] = field(default_factory=dict)  # value -> national label, or None
    by_map: set[str] = field(default_factory=set)  # values the mapping translated (not already national)


@dataclass
class CaseRows:
    case_ref: str
    rows: list[int]
    single: dict[str, tuple[Any, int]] = field(default_factory=dict)  # field -> (value, row it came from)
    lists: dict[str, list[str]] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    outcome_rows: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def column_label(column: Column, row: int | None = None) -> str:
    where = f", row {row}" if row is not None else ""
    return f'{column.field.name} (column "{column.heading}"{where})'


def plan(headings: list[str], mapping: Mapping, tallies: dict[str, LabelTally]) -> Plan:
    index: dict[str, int] = {}
    for i, heading in enumerate(headings):
        index.setdefault(values.normal(heading), i)  # the first of two same headings
    found: list[tuple[int, Column, Callable[[Any], Any]]] = []
    missing: list[Column] = []
    for column in mapping.columns:
        at = index.get(values.normal(column.heading))
        if at is None:
            missing.append(column)
        else:
            found.append((at, column, converter(column, mapping, tallies)))
    used = {i for i, _, _ in found}
    unused = [h for i, h in enumerate(headings) if i not in used and h]
    ref = next((i for i, c, _ in found if c.field.name == "case_ref"), None)
    return Plan(found=found, missing=missing, ref_index=ref, unused=unused)


def converter(column: Column, mapping: Mapping, tallies: dict[str, LabelTally]) -> Callable[[Any], Any]:
    """A function from one non-empty cell to the field's value; raises values.CellProblem."""
    kind = column.field.kind
    if kind in ("ref", "line"):
        return lambda cell: values.as_text(cell).strip()
    if kind == "text":
        return values.as_text  # the person's own words: kept exactly as written
    if kind == "date":
        fmt = mapping.date_format
        return lambda cell: values.as_date(cell, fmt)
    if kind == "bool":
        return values.as_bool
    return _label_converter(column, mapping, tallies.setdefault(column.field.name, LabelTally()))


def _label_converter(column: Column, mapping: Mapping, tally: LabelTally) -> Callable[[Any], Any]:
    local = mapping.lookup(column.field.name)
    national = {values.normal(label): label for label in column.field.labels}
    known: dict[str, str] = {}  # a cache: most extracts repeat a handful of labels

    def one(text: str) -> str:
        tally.counts[text] += 1
        if text not in known:
            key = values.normal(text)
            found = local.get(key) or national.get(key)
            tally.national[text] = found
            if key in local:
                tally.by_map.add(text)
            known[text] = found if found is not None else text  # unmapped: validation names it
        return known[text]

    if column.field.kind == "label":
        return lambda cell: one(values.as_text(cell).strip())
    split = column.split

    def many(cell: Any) -> list[str]:
        text = values.as_text(cell)
        parts = text.split(split) if split else [text]
        return [one(p.strip()) for p in parts if p.strip()]

    return many


def group(rows: Iterable[Row], how: Plan) -> tuple[list[CaseRows], list[tuple[int, str]]]:
    """Rows to cases, in the order of each case's first row; and rows with no case reference."""
    cases: dict[str, CaseRows] = {}
    orphans: list[tuple[int, str]] = []
    for number, cells in rows:
        width = len(cells)
        ref_cell = cells[how.ref_index] if how.ref_index is not None and how.ref_index < width else None
        if values.is_empty(ref_cell):
            orphans.append((number, "case_ref: the case reference is empty on this row; every row needs it"))
            continue
        ref = values.as_text(ref_cell).strip()
        case = cases.get(ref)
        if case is None:
            case = cases[ref] = CaseRows(case_ref=ref, rows=[])
        case.rows.append(number)
        outcome: dict[str, Any] = {}
        for i, column, convert in how.found:
            cell = cells[i] if i < width else None
            if values.is_empty(cell):
                continue
            try:
                value = convert(cell)
            except values.CellProblem as exc:
                case.problems.append(f"{column_label(column, number)}: {exc}")
                continue
            name = column.field.name
            if column.field.outcome:
                outcome[name] = value
            elif column.field.is_list:
                collected = case.lists.setdefault(name, [])
                collected.extend(v for v in value if v not in collected)
            else:
                _agree(case, column, value, number)
        if outcome and outcome not in case.outcomes:
            case.outcomes.append(outcome)
            case.outcome_rows.append(number)
    return list(cases.values()), orphans


def _agree(case: CaseRows, column: Column, value: Any, number: int) -> None:
    name = column.field.name
    before = case.single.get(name)
    if before is None:
        case.single[name] = (value, number)
    elif before[0] != value:
        shown = f" ({before[0]}, {value})" if column.field.kind in ("date", "label", "bool") else ""
        problem = (
            f"{column_label(column)}: differs between rows {before[1]} and {number}{shown}; a case's rows must agree"
        )
        if problem not in case.problems:
            case.problems.append(problem)


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """{"person.ref": x} -> {"person": {"ref": x}}."""
    out: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, last = name.split(".")
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return out


def to_object(case: CaseRows, constants: dict[str, str]) -> dict[str, Any]:
    """One interchange object: what the rows gave, and nothing for what they left empty."""
    flat: dict[str, Any] = {**constants, **{name: value for name, (value, _) in case.single.items()}}
    flat.update(case.lists)
    obj = _nested(flat)
    obj["case_ref"] = case.case_ref
    if case.outcomes:
        obj["desired_outcomes"] = [
            _nested({name.removeprefix(OUTCOME_PREFIX): v for name, v in o.items()}) for o in case.outcomes
        ]
    return obj


def candidates(cases: list[CaseRows], orphans: list[tuple[int, str]], constants: dict[str, str]) -> Iterable[Candidate]:
    """For interchange.import_objects: each case by its first row, with what its cells could not give."""
    for case in cases:
        yield case.rows[0], to_object(case, constants), list(case.problems)
    for number, problem in orphans:
        yield number, None, [problem]
