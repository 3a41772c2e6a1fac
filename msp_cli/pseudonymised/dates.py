"""Dates as months, and the intervals between them in days.

An exact date beside age band, sex and team often singles out one person in a small
council; the month does not, and the intervals (how long from concern to enquiry, to each
meeting, to closure) are what analysts measure. Intervals are worked out from the exact
dates before those become months. Every date of the field table other than the concern
itself (and the date of birth, never exported pseudonymised) is the end of one interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from msp_cli.pseudonymised.walk import map_fields
from msp_cli.record.fields import Kind

INTERVALS_KEY = "intervals"  # where an object's intervals sit in a JSON Lines export


@dataclass(frozen=True)
class Interval:
    table: str  # the export table whose rows carry it
    column: str
    start: str  # a date of the case, dotted: "concern_received", "advocacy.offered"
    end: str  # a date of the row, dotted (for the cases table, the row is the case)
    meaning: str


def _from_concern(table: str, end: str, what: str, column: str = "days_from_concern") -> Interval:
    return Interval(table, column, "concern_received", end, f"Days from the concern being received to {what}")


INTERVALS = (
    _from_concern("cases", "enquiry_started", "the enquiry starting", "days_concern_to_enquiry"),
    _from_concern("cases", "advocacy.offered", "advocacy being offered", "days_concern_to_advocacy_offered"),
    Interval("cases", "days_advocacy_offered_to_started", "advocacy.offered", "advocacy.started",
             "Days from advocacy being offered to it starting"),
    _from_concern("cases", "concluded", "the enquiry concluding", "days_concern_to_concluded"),
    _from_concern("desired_outcomes", "added", "the outcome being recorded", "days_concern_to_added"),
    _from_concern("meetings", "date", "the meeting"),
    _from_concern("feedback", "date", "the feedback"),
    _from_concern("reviews", "date", "the review"),
    _from_concern("outcome_progress", "date", "the review"),
    _from_concern("earlier_wordings", "until", "the words being replaced"),
    _from_concern("earlier_closures", "concluded", "that closure", "days_concern_to_concluded"),
    _from_concern("earlier_closures", "reopened", "the reopening", "days_concern_to_reopened"),
)  # fmt: skip

_BY_TABLE: dict[str, list[Interval]] = {}
for _i in INTERVALS:
    _BY_TABLE.setdefault(_i.table, []).append(_i)
# table -> [(column, meaning)], appended to the export tables and the data dictionary
INTERVAL_COLUMNS = {table: [(i.column, i.meaning) for i in found] for table, found in _BY_TABLE.items()}


def _value(obj: dict[str, Any] | None, dotted: str) -> Any:
    for key in dotted.split("."):
        obj = (obj or {}).get(key)
    return obj


def days_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def _rows_of(record: dict[str, Any], where: str) -> Iterator[dict[str, Any]]:
    """The objects that become rows of one export table (see msp_cli.export.TABLE_SOURCES)."""
    if not where:
        yield record
        return
    parent, _, child = where.partition(".")
    for holder in record.get(parent) or []:
        if not child:
            yield holder
        else:
            yield from holder.get(child) or []


def add_intervals(record: dict[str, Any], tables: Iterable[tuple[str, str, str]]) -> None:
    """Give the case and each of its rows, in place, an `intervals` object: column -> days (or null).

    TABLES are msp_cli.export.TABLE_SOURCES: (table, group, where its rows sit in a case).
    """
    for table, _, where in tables:
        wanted = _BY_TABLE.get(table, [])
        for row in _rows_of(record, where) if wanted else ():
            row[INTERVALS_KEY] = {i.column: days_between(_value(record, i.start), _value(row, i.end)) for i in wanted}


def interval_cells(table: str, row: dict[str, Any]) -> list[int | None]:
    """A row's interval columns for csv and xlsx, in INTERVAL_COLUMNS order."""
    found = row.get(INTERVALS_KEY) or {}
    return [found.get(column) for column, _ in INTERVAL_COLUMNS.get(table, [])]


def to_months(record: dict[str, Any]) -> None:
    """Every date of the record, in place, as its month: 2024-05-02 becomes 2024-05."""
    map_fields("case", record, lambda f: f.kind is Kind.DATE, lambda value: value[:7])
