"""What a dry run (and a refused import) says, and the rejects CSV of --keep-going.

The report answers what an auditor checks before trusting an extract: which column feeds
each field and which are missing, every distinct label with its count and what it becomes,
and every case that would fail, with its rows and every problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from msp_cli.extract.cases import LabelTally, Plan
from msp_cli.extract.fields import FIELDS
from msp_cli.extract.mapping import Mapping
from msp_cli.extract.table import Extract
from msp_cli.extract.values import as_text, closest_label
from msp_cli.interchange import LineProblem

MAX_SHOWN = 50  # failing cases listed in full; the rest are counted
MAX_VALUES = 60  # distinct values listed for one label column, most frequent first


@dataclass
class Summary:
    rows: int
    cases: int
    valid: int
    failing: list[LineProblem]


def report_lines(
    extract: Extract, mapping: Mapping, how: Plan, tallies: dict[str, LabelTally], s: Summary
) -> list[str]:
    kind = f"sheet {extract.sheet!r}" if extract.sheet else f"CSV, {extract.encoding}"
    out = [f"Extract: {extract.path.name} ({kind}): {s.rows} rows, {s.cases} cases", f"Mapping: {mapping.name}", ""]
    out.append("Columns")
    width = max((len(c.field.name) for c in mapping.columns), default=10) + 2
    missing = {id(c) for c in how.missing}
    for column in mapping.columns:
        split = f' (split on "{column.split}")' if column.split else ""
        flag = "  MISSING from the file" if id(column) in missing else ""
        out.append(f'  {column.field.name:<{width}}<- "{column.heading}"{split}{flag}')
    for name, value in mapping.constants.items():
        out.append(f'  {name:<{width}}=  "{value}" (every case, from [source])')
    if how.unused:
        out.append("  Not used: " + ", ".join(f'"{h}"' for h in how.unused))
    if how.missing:
        out.append(f"  {len(how.missing)} mapped heading(s) are missing: correct them in [columns] of {mapping.name}")
    out += ["", "Labels (each value found, the rows holding it, and the national label it becomes)"]
    for column in mapping.columns:
        tally = tallies.get(column.field.name)
        if tally is None or id(column) in missing:
            continue
        out.append(f'  {column.field.name} ("{column.heading}")')
        if not tally.counts:
            out.append("    (no values)")
        width = min(max((len(v) for v in tally.counts), default=0), 40) + 2
        ordered = sorted(tally.counts.items(), key=lambda vc: (-vc[1], vc[0]))
        for value, count in ordered[:MAX_VALUES]:
            national = tally.national.get(value)
            if national is None:
                close = closest_label(value, FIELDS[column.field.name].labels)
                what = "not mapped" + (f"; closest national label: {close}" if close else "; no close national label")
            elif value in tally.by_map:
                what = f"-> {national}"
            else:
                what = f"-> {national} (national label)"
            out.append(f"    {value:<{width}}{count:>7}  {what}")
        if len(ordered) > MAX_VALUES:  # free text in a label column: the first are enough to see it
            out.append(f"    ...and {len(ordered) - MAX_VALUES} more values")
    out.append("")
    if s.failing:
        total = len(s.failing)
        out.append(f"Cases that would fail: {total}")
        out += [f"  {p}" for p in s.failing[:MAX_SHOWN]]
        if total > MAX_SHOWN:
            out.append(f"  ...and {total - MAX_SHOWN} more")
        out.append("")
    if how.missing:
        out.append("Nothing can be imported until every mapped heading is found in the file.")
    else:
        out.append(f"{s.valid} of {s.cases} cases would be imported; {len(s.failing)} would fail.")
    return out


def rejects_path(extract: Path) -> Path:
    """Beside the extract: NAME.rejects.csv, or NAME.rejects-2.csv and so on if that exists."""
    candidate = extract.with_name(f"{extract.stem}.rejects.csv")
    number = 2
    while candidate.exists():
        candidate = extract.with_name(f"{extract.stem}.rejects-{number}.csv")
        number += 1
    return candidate


def write_rejects(extract: Extract, rejected: Iterable[LineProblem], rows_of: dict[int, list[int]]) -> Path:
    """Every row of every refused case, as it was, after its row number and the reasons (UTF-8 with BOM)."""
    from msp_cli.export import private_file, safe_cell

    reasons: dict[int, str] = {}
    for problem in rejected:
        for row in rows_of.get(problem.line, [problem.line]):
            reasons[row] = "; ".join(problem.problems)
    path = rejects_path(extract.path)
    with private_file(path) as handle:  # personal data: owner-only, never overwriting
        handle.write("\ufeff".encode())
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["msp row", "msp problems", *extract.headings])
        for number, cells in extract.rows():
            if number in reasons:
                writer.writerow([number, safe_cell(reasons[number]), *(safe_cell(_cell(c)) for c in cells)])
        text.flush()
        text.detach()
    return path


def _cell(value: object) -> object:
    return "" if value is None else as_text(value)
