"""The interchange format in and out: JSON Lines, one case a line (docs/interchange.md).

Import is all or nothing: every line is validated, and rows are written inside one
transaction that is rolled back if any line is refused, so a bad line 99,999 leaves the
database exactly as it was. Lines are read one at a time, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from msp_cli import collector, jsonin
from msp_cli.errors import InvalidRecord, MspError, UsageProblem
from msp_cli.hints import quote
from msp_cli.model import validate_case
from msp_cli.pseudonymised.dates import INTERVALS_KEY
from msp_cli.storage import SeenRefs, Storage
from msp_cli.ui import DEMO_BANNER

MAX_REPORTED_LINES = 20  # bad lines shown in full; the rest are counted


@dataclass
class LineProblem:
    line: int
    case_ref: str | None
    problems: list[str]
    where: str | None = None  # how to name the place in the file, when not "line N" (an extract's rows)

    def __str__(self) -> str:
        ref = f" (case_ref {self.case_ref})" if self.case_ref else ""
        return f"{self.where or f'line {self.line}'}{ref}: " + "; ".join(self.problems)


@dataclass
class ImportResult:
    cases_added: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0
    people_added: int = 0
    cases_valid: int = 0  # passed every rule (a dry run counts them without writing)
    rejected: list[LineProblem] = field(default_factory=list)  # with keep_going or dry_run: every refused case
    demo: bool = False  # the file began with the demonstration-data marker


class ImportRefused(MspError):
    """One or more lines were refused, so nothing was written; lists each bad line."""

    exit_code = InvalidRecord.exit_code

    def __init__(self, bad_lines: list[LineProblem], total_bad: int) -> None:
        self.bad_lines = bad_lines
        shown = "\n".join(str(p) for p in bad_lines)
        more = total_bad - len(bad_lines)
        tail = f"\n...and {more} more bad lines" if more > 0 else ""
        plural = "lines need" if total_bad != 1 else "line needs"
        super().__init__(f"Nothing was imported: {total_bad} {plural} fixing.\n{shown}{tail}")


def open_input(source: str) -> IO[bytes]:
    """The file to read, or standard input for '-'; a clear message for anything else."""
    if source == "-":
        return sys.stdin.buffer
    path = Path(source)
    if path.is_dir():
        raise UsageProblem(f"{source} is a folder; give a .jsonl file (one case a line).")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise UsageProblem(f"There is no file {source}; check the name and folder.") from None
    except PermissionError:
        raise UsageProblem(f"You may not read {source}; check its permissions.") from None


def read_lines(stream: IO[bytes], decode: Callable[[int], bool] | None = None) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed object or None, problem or None) for each non-blank line.

    A file that is one JSON object written over several lines (`msp case show --json`,
    `--answers` files) is read as that one case. DECODE (line number -> bool) picks the lines
    to parse; the others come as NOT_PARSED, so a pipeline's workers can share one file.
    """
    first = True
    for number in itertools.count(1):
        raw = jsonin.read_line(stream, number)  # raises for a line too long to be a case
        if not raw:
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None, "is not UTF-8 text; save the file as UTF-8"
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")  # a byte-order mark from Excel or Notepad
        if not text.strip():
            continue
        if decode is not None and not decode(number):
            yield number, NOT_PARSED, None
            if first and text.strip() == "{":  # the worker that parses it reads the rest as one object
                return
            first = False
            continue
        try:
            yield number, jsonin.loads(text), None
        except jsonin.JsonProblem as exc:
            problem = str(exc)
            if first and text.strip() == "{":  # an indented object (msp case show --json), never a JSON line
                yield _one_object(text, stream, problem)
                return
            yield number, None, problem
        first = False


NOT_PARSED = "not parsed here"  # a line another worker parses (read_lines with DECODE)


def _one_object(start: str, rest: IO[bytes], problem: str) -> tuple[int, Any, str | None]:
    """The whole input as one indented JSON object, as line 1; else PROBLEM."""
    try:
        return 1, jsonin.loads(start + rest.read(jsonin.MAX_LINE_BYTES).decode("utf-8")), None
    except UnicodeDecodeError:
        return 1, None, "is not UTF-8 text; save the file as UTF-8"
    except jsonin.JsonProblem:
        return 1, None, problem


