"""A stored case as an export shows it, in one walk worked out once from the field table.

Each object is copied once and only its special fields are touched. Pseudonymised: references
become keyed hashes, identifying details go, free text is hidden (or has the names recorded in
msp taken out, with --with-notes), dates become months. In every export the rows of the export
tables get their intervals, worked out from the exact dates, as their last key. The walk
expects objects as storage gives them (the field table's keys, in its order), and keeps that
order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from msp_cli.export import NOT_EXPORTED, TABLE_SOURCES
from msp_cli.pseudonymised.dates import INTERVALS, INTERVALS_KEY, days_between
from msp_cli.record import fields as record_fields
from msp_cli.record.fields import GROUPS, Kind, fields_of

# what the walk does to a field's value (every other field is kept as it is)
PSEUDONYM, DROP, BLANK, HIDE, SCRUB, MONTH, OBJECT, LIST = range(8)


@cache
def _steps(group: str, pseudonymised: bool, with_notes: bool, months: bool) -> tuple[tuple[str, int, Any], ...]:
    """(key, what to do, its argument) for each field of GROUP the walk changes, in the field table's order."""
    steps: list[tuple[str, int, Any]] = []
    for f in fields_of(group):
        if f.kind in (Kind.OBJECT, Kind.LIST):
            assert not (f.pseudonym or f.identifying or f.free_text), f"{f.path}: walked into, not dropped"
        if f.kind is Kind.OBJECT:
            steps.append((f.key, OBJECT, f.sub))
        elif f.kind is Kind.LIST:
            steps.append((f.key, LIST, f.sub))
        elif not pseudonymised:
            continue
        elif f.pseudonym:
            assert not f.free_text, f"{f.path}: a pseudonym is never free text"
            steps.append((f.key, PSEUDONYM, f.pseudonym))
        elif f.identifying:
            steps.append((f.key, BLANK if f.version == 1 else DROP, None))  # version 1 keys stay, as null
        elif f.free_text:
            steps.append((f.key, SCRUB, None) if with_notes else (f.key, HIDE, NOT_EXPORTED if f.required else None))
        elif f.kind is Kind.DATE and months:
            steps.append((f.key, MONTH, None))
    return tuple(steps)


def _path_in(group: str, dotted: str) -> tuple[str, ...]:
    """DOTTED (a date of GROUP's object, perhaps inside a nested object) as keys; checked to be a plain date."""
    prefix = GROUPS[group].path
    f = record_fields.field(f"{prefix}.{dotted}" if prefix else dotted)
    assert f.kind is Kind.DATE and not (f.identifying or f.pseudonym or f.free_text), f.path
    return tuple(dotted.split("."))


@cache
def _intervals(group: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(column, start: a date of the case, dotted; end: keys to a date of GROUP's object) of each interval."""
    tables = [table for table, of_group, _ in TABLE_SOURCES if of_group == group]
    return tuple((i.column, i.start, _path_in(group, i.end)) for i in INTERVALS if i.table in tables)


@cache
def _starts() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every date of the case an interval starts from: (dotted, keys)."""
    return tuple((dotted, _path_in("case", dotted)) for dotted in dict.fromkeys(i.start for i in INTERVALS))


def _value(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = obj.get(keys[0])
    for key in keys[1:]:
        value = (value or {}).get(key)
    return value


@dataclass
class Shaper:
    """Shapes stored cases for one export. PSEUDONYM(kind, value) hashes references (None: an identifiable
    export, where only intervals are added); SCRUB takes names out of free text kept WITH_NOTES; MONTHS
    turns dates into months."""

    pseudonym: Callable[[str, str | None], str | None] | None
    with_notes: bool = False
    months: bool = False
    scrub: Callable[[str], str] | None = None
    plans: dict[str, tuple[tuple[tuple[str, int, Any], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]] = field(
        init=False
    )  # group -> (its steps, its intervals)

    def __post_init__(self) -> None:
        hashing = self.pseudonym is not None
        self.plans = {g: (_steps(g, hashing, self.with_notes, self.months), _intervals(g)) for g in GROUPS}

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        starts = {dotted: _value(record, keys) for dotted, keys in _starts()}  # exact, before any become months
        return self._object("case", record, starts)

    def _object(self, group: str, obj: dict[str, Any], starts: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        steps, intervals = self.plans[group]
        if intervals:  # from the exact dates, before any become months
            found = {column: days_between(starts[start], _value(obj, end)) for column, start, end in intervals}
        for key, step, arg in steps:
            if key not in out:
                continue
            value = out[key]
            if step == DROP:
                del out[key]
            elif step == BLANK:
                out[key] = None
            elif value is None:
                continue
            elif step == PSEUDONYM:
                assert self.pseudonym is not None
                out[key] = self.pseudonym(arg, value)
            elif step == HIDE:
                out[key] = arg
            elif step == SCRUB:
                if self.scrub is not None:
                    out[key] = self.scrub(value)
            elif step == MONTH:
                out[key] = value[:7]
            elif step == OBJECT:
                out[key] = self._object(arg, value, starts)
            else:
                out[key] = [self._object(arg, item, starts) for item in value]
        if intervals:
            out[INTERVALS_KEY] = found
        return out
