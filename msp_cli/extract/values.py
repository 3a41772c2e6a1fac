"""One cell of an extract to one interchange value: dates, yes/no, text, labels.

A cell is what the reader gives: text from a CSV; text, a number, a date or a date-time
from Excel. Values shown in a problem are dates and yes/no answers only, and only when they
look like one: a column mapped to the wrong field must not put a name in a message.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from typing import Any

EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system, past its 1900 leap-year bug
EXCEL_LAST = 2_958_465  # 9999-12-31
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
SHOWABLE = re.compile(r"[\d/.:\- T]{1,20}")  # digits and separators: a date or a number, never a name


class CellProblem(ValueError):
    """A cell that cannot be read as its field's kind; the message names no personal data."""


def shown(value: Any) -> str:
    text = str(value)
    return repr(text) if SHOWABLE.fullmatch(text) or text.strip().casefold() in YES | NO else "the value given"


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    """Excel gives numbers and dates for cells that are references or text: write them as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _from_serial(number: float) -> str:
    if not 1 <= number <= EXCEL_LAST:
        raise CellProblem(f"{shown(number)} is not an Excel date number")
    return (EXCEL_EPOCH + dt.timedelta(days=int(number))).isoformat()


def _checked(year: int, month: int, day: int, value: str) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise CellProblem(f"{shown(value)} is not a real date") from None


def as_date(value: Any, date_format: str | None) -> str:
    """An ISO date from a date cell, an Excel date number, ISO text, UK text (dd/mm/yyyy) or DATE_FORMAT."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    text = str(value).strip()
    if match := ISO_DATE.fullmatch(text):
        return _checked(int(match[1]), int(match[2]), int(match[3]), text)
    if date_format is None and (match := UK_DATE.fullmatch(text)):
        return _checked(int(match[3]), int(match[2]), int(match[1]), text)
    if SERIAL.fullmatch(text):
        return _from_serial(float(text))
    if date_format is not None:
        for fmt in (date_format, date_format + " %H:%M", date_format + " %H:%M:%S"):
            try:
                return dt.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
    wanted = date_format or "%d/%m/%Y"
    raise CellProblem(
        f"{shown(text)} is not a date (as {dt.date(2025, 1, 31).strftime(wanted)}, 2025-01-31 or an Excel date number)"
    )


YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = as_text(value).strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellProblem(f"{shown(value)} is not yes or no")


def normal(label: str) -> str:
    """A label as compared: case and runs of spaces do not matter."""
    return " ".join(label.casefold().split())


_FILLER = frozenset({"or", "and", "of", "the", "to", "a", "an", "in", "with", "for"})


def _words(text: str) -> list[str]:
    return [w for w in re.sub(r"[^0-9a-z]+", " ", text.casefold()).split() if w not in _FILLER]


def closest_label(value: str, labels: Sequence[str]) -> str | None:
    """The national label a local one most likely means ("Financial" -> "Financial or Material Abuse"), or None.

    Shared words count most, then a label that starts with the value, then spelling; it is a
    suggestion for a person to check, never applied on its own.
    """
    words = _words(value)
    if not words:
        return None
    flat = " ".join(words)
    if len(flat) == 1:  # an initial: "F" is Female where only one label starts with F
        starting = [label for label in labels if normal(label).startswith(flat)]
        return starting[0] if len(starting) == 1 else None
    best: tuple[float, bool, float] = (0.0, False, 0.0)
    choice = None
    for label in labels:
        theirs = _words(label)
        shared = len(set(words) & set(theirs)) / len(set(words))
        spelling = difflib.SequenceMatcher(None, flat, " ".join(theirs)).ratio()
        score = (max(shared, spelling), " ".join(theirs).startswith(flat), spelling)
        if score > best:
            best, choice = score, label
    return choice if best[0] >= 0.6 else None
