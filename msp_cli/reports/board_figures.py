"""The figures of the report to the Safeguarding Adults Board: the very objects the `--json`
reports print (figures.py over the storage's report queries), so the Board's numbers agree with them by
construction. Nothing here counts anything of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from msp_cli.reports import figures
from msp_cli.reports.period import Period, year_starting
from msp_cli.storage import Scope, Storage

QUOTES = 8  # at most this many people's words, with --with-quotes


@dataclass(frozen=True)
class BoardFigures:
    year: Period
    last_year: Period
    publish: bool
    reports: dict[str, dict[str, Any]]  # report name (outcomes, outcomes@LAST, sac, ...) -> its JSON object
    raw: dict[str, dict[str, Any]]  # the same, unpublished: for percentages the rule allows
    with_quotes: bool
    quotes: list[dict[str, Any]]


def gather(store: Storage, year: Period, *, publish: bool, with_quotes: bool) -> BoardFigures:
    last_year = year_starting(int(year.start[:4]) - 1)
    this, last = Scope(year), Scope(last_year)
    counted = {
        name: store.report(name, this) for name in ("outcomes", "sac", "desired", "capacity", "time", "feedback")
    }
    counted[f"outcomes@{last_year.label}"] = store.report("outcomes", last)
    reports = {name: getattr(figures, name.split("@")[0])(data, publish)[1] for name, data in counted.items()}
    quotes = []
    if with_quotes:
        quotes = [_without_name(q) for q in store.report("consented_words", this, QUOTES)]
    return BoardFigures(year, last_year, publish, reports, counted, with_quotes, quotes)


def _without_name(quote: dict[str, Any]) -> dict[str, Any]:
    """The words with the person's name (and each part of it) blanked out; no name, no reference."""
    text = quote["text"]
    name = (quote.get("name") or "").strip()
    for part in sorted({name, *name.split()}, key=len, reverse=True):
        if len(part) > 1:
            text = re.sub(rf"\b{re.escape(part)}\b", "[name]", text, flags=re.IGNORECASE)
    return {"text": text, "category": quote["category"], "achieved": quote["achieved"]}