def _already_named(problem: str, earlier: list[str]) -> bool:
    """True if an earlier problem (an extract's cell that could not be read) is about the same field."""
    path = re.sub(r"\[\d+\]", "", problem.split(":", 1)[0])
    named = {re.split(r"[ :]", p, maxsplit=1)[0] for p in earlier}
    return any(path == n or path.startswith(n + ".") for n in named)


# one case to check: (line number, or the first row of an extract; the parsed object; problems
# found before validation, such as bad JSON or a date an extract could not read)
Candidate = tuple[int, Any, list[str]]


# The first line of a JSON Lines export of demonstration data: not a case, so it has no case_ref;
# import reads it and marks the database, so the cases keep saying what they are wherever they go.
DEMO_MARKER = {"demonstration_data": True, "about": DEMO_BANNER.strip()}


def demo_marker_line() -> str:
    return json.dumps(DEMO_MARKER, ensure_ascii=False) + "\n"


def _is_demo_marker(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("demonstration_data") is True and set(obj) <= set(DEMO_MARKER)


def _mark_demo(store: Storage, audit: Any, source: str) -> None:
    """A demonstration file goes only into an empty or demonstration database, which it then marks."""
    if store.is_demo():
        return
    if store.count_cases():
        raise MspError(
            "This file is DEMONSTRATION DATA (fictional cases) and this database is real; nothing was imported.",
            hint=f"Import it into a file of its own: msp --db demo-copy.db import {quote(source)}",
        )
    store.set_setting(audit, "demo", "yes")


def import_cases(store: Storage, stream: IO[bytes], *, update: bool = False, source: str = "FILE") -> ImportResult:
    """A JSON Lines file or stream; a large file is read and checked by worker processes (import_pipeline)."""
    from msp_cli import import_pipeline

    workers = import_pipeline.workers_for(source, stream)
    if not workers:
        candidates = ((number, obj, [problem] if problem else []) for number, obj, problem in read_lines(stream))
        return import_objects(store, candidates, update=update, demo_marker_from=source)
    with import_pipeline.checked_lines(Path(source), dt.date.today(), workers=workers, as_rows=not update) as checked:
        return import_objects(store, (), checked=checked, update=update, demo_marker_from=source)


# A candidate once checked, ready to store: (line number, case_ref if usable, the normalised record
# or None, problems, what the line is (CASE, DEMO_LINE or PSEUDONYMISED), and for a case made into
# rows by a pipeline's worker (its batch's storage.NewCases, its place in it), in place of the
# record, or None). Plain values, so a worker can send it to the writer.
Checked = tuple[int, str | None, Any, list[str], str, Any]
CASE, DEMO_LINE, PSEUDONYMISED = "case", "demo", "pseudonymised"


def check(candidate: Candidate, today: dt.date) -> Checked:
    """Everything about one candidate that needs no database: the rules."""
    number, obj, problems = candidate
    if isinstance(obj, dict) and INTERVALS_KEY in obj:
        return number, None, None, problems, PSEUDONYMISED, None
    kind = DEMO_LINE if _is_demo_marker(obj) else CASE
    case_ref = obj.get("case_ref") if isinstance(obj, dict) else None
    case_ref = case_ref if isinstance(case_ref, str) and len(case_ref) <= 64 else None
    record = None
    if obj is not None or not problems:
        try:
            record = validate_case(obj, today=today)
        except InvalidRecord as exc:
            problems = problems + [p for p in exc.problems if not _already_named(p, problems)]
        record = None if problems else record
    return number, case_ref, record, problems, kind, None


def made_into_rows(line: Checked, made: Any) -> Checked:
    """LINE, if its case is valid, added to MADE (a batch's storage.NewCases) and named by its place there."""
    number, case_ref, record, problems, kind, _ = line
    if record is None or kind != CASE:
        return line
    made.add(record)
    return number, case_ref, None, problems, kind, len(made) - 1


def import_objects(
    store: Storage,
    candidates: Iterable[Candidate],
    *,
    checked: Iterable[Checked] | None = None,
    update: bool = False,
    keep_going: bool = False,
    dry_run: bool = False,
    source: tuple[str, str] | None = None,
    where: Callable[[int], str] | None = None,
    on_rejects: Callable[[list[LineProblem]], None] | None = None,
    list_every_problem: bool = False,
    demo_marker_from: str | None = None,
) -> ImportResult:
    """Validate every candidate with the one set of rules (model.validate_case) and store them.

    All or nothing, unless KEEP_GOING: then the valid cases are stored and the refused ones
    handed to ON_REJECTS inside the same transaction. DRY_RUN checks everything and writes
    nothing. SOURCE (file name, date) marks each new case as imported from an extract; WHERE
    names a candidate's place in the file ("line N" by default). LIST_EVERY_PROBLEM keeps
    every refused case in ImportRefused, not the first few (an extract's report lists them all).
    DEMO_MARKER_FROM (the JSON Lines file's name) reads a first line that marks demonstration data.
    CHECKED: the candidates already checked (import_pipeline's workers), in place of CANDIDATES.
    """
    if checked is None:
        today = dt.date.today()  # once an import, not once a case
        checked = (check(candidate, today) for candidate in candidates)
    result = ImportResult()
    bad: list[LineProblem] = []
    total_bad = 0
    keep_all = keep_going or dry_run or list_every_problem
    with (
        collector.paused(),
        SeenRefs() as seen,
        contextlib.nullcontext(None) if dry_run else store.write() as audit,
    ):
        # counted inside the transaction: another import may have filled the database meanwhile
        people_before = store.count_people()
        # into an empty database nothing can clash but the file with itself: skip a lookup a line
        empty_at_start = store.count_cases() == 0
        # new cases go in batches; --update goes case by case, to keep each case's history
        writer = None if update or audit is None else store.case_writer(audit, action="case.import", source=source)
        for number, case_ref, record, problems, kind, rows in checked:
            if kind == PSEUDONYMISED:
                raise UsageProblem(
                    "This file is a pseudonymised export, made for analysis: it cannot be imported."
                    " Import an identifiable export (msp export --identifiable) instead."
                )
            if kind == DEMO_LINE and demo_marker_from and not seen.count and total_bad == 0 and not result.demo:
                if audit is not None:
                    _mark_demo(store, audit, demo_marker_from)
                result.demo = True
                continue
            if case_ref is not None:
                first_on = seen.first_on(case_ref, number)
                if first_on is not None:
                    first = where(first_on) if where else f"line {first_on}"
                    problems.append(f"case_ref appears twice in this file (first on {first})")
                elif not update and not empty_at_start and store.case_exists(case_ref):
                    hint = "" if source else "; use --update to replace it"  # an extract only adds
                    problems.append(f"this case_ref is already in the database{hint}")
            if problems:
                total_bad += 1
                if keep_all or len(bad) < MAX_REPORTED_LINES:
                    bad.append(LineProblem(number, case_ref, problems, where(number) if where else None))
                continue
            result.cases_valid += 1
            if audit is None or (record is None and rows is None) or (total_bad and not keep_going):
                continue
            if writer is not None:
                writer.add(record) if rows is None else writer.add_made(*rows)
                result.cases_added += 1
                continue
            outcome = store.save_case(audit, record, action="case.import")
            if outcome == "created":
                result.cases_added += 1
            elif outcome == "updated":
                result.cases_updated += 1
            else:
                result.cases_unchanged += 1
        if total_bad and not (keep_going or dry_run):
            raise ImportRefused(bad, total_bad)
        if not seen.count and not bad:
            raise UsageProblem("The file holds no cases (it is empty); nothing was imported.")
        if writer is not None:
            writer.flush()
        result.rejected = bad
        if bad and on_rejects is not None and not dry_run:
            on_rejects(bad)
        result.people_added = store.count_people() - people_before
    return result
