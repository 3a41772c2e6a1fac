"""Reporting periods: the reporting year runs 1 April to 31 March (for example 2024-25)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from msp_cli.errors import UsageProblem

_YEAR = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-(\d{2})Q([1-4])", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    start: str  # ISO dates, inclusive
    end: str
    label: str
    to_date: str | None = None  # today, where the period has not ended yet: its figures are so far

    @property
    def heading(self) -> str:
        """The label as a title says it: a period still running is 'to date', with the date."""
        if self.to_date is None:
            return self.label
        so_far = "year to date" if _YEAR.fullmatch(self.label) else "to date"
        return f"{self.label}, {so_far} (to {self.to_date})"

    def as_of(self, today: dt.date) -> Period:
        """This period, marked 'to date' when TODAY falls inside it."""
        day = today.isoformat()
        return replace(self, to_date=day if self.start <= day < self.end else None)


def year_starting(first: int) -> Period:
    return Period(f"{first}-04-01", f"{first + 1}-03-31", f"{first}-{(first + 1) % 100:02d}")


def reporting_year_of(day: dt.date) -> Period:
    return year_starting(day.year if day.month >= 4 else day.year - 1)


def _first_year(text: str, match: re.Match[str]) -> int:
    first, second = int(match.group(1)), int(match.group(2))
    if (first + 1) % 100 != second:
        raise UsageProblem(f"{text!r} is not a reporting year: write it like 2024-25 (1 April 2024 to 31 March 2025).")
    return first


def parse_period(
    year: str | None = None,
    quarter: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    *,
    today: dt.date | None = None,
) -> Period:
    """One period from --year, --quarter or --from/--to; the current reporting year when none is given."""
    given = [name for name, value in (("--year", year), ("--quarter", quarter)) if value]
    if date_from or date_to:
        given.append("--from/--to")
    if len(given) > 1:
        raise UsageProblem(f"Give one period only (you gave {' and '.join(given)}).")
    if year:
        match = _YEAR.fullmatch(year.strip())
        if not match:
            raise UsageProblem(f"--year {year!r}: write the reporting year like 2024-25.")
        return year_starting(_first_year(year, match))
    if quarter:
        match = _QUARTER.fullmatch(quarter.strip())
        if not match:
            raise UsageProblem(f"--quarter {quarter!r}: write it like 2024-25Q3 (Q1 is April to June).")
        first = _first_year(quarter, match)
        q = int(match.group(3))
        months = {1: (first, 4, 6), 2: (first, 7, 9), 3: (first, 10, 12), 4: (first + 1, 1, 3)}[q]
        year_of, start_month, end_month = months
        end_day = (dt.date(year_of + (end_month == 12), end_month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return Period(
            f"{year_of}-{start_month:02d}-01",
            f"{year_of}-{end_month:02d}-{end_day:02d}",
            f"{first}-{(first + 1) % 100:02d}Q{q}",
        )
    if date_from or date_to:
        from msp_cli.model import is_iso_date

        for name, value in (("--from", date_from), ("--to", date_to)):
            if value is None:
                raise UsageProblem(f"Give both --from and --to (missing {name}).")
            if not is_iso_date(value):
                raise UsageProblem(f"{name} {value!r}: write the date as YYYY-MM-DD.")
        assert date_from is not None and date_to is not None
        if date_to < date_from:
            raise UsageProblem(f"--to {date_to} is before --from {date_from}.")
        return Period(date_from, date_to, f"{date_from} to {date_to}")
    return reporting_year_of(today or dt.date.today())
