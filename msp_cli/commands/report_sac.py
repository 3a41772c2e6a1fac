"""`msp report sac`: the Safeguarding Adults Collection tables, on screen, as JSON, as the long CSV
of the national data, or as an xlsx laid out as the published tables."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from msp_cli.commands.report import (
    AS_JSON,
    DATE_FROM,
    DATE_TO,
    PUBLISH,
    QUARTER,
    SOURCE,
    TEAM,
    WORKER,
    YEAR,
    Computed,
    _run,
    compute,
)
from msp_cli.errors import UsageProblem
from msp_cli.ui import say

TITLE = "Safeguarding Adults Collection"
COUNCIL_NOT_SET = "not set (give it with: msp init --council NAME)"


def register(report_app: typer.Typer) -> None:
    report_app.command("sac")(sac)


def sac(
    ctx: typer.Context,
    year: str | None = YEAR,
    quarter: str | None = QUARTER,
    date_from: str | None = DATE_FROM,
    date_to: str | None = DATE_TO,
    team: str | None = TEAM,
    worker: str | None = WORKER,
    source: str | None = SOURCE,
    as_json: bool = AS_JSON,
    as_csv: bool = typer.Option(
        False, "--csv", help="The long CSV of the national data: one figure a row (TABLE_REFERENCE ... VALUE)."
    ),
    xlsx: Path | None = typer.Option(
        None, "--xlsx", metavar="FILE", help="An Excel workbook: a cover sheet, then one sheet a table."
    ),
    publish: bool = PUBLISH,
) -> None:
    """The Safeguarding Adults Collection tables (SG1a-d, SG1f, SG2a-e, SG3a, SG4a), counted by its rules."""
    from msp_cli.reports import figures

    options: dict[str, Any] = dict(locals())
    if sum(bool(x) for x in (as_json, as_csv, xlsx)) > 1:
        raise UsageProblem("Choose one of --json, --csv and --xlsx.")
    if not (as_csv or xlsx):
        options["as_csv"] = False
        _run(ctx, TITLE, options, "sac", figures.sac)
        return
    done = compute(ctx, TITLE, options, "sac", figures.sac)
    from msp_cli.reports import sac_return

    if as_csv:
        heading = f"{done.title}: {done.period.heading}" if done.period.to_date is not None else None
        print(sac_return.to_long_csv(done.obj, demo=done.demo, heading=heading), end="")
        return
    assert xlsx is not None
    from msp_cli.reports.files import write_report_file

    cover = cover_lines(done)
    write_report_file(xlsx, (".xlsx",), lambda path: sac_return.write_xlsx(path, done.obj, cover, demo=done.demo))
    say(f"Wrote {xlsx} ({len(sac_return.tables(done.obj))} tables; only you can read it).")


def cover_lines(done: Computed) -> list[tuple[str, str]]:
    """What the return is: period, council, filters, and whether the publication rule was applied."""
    from msp_cli import __version__
    from msp_cli.reports.publish import RULE

    period = done.period
    lines = [
        ("Period", f"{period.heading} ({period.start} to {period.end})"),
        ("Council", done.store.setting("council") or COUNCIL_NOT_SET),
    ]
    filters = done.head.get("filters")
    if filters:
        lines.append(("Filters", json.dumps({k: v for k, v in filters.items() if v}, ensure_ascii=False)))
    lines += [
        ("Publication rule applied", f"Yes. {RULE}" if done.publish else "No: internal figures, not for publication."),
        ("Counting", "SG1a-SG1d count people, each once per column; SG1f counts concerns and enquiries started;"
         " SG2a-SG4a count Section 42 enquiries concluded in the period."),
        ("Made", f"{dt.date.today().isoformat()} by msp {__version__}"),
    ]  # fmt: skip
    return lines
