"""`msp import FILE --map MAP.toml`: an extract through its mapping into the database.

The extract is read and grouped into cases, then handed to interchange.import_objects, the
one loop that validates (model.validate_case) and stores JSON Lines too: all or nothing, or
with keep_going the cases that pass, the others written to a rejects CSV beside the extract.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from msp_cli.errors import InvalidRecord
from msp_cli.extract import cases as rows_to_cases
from msp_cli.extract.mapping import Mapping
from msp_cli.extract.report import Summary, report_lines, write_rejects
from msp_cli.extract.table import Extract, Row, open_extract
from msp_cli.interchange import ImportRefused, ImportResult, LineProblem, import_objects
from msp_cli.storage import Storage


class ExtractRefused(InvalidRecord):
    """Something in the extract would fail, so nothing was written; the report said what."""

    def __init__(self, message: str) -> None:
        super().__init__([message])
        self.message = message


@dataclass
class Outcome:
    result: ImportResult
    report: list[str]  # what a dry run shows, and a refused import too
    failing: list[LineProblem]
    blocked: bool  # a mapped heading is missing from the file: nothing can be imported
    rejects: Path | None = None


def _rows_label(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    return "rows " + ", ".join(str(r) for r in rows[:6]) + (", ..." if len(rows) > 6 else "")


def _counting(rows: Iterable[Row], counter: list[int]) -> Iterator[Row]:
    for row in rows:
        counter[0] += 1
        yield row


def _with_headings(problems: list[str], headings: dict[str, str]) -> list[str]:
    """Name the column beside a field the rules refused: 'person.sex (column "Gender"): ...'."""
    out = []
    for problem in problems:
        path, _, rest = problem.partition(":")
        heading = headings.get(re.sub(r"\[\d+\]", "", path))
        out.append(f'{path} (column "{heading}"):{rest}' if heading and "(column" not in path else problem)
    return out


def import_extract(
    store: Storage,
    path: Path,
    mapping: Mapping,
    *,
    dry_run: bool = False,
    keep_going: bool = False,
    today: dt.date | None = None,
) -> Outcome:
    extract = open_extract(path, sheet=mapping.sheet, encoding=mapping.encoding, delimiter=mapping.delimiter)
    tallies: dict[str, rows_to_cases.LabelTally] = {}
    how = rows_to_cases.plan(extract.headings, mapping, tallies)
    counter = [0]
    found: list[rows_to_cases.CaseRows] = []
    orphans: list[tuple[int, str]] = []
    if how.ref_index is None:  # the case reference's heading is missing: rows cannot be told apart
        counter[0] = sum(1 for _ in extract.rows())
    else:
        found, orphans = rows_to_cases.group(_counting(extract.rows(), counter), how)
    rows_of = {case.rows[0]: case.rows for case in found}
    blocked = bool(how.missing)
    rejects: list[Path] = []
    headings = {c.field.name: c.heading for c in mapping.columns}

    def named(bad: list[LineProblem]) -> list[LineProblem]:
        for problem in bad:
            problem.problems = _with_headings(problem.problems, headings)
        return bad

    if how.ref_index is None:  # nothing to check case by case: the report names the missing heading
        return _finish(extract, mapping, how, tallies, counter[0], ImportResult(), [], blocked=True)
    try:
        result = import_objects(
            store,
            rows_to_cases.candidates(found, orphans, mapping.constants),
            keep_going=keep_going,
            dry_run=dry_run or blocked,
            source=(path.name, (today or dt.date.today()).isoformat()),
            where=lambda first: _rows_label(rows_of.get(first, [first])),
            on_rejects=lambda bad: rejects.append(write_rejects(extract, named(bad), rows_of)),
            list_every_problem=True,
        )
        failing = result.rejected
    except ImportRefused as refused:
        failing = refused.bad_lines
        result = ImportResult(cases_valid=len(found) + len(orphans) - len(failing))
    outcome = _finish(extract, mapping, how, tallies, counter[0], result, named(failing), blocked=blocked)
    outcome.rejects = rejects[0] if rejects else None
    return outcome


def _finish(
    extract: Extract,
    mapping: Mapping,
    how: rows_to_cases.Plan,
    tallies: dict[str, rows_to_cases.LabelTally],
    row_count: int,
    result: ImportResult,
    failing: list[LineProblem],
    *,
    blocked: bool,
) -> Outcome:
    cases = result.cases_valid + len(failing)
    summary = Summary(rows=row_count, cases=cases, valid=result.cases_valid, failing=failing)
    return Outcome(result, report_lines(extract, mapping, how, tallies, summary), failing, blocked)


def refusal(outcome: Outcome, path: Path, mapping: Mapping) -> ExtractRefused:
    what = (
        "a mapped heading is missing from the file"
        if outcome.blocked
        else f"{len(outcome.failing)} case{'s' if len(outcome.failing) != 1 else ''} would fail"
    )
    return ExtractRefused(
        f"Nothing was imported: {what}. See the report above, or run: msp import {path.name}"
        f" --map {mapping.name} --dry-run"
    )
