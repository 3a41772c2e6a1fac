"""Objects of the format to table rows and back, column by column, from the field table.

The single-case writer, the bulk writer and the reader all use these maps, so a field added
to msp_cli.record.fields is written and read everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from msp_cli.record.fields import Field, Kind, fields_of

_NESTED = (Kind.OBJECT, Kind.LIST, Kind.LABELS, Kind.LABEL_SEQ)


@cache
def stored_fields(group: str, table: str) -> tuple[Field, ...]:
    """The fields of GROUP kept as one column each of TABLE."""
    return tuple(f for f in fields_of(group) if f.table == table and f.kind not in _NESTED)


def columns(group: str, table: str) -> tuple[str, ...]:
    return tuple(f.column for f in stored_fields(group, table) if f.column is not None)


def to_row(group: str, table: str, obj: Mapping[str, Any] | None) -> dict[str, Any]:
    """The columns of TABLE that hold GROUP's fields, from OBJ (absent or None: all NULL)."""
    obj = obj or {}
    row = {}
    for f in stored_fields(group, table):
        value = obj.get(f.key)
        assert f.column is not None
        row[f.column] = int(value) if f.kind is Kind.BOOL and value is not None else value
    return row


@cache
def _value_plan(group: str, table: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """GROUP's keys in TABLE's column order, and the positions that hold booleans."""
    fields = stored_fields(group, table)
    return tuple(f.key for f in fields), tuple(i for i, f in enumerate(fields) if f.kind is Kind.BOOL)


def values(group: str, table: str, obj: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """As to_row, only the values, in columns() order: the bulk writer's rows, made once a case."""
    keys, bools = _value_plan(group, table)
    if not obj:
        return (None,) * len(keys)
    if not bools:
        return tuple(map(obj.get, keys))  # in C: an import makes several of these a case
    out: list[Any] = [*map(obj.get, keys)]
    for i in bools:
        if out[i] is not None:
            out[i] = int(out[i])
    return tuple(out)


@cache
def _column_plan(group: str, table: str, names: tuple[str, ...]) -> tuple[tuple[str | None, ...], tuple[int, ...]]:
    by_column = {f.column: f for f in stored_fields(group, table)}
    fields = [by_column.get(name) for name in names]
    return tuple(f.key if f else None for f in fields), tuple(
        i for i, f in enumerate(fields) if f and f.kind is Kind.BOOL
    )


def values_for(group: str, table: str, names: tuple[str, ...], obj: Mapping[str, Any]) -> tuple[Any, ...]:
    """As values(), in the order of the columns NAMES; a column GROUP does not fill is None."""
    keys, bools = _column_plan(group, table, names)
    out: list[Any] = [None if key is None else obj.get(key) for key in keys]
    for i in bools:
        if out[i] is not None:
            out[i] = int(out[i])
    return tuple(out)


def from_row(group: str, table: str, row: Mapping[str, Any], *, omit_empty_v2: bool = True) -> dict[str, Any]:
    """GROUP's fields kept in TABLE, read back from ROW (a dict by column name)."""
    obj: dict[str, Any] = {}
    for key, column, is_bool, later in _read_plan(group, table):
        value = row[column]
        if value is None:
            if later and omit_empty_v2:
                continue
        elif is_bool:
            value = bool(value)
        obj[key] = value
    return obj


@cache
def _read_plan(group: str, table: str) -> tuple[tuple[str, str, bool, bool], ...]:
    """(key, column, is a boolean, is of a later version) of each field from_row reads: worked out once,
    as export and check read every case."""
    return tuple((f.key, f.column, f.kind is Kind.BOOL, f.version > 1) for f in stored_fields(group, table) if f.column)


def none_if_empty(obj: dict[str, Any]) -> dict[str, Any] | None:
    return None if all(v is None for v in obj.values()) else obj


def without_empty_v2(group: str, obj: dict[str, Any]) -> dict[str, Any]:
    """OBJ without the version 2 fields that hold nothing (absent from the format when empty)."""
    return {k: v for k, v in obj.items() if not (v in (None, []) and _version(group, k) > 1)}


def _version(group: str, key: str) -> int:
    return next((f.version for f in fields_of(group) if f.key == key), 1)
