"""Apply a function to every value of one kind of field in a record, led by the field table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msp_cli.record.fields import Field, Kind, fields_of


def map_fields(group: str, obj: dict[str, Any], wanted: Callable[[Field], bool], change: Callable[[Any], Any]) -> None:
    """Replace, in place, each non-empty value of a WANTED field of OBJ (and of the objects inside it)."""
    for f in fields_of(group):
        value = obj.get(f.key)
        if value is None:
            continue
        if f.kind is Kind.OBJECT:
            assert f.sub is not None
            map_fields(f.sub, value, wanted, change)
        elif f.kind is Kind.LIST:
            assert f.sub is not None
            for item in value:
                map_fields(f.sub, item, wanted, change)
        elif wanted(f):
            obj[f.key] = change(value)
