"""Dates as months, and the intervals between them in days.

An exact date beside age band, sex and team often singles out one person in a small
council; the month does not, and the intervals (how long from concern to enquiry, to each
meeting, to closure) are what analysts measure. Intervals are worked out from the exact
dates before those become months. Every date of the field table other than the concern
itself (and the date of birth, never exported pseudonymised) is the end of one interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


def days_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return _day_number(end) - _day_number(start)


@lru_cache(maxsize=8192)
def _day_number(date: str) -> int:
    """A date's day number: each date read once while the cache holds it (an export has few distinct dates)."""
    return dt.date.fromisoformat(date).toordinal()


def interval_cells(table: str, row: dict[str, Any]) -> list[int | None]:
    """A row's interval columns for csv and xlsx, in INTERVAL_COLUMNS order."""
    found = row.get(INTERVALS_KEY) or {}
    return [found.get(column) for column, _ in INTERVAL_COLUMNS.get(table, [])]
